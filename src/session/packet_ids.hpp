#pragma once
// Packet Identifier allocation for one session's outbound QoS 1/2 flows: non-zero
// [MQTT-2.2.1-3], and not reused while its flow is unacknowledged [MQTT-2.2.1-2].
#include <bitset>
#include <cstdint>
#include <memory>

namespace nmq::session {

class PacketIds {
  public:
    // A free identifier, or 0 when all 65535 are in use.
    std::uint16_t acquire() noexcept {
        if (!used_) used_ = std::make_unique<std::bitset<65536>>();
        if (in_use_ >= 65535) return 0;
        for (;;) {
            next_ = static_cast<std::uint16_t>(next_ == 65535 ? 1 : next_ + 1);
            if (!(*used_)[next_]) {
                used_->set(next_);
                ++in_use_;
                return next_;
            }
        }
    }
    // Marks `id` as used (restoring a session); false when it already was.
    bool claim(std::uint16_t id) noexcept {
        if (id == 0) return false;
        if (!used_) used_ = std::make_unique<std::bitset<65536>>();
        if ((*used_)[id]) return false;
        used_->set(id);
        ++in_use_;
        return true;
    }
    void release(std::uint16_t id) noexcept {
        if (!used_ || id == 0 || !(*used_)[id]) return;
        used_->reset(id);
        if (--in_use_ == 0) used_.reset();  // idle sessions keep no bitmap
    }
    std::uint32_t in_use() const noexcept { return in_use_; }

  private:
    std::unique_ptr<std::bitset<65536>> used_;  // allocated only while flows are open
    std::uint32_t in_use_ = 0;
    std::uint16_t next_ = 0;
};

}  // namespace nmq::session
