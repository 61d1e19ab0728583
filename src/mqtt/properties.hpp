#pragma once
// MQTT 5.0 properties (section 2.2.2). One struct holds every property; which ones a packet may
// carry is checked by the decoder (a property not allowed in a packet is a Malformed Packet,
// a repeated property other than User Property and Subscription Identifier is a Protocol Error).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/types.hpp"

namespace nmq::mqtt {

enum class PropertyId : std::uint8_t {
    kPayloadFormatIndicator = 0x01,
    kMessageExpiryInterval = 0x02,
    kContentType = 0x03,
    kResponseTopic = 0x08,
    kCorrelationData = 0x09,
    kSubscriptionIdentifier = 0x0B,
    kSessionExpiryInterval = 0x11,
    kAssignedClientIdentifier = 0x12,
    kServerKeepAlive = 0x13,
    kAuthenticationMethod = 0x15,
    kAuthenticationData = 0x16,
    kRequestProblemInformation = 0x17,
    kWillDelayInterval = 0x18,
    kRequestResponseInformation = 0x19,
    kResponseInformation = 0x1A,
    kServerReference = 0x1C,
    kReasonString = 0x1F,
    kReceiveMaximum = 0x21,
    kTopicAliasMaximum = 0x22,
    kTopicAlias = 0x23,
    kMaximumQos = 0x24,
    kRetainAvailable = 0x25,
    kUserProperty = 0x26,
    kMaximumPacketSize = 0x27,
    kWildcardSubscriptionAvailable = 0x28,
    kSubscriptionIdentifierAvailable = 0x29,
    kSharedSubscriptionAvailable = 0x2A,
};

using UserProperties = std::vector<std::pair<std::string, std::string>>;

struct Properties {
    std::optional<std::uint8_t> payload_format_indicator;
    std::optional<std::uint32_t> message_expiry_interval;
    std::optional<std::string> content_type;
    std::optional<std::string> response_topic;
    std::optional<std::string> correlation_data;          // binary
    std::vector<std::uint32_t> subscription_identifiers;  // several in a forwarded PUBLISH
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::string> assigned_client_identifier;
    std::optional<std::uint16_t> server_keep_alive;
    std::optional<std::string> authentication_method;
    std::optional<std::string> authentication_data;  // binary
    std::optional<std::uint8_t> request_problem_information;
    std::optional<std::uint32_t> will_delay_interval;
    std::optional<std::uint8_t> request_response_information;
    std::optional<std::string> response_information;
    std::optional<std::string> server_reference;
    std::optional<std::string> reason_string;
    std::optional<std::uint16_t> receive_maximum;
    std::optional<std::uint16_t> topic_alias_maximum;
    std::optional<std::uint16_t> topic_alias;
    std::optional<std::uint8_t> maximum_qos;
    std::optional<std::uint8_t> retain_available;
    UserProperties user_properties;  // order preserved [MQTT-3.3.2-18]
    std::optional<std::uint32_t> maximum_packet_size;
    std::optional<std::uint8_t> wildcard_subscription_available;
    std::optional<std::uint8_t> subscription_identifier_available;
    std::optional<std::uint8_t> shared_subscription_available;

    bool operator==(const Properties&) const = default;

    // True when no property is set; compares with one shared empty value instead of
    // building a temporary (this runs for every 5.0 PUBLISH).
    bool empty() const noexcept {
        static const Properties kNone;
        return *this == kNone;
    }
};

}  // namespace nmq::mqtt
