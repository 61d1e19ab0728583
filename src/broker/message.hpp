#pragma once
// An application message inside the broker: immutable once routed, shared by every delivery.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mqtt/properties.hpp"
#include "mqtt/types.hpp"

namespace nmq::broker {

using SessionId = std::uint64_t;  // unique for the broker's life, never reused
using Clock = std::chrono::steady_clock;

struct Message {
    std::string topic;
    std::string payload;
    mqtt::QoS qos = mqtt::QoS::kAtMostOnce;
    bool retain = false;
    // 5.0 properties that travel with the message (no Topic Alias, no Subscription
    // Identifier); null when there are none, which is the common case.
    std::unique_ptr<const mqtt::Properties> props;
    Clock::time_point received{};  // for Message Expiry Interval
    SessionId publisher = 0;       // 0: the broker itself (wills keep their session's id)
    bool from_bridge = false;
    bool sys = false;  // broker-generated ($SYS): counted nowhere (API req 2)
    // Its id in the persistent store; 0 when it is not to be stored (persistence off, QoS 0).
    std::uint64_t store_id = 0;
    // Wall-clock time it arrived (ms since the epoch), kept only when it is stored, so that
    // its expiry can be told after a restart.
    std::int64_t received_wall_ms = 0;

    bool has_expiry() const noexcept { return props && props->message_expiry_interval; }
    // True when a Message Expiry Interval has run out; reads the clock only for messages
    // that have one.
    bool expired_now() const noexcept {
        return has_expiry() && remaining_expiry(Clock::now()) == 0u;
    }

    // Remaining expiry in seconds at `now`, or nullopt when the message never expires.
    // Zero means it has expired [MQTT-3.3.2-5].
    std::optional<std::uint32_t> remaining_expiry(Clock::time_point now) const noexcept {
        if (!props || !props->message_expiry_interval) return std::nullopt;
        auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - received).count();
        auto total = static_cast<long long>(*props->message_expiry_interval);
        return elapsed >= total ? 0u : static_cast<std::uint32_t>(total - elapsed);
    }
};

using MessagePtr = std::shared_ptr<const Message>;

}  // namespace nmq::broker
