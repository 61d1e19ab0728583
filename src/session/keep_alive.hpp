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
    }
    void on_packet(Clock::time_point now) noexcept { last_ = now; }
    bool expired(Clock::time_point now) const noexcept {
        return limit_ != Clock::duration::zero() && now - last_ > limit_;
    }

private:
    Clock::duration limit_{};
    Clock::time_point last_{};
};

}  // namespace nmq::session
