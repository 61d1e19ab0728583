#pragma once
// The MQTT control packets as plain values. Fields that only exist in 5.0 (properties, most
// reason codes) are ignored when encoding for 3.1/3.1.1.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/reason_code.hpp"
#include "mqtt/properties.hpp"
#include "mqtt/types.hpp"

namespace nmq::mqtt {

struct Will {
    std::string topic;
    std::string payload;  // binary
    QoS qos = QoS::kAtMostOnce;
    bool retain = false;
    Properties props;  // 5.0 Will Properties
    bool operator==(const Will&) const = default;
};

struct Connect {
    Version version = Version::kV311;
    bool clean_start = true;  // Clean Session in 3.1.1
    std::uint16_t keep_alive = 0;
    std::string client_id;
    std::optional<Will> will;
    std::optional<std::string> username;
    std::optional<std::string> password;  // binary
    Properties props;
    bool operator==(const Connect&) const = default;
};

struct Connack {
    bool session_present = false;
    ReasonCode reason = ReasonCode::kSuccess;  // mapped to a 3.1.1 return code when encoding
    Properties props;
    bool operator==(const Connack&) const = default;
};

struct Publish {
    bool dup = false;
    QoS qos = QoS::kAtMostOnce;
    bool retain = false;
    std::string topic;            // may be empty in 5.0 when a Topic Alias is present
    std::uint16_t packet_id = 0;  // only for QoS > 0
    Properties props;
    std::string payload;
    bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape.
struct PubResponse {
    PacketType type = PacketType::kPuback;
    std::uint16_t packet_id = 0;
    ReasonCode reason = ReasonCode::kSuccess;
    Properties props;
    bool operator==(const PubResponse&) const = default;
};

// Subscription Options byte (5.0 section 3.8.3.1); 3.1.1 uses only qos.
struct SubscribeOptions {
    QoS qos = QoS::kAtMostOnce;
    bool no_local = false;
    bool retain_as_published = false;
    std::uint8_t retain_handling = 0;  // 0, 1 or 2
    bool operator==(const SubscribeOptions&) const = default;
};

struct TopicSubscription {
    std::string filter;
    SubscribeOptions options;
    bool operator==(const TopicSubscription&) const = default;
};

struct Subscribe {
    std::uint16_t packet_id = 0;
    std::vector<TopicSubscription> topics;
    Properties props;  // Subscription Identifier, User Property
    bool operator==(const Subscribe&) const = default;
};

struct Suback {
    std::uint16_t packet_id = 0;
    std::vector<ReasonCode> reasons;  // 3.1.1: 0, 1, 2 or 0x80
    Properties props;
    bool operator==(const Suback&) const = default;
};

struct Unsubscribe {
    std::uint16_t packet_id = 0;
    std::vector<std::string> filters;
    Properties props;
    bool operator==(const Unsubscribe&) const = default;
};

struct Unsuback {
    std::uint16_t packet_id = 0;
    std::vector<ReasonCode> reasons;  // 5.0 only; 3.1.1 UNSUBACK has none
    Properties props;
    bool operator==(const Unsuback&) const = default;
};

struct Pingreq {
    bool operator==(const Pingreq&) const = default;
};
struct Pingresp {
    bool operator==(const Pingresp&) const = default;
};

struct Disconnect {
    ReasonCode reason = ReasonCode::kSuccess;
    Properties props;
    bool operator==(const Disconnect&) const = default;
};

struct Auth {
    ReasonCode reason = ReasonCode::kSuccess;
    Properties props;
    bool operator==(const Auth&) const = default;
};

using Packet = std::variant<Connect, Connack, Publish, PubResponse, Subscribe, Suback, Unsubscribe,
                            Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

}  // namespace nmq::mqtt
