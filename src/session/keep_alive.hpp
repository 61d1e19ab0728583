#pragma once
// Keep Alive enforcement [MQTT-3.1.2-24]: a connection that sends nothing for keep_alive x
// multiplier (NanoMQ's keepalive_multiplier, 1.5 in the specification's wording) is closed.
#include <chrono>
#include <cstdint>

namespace nmq::session {

class KeepAlive {
  public:
    using Clock = std::chrono::steady_clock;

    void start(std::uint16_t keep_alive_s, double multiplier, Clock::time_point now) {
        if (keep_alive_s == 0) {  // 0 switches the mechanism off [MQTT-3.1.2-?]
            limit_ = Clock::duration::zero();
        } else {
            limit_ = std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(keep_alive_s * multiplier));
        }
        last_ = now;
        active_ = false;
    }
    // A packet arrived. No clock is read here (this runs for every packet); the next check
    // stamps the activity instead, which costs at most one check interval of slack.
    void on_packet() noexcept { active_ = true; }
    // Called periodically: true once the connection has been silent for longer than allowed.
    bool expired(Clock::time_point now) noexcept {
        if (active_) {
            active_ = false;
            last_ = now;
            return false;
        }
        return limit_ != Clock::duration::zero() && now - last_ > limit_;
    }

  private:
    Clock::duration limit_{};
    Clock::time_point last_{};
    bool active_ = false;
};

}  // namespace nmq::session
