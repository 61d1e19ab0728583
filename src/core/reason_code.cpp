#include "core/reason_code.hpp"

#include <string>

namespace nmq {

std::string_view reason_name(ReasonCode rc) noexcept {
    switch (rc) {
        case ReasonCode::kSuccess:
            return "Success";
        case ReasonCode::kGrantedQos1:
            return "Granted QoS 1";
        case ReasonCode::kGrantedQos2:
            return "Granted QoS 2";
        case ReasonCode::kDisconnectWithWill:
            return "Disconnect with Will Message";
        case ReasonCode::kNoMatchingSubscribers:
            return "No matching subscribers";
        case ReasonCode::kNoSubscriptionExisted:
            return "No subscription existed";
        case ReasonCode::kContinueAuthentication:
            return "Continue authentication";
        case ReasonCode::kReauthenticate:
            return "Re-authenticate";
        case ReasonCode::kUnspecifiedError:
            return "Unspecified error";
        case ReasonCode::kMalformedPacket:
            return "Malformed Packet";
        case ReasonCode::kProtocolError:
            return "Protocol Error";
        case ReasonCode::kImplementationSpecificError:
            return "Implementation specific error";
        case ReasonCode::kUnsupportedProtocolVersion:
            return "Unsupported Protocol Version";
        case ReasonCode::kClientIdentifierNotValid:
            return "Client Identifier not valid";
        case ReasonCode::kBadUserNameOrPassword:
            return "Bad User Name or Password";
        case ReasonCode::kNotAuthorized:
            return "Not authorized";
        case ReasonCode::kServerUnavailable:
            return "Server unavailable";
        case ReasonCode::kServerBusy:
            return "Server busy";
        case ReasonCode::kBanned:
            return "Banned";
        case ReasonCode::kServerShuttingDown:
            return "Server shutting down";
        case ReasonCode::kBadAuthenticationMethod:
            return "Bad authentication method";
        case ReasonCode::kKeepAliveTimeout:
            return "Keep Alive timeout";
        case ReasonCode::kSessionTakenOver:
            return "Session taken over";
        case ReasonCode::kTopicFilterInvalid:
            return "Topic Filter invalid";
        case ReasonCode::kTopicNameInvalid:
            return "Topic Name invalid";
        case ReasonCode::kPacketIdentifierInUse:
            return "Packet Identifier in use";
        case ReasonCode::kPacketIdentifierNotFound:
            return "Packet Identifier not found";
        case ReasonCode::kReceiveMaximumExceeded:
            return "Receive Maximum exceeded";
        case ReasonCode::kTopicAliasInvalid:
            return "Topic Alias invalid";
        case ReasonCode::kPacketTooLarge:
            return "Packet too large";
        case ReasonCode::kMessageRateTooHigh:
            return "Message rate too high";
        case ReasonCode::kQuotaExceeded:
            return "Quota exceeded";
        case ReasonCode::kAdministrativeAction:
            return "Administrative action";
        case ReasonCode::kPayloadFormatInvalid:
            return "Payload format invalid";
        case ReasonCode::kRetainNotSupported:
            return "Retain not supported";
        case ReasonCode::kQosNotSupported:
            return "QoS not supported";
        case ReasonCode::kUseAnotherServer:
            return "Use another server";
        case ReasonCode::kServerMoved:
            return "Server moved";
        case ReasonCode::kSharedSubscriptionsNotSupported:
            return "Shared Subscriptions not supported";
        case ReasonCode::kConnectionRateExceeded:
            return "Connection rate exceeded";
        case ReasonCode::kMaximumConnectTime:
            return "Maximum connect time";
        case ReasonCode::kSubscriptionIdentifiersNotSupported:
            return "Subscription Identifiers not supported";
        case ReasonCode::kWildcardSubscriptionsNotSupported:
            return "Wildcard Subscriptions not supported";
    }
    return "Unknown reason code";
}

ConnackV311 to_v311_connack(ReasonCode rc) noexcept {
    switch (rc) {
        case ReasonCode::kSuccess:
            return ConnackV311::kAccepted;
        case ReasonCode::kUnsupportedProtocolVersion:
            return ConnackV311::kUnacceptableProtocolVersion;
        case ReasonCode::kClientIdentifierNotValid:
            return ConnackV311::kIdentifierRejected;
        case ReasonCode::kBadUserNameOrPassword:
            return ConnackV311::kBadUserNameOrPassword;
        case ReasonCode::kNotAuthorized:
        case ReasonCode::kBanned:
        case ReasonCode::kBadAuthenticationMethod:
            return ConnackV311::kNotAuthorized;
        default:
            return ConnackV311::kServerUnavailable;
    }
}

namespace {
class ReasonCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mqtt"; }
    std::string message(int ev) const override {
        return std::string(reason_name(static_cast<ReasonCode>(ev)));
    }
};
}  // namespace

const std::error_category& reason_category() noexcept {
    static const ReasonCategory category;
    return category;
}

}  // namespace nmq
