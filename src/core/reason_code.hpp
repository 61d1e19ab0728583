#pragma once
// MQTT reason codes, mapped in exactly this one place. MQTT 5.0 section 2.4 lists them; the
// 3.1.1 CONNACK return codes are mapped from them in to_v311_connack().
#include <cstdint>
#include <string_view>
#include <system_error>

namespace nmq {

enum class ReasonCode : std::uint8_t {
    kSuccess = 0x00,  // also Normal disconnection and Granted QoS 0
    kGrantedQos1 = 0x01,
    kGrantedQos2 = 0x02,
    kDisconnectWithWill = 0x04,
    kNoMatchingSubscribers = 0x10,
    kNoSubscriptionExisted = 0x11,
    kContinueAuthentication = 0x18,
    kReauthenticate = 0x19,
    kUnspecifiedError = 0x80,
    kMalformedPacket = 0x81,
    kProtocolError = 0x82,
    kImplementationSpecificError = 0x83,
    kUnsupportedProtocolVersion = 0x84,
    kClientIdentifierNotValid = 0x85,
    kBadUserNameOrPassword = 0x86,
    kNotAuthorized = 0x87,
    kServerUnavailable = 0x88,
    kServerBusy = 0x89,
    kBanned = 0x8A,
    kServerShuttingDown = 0x8B,
    kBadAuthenticationMethod = 0x8C,
    kKeepAliveTimeout = 0x8D,
    kSessionTakenOver = 0x8E,
    kTopicFilterInvalid = 0x8F,
    kTopicNameInvalid = 0x90,
    kPacketIdentifierInUse = 0x91,
    kPacketIdentifierNotFound = 0x92,
    kReceiveMaximumExceeded = 0x93,
    kTopicAliasInvalid = 0x94,
    kPacketTooLarge = 0x95,
    kMessageRateTooHigh = 0x96,
    kQuotaExceeded = 0x97,
    kAdministrativeAction = 0x98,
    kPayloadFormatInvalid = 0x99,
    kRetainNotSupported = 0x9A,
    kQosNotSupported = 0x9B,
    kUseAnotherServer = 0x9C,
    kServerMoved = 0x9D,
    kSharedSubscriptionsNotSupported = 0x9E,
    kConnectionRateExceeded = 0x9F,
    kMaximumConnectTime = 0xA0,
    kSubscriptionIdentifiersNotSupported = 0xA1,
    kWildcardSubscriptionsNotSupported = 0xA2,
};

// Human-readable name ("Malformed Packet"), as the specification spells it.
std::string_view reason_name(ReasonCode rc) noexcept;

// True for codes >= 0x80 (failure), MQTT 5.0 section 2.4.
constexpr bool is_failure(ReasonCode rc) noexcept {
    return static_cast<std::uint8_t>(rc) >= 0x80;
}

// MQTT 3.1.1 CONNACK return codes (section 3.2.2.3).
enum class ConnackV311 : std::uint8_t {
    kAccepted = 0,
    kUnacceptableProtocolVersion = 1,
    kIdentifierRejected = 2,
    kServerUnavailable = 3,
    kBadUserNameOrPassword = 4,
    kNotAuthorized = 5,
};
ConnackV311 to_v311_connack(ReasonCode rc) noexcept;

// Reason codes travel as std::error_code where an async completion needs them.
const std::error_category& reason_category() noexcept;
inline std::error_code make_error_code(ReasonCode rc) noexcept {
    return {static_cast<int>(rc), reason_category()};
}

}  // namespace nmq

template <>
struct std::is_error_code_enum<nmq::ReasonCode> : std::true_type {};
