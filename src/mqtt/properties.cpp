// MQTT 5.0 properties (section 2.2.2): the per-packet table of allowed properties, decoding
// with its checks, and encoding in identifier order.
#include <iterator>
#include <optional>
#include <string>

#include "mqtt/property_codec.hpp"
#include "mqtt/topic.hpp"

namespace nmq::mqtt {

namespace {

using Id = PropertyId;

constexpr std::uint64_t bit(Id id) noexcept {
    return std::uint64_t{1} << static_cast<int>(id);
}

// MQTT 5.0 section 2.2.2.2: which properties each packet may carry. User Property is allowed
// everywhere.
constexpr std::uint64_t kWillMessageProps =
    bit(Id::kPayloadFormatIndicator) | bit(Id::kMessageExpiryInterval) | bit(Id::kContentType) |
    bit(Id::kResponseTopic) | bit(Id::kCorrelationData) | bit(Id::kUserProperty);

constexpr std::uint64_t kAllowed[] = {
    // kConnect
    bit(Id::kSessionExpiryInterval) | bit(Id::kAuthenticationMethod) |
        bit(Id::kAuthenticationData) | bit(Id::kRequestProblemInformation) |
        bit(Id::kRequestResponseInformation) | bit(Id::kReceiveMaximum) |
        bit(Id::kTopicAliasMaximum) | bit(Id::kUserProperty) | bit(Id::kMaximumPacketSize),
    // kConnack
    bit(Id::kSessionExpiryInterval) | bit(Id::kAssignedClientIdentifier) |
        bit(Id::kServerKeepAlive) | bit(Id::kAuthenticationMethod) | bit(Id::kAuthenticationData) |
        bit(Id::kResponseInformation) | bit(Id::kServerReference) | bit(Id::kReasonString) |
        bit(Id::kReceiveMaximum) | bit(Id::kTopicAliasMaximum) | bit(Id::kMaximumQos) |
        bit(Id::kRetainAvailable) | bit(Id::kUserProperty) | bit(Id::kMaximumPacketSize) |
        bit(Id::kWildcardSubscriptionAvailable) | bit(Id::kSubscriptionIdentifierAvailable) |
        bit(Id::kSharedSubscriptionAvailable),
    // kPublish
    kWillMessageProps | bit(Id::kSubscriptionIdentifier) | bit(Id::kTopicAlias),
    // kWill
    kWillMessageProps | bit(Id::kWillDelayInterval),
    // kPubResponse
    bit(Id::kReasonString) | bit(Id::kUserProperty),
    // kSubscribe
    bit(Id::kSubscriptionIdentifier) | bit(Id::kUserProperty),
    // kSuback
    bit(Id::kReasonString) | bit(Id::kUserProperty),
    // kUnsubscribe
    bit(Id::kUserProperty),
    // kUnsuback
    bit(Id::kReasonString) | bit(Id::kUserProperty),
    // kDisconnect
    bit(Id::kSessionExpiryInterval) | bit(Id::kServerReference) | bit(Id::kReasonString) |
        bit(Id::kUserProperty),
    // kAuth
    bit(Id::kAuthenticationMethod) | bit(Id::kAuthenticationData) | bit(Id::kReasonString) |
        bit(Id::kUserProperty),
};
static_assert(std::size(kAllowed) == static_cast<std::size_t>(PropertyContext::kAuth) + 1);

// Reads one property value into its slot. Each returns an empty `what` on success.
class PropertyReader {
  public:
    explicit PropertyReader(WireReader& r) noexcept : r_(r) {}

    // A Byte property whose only values are 0 and 1.
    const char* flag(std::optional<std::uint8_t>& slot) noexcept {
        std::uint8_t v = 0;
        if (!r_.read_u8(v)) return kShort;
        if (slot) return kDuplicate;
        if (v > 1) return kOutOfRange;
        slot = v;
        return nullptr;
    }
    const char* u16(std::optional<std::uint16_t>& slot, bool nonzero) noexcept {
        std::uint16_t v = 0;
        if (!r_.read_u16(v)) return kShort;
        if (slot) return kDuplicate;
        if (nonzero && v == 0) return kOutOfRange;
        slot = v;
        return nullptr;
    }
    const char* u32(std::optional<std::uint32_t>& slot, bool nonzero) noexcept {
        std::uint32_t v = 0;
        if (!r_.read_u32(v)) return kShort;
        if (slot) return kDuplicate;
        if (nonzero && v == 0) return kOutOfRange;
        slot = v;
        return nullptr;
    }
    const char* utf8(std::optional<std::string>& slot) {
        std::string_view v;
        if (!r_.read_binary(v)) return kShort;
        if (slot) return kDuplicate;
        if (!is_valid_utf8(v)) return kBadUtf8;  // [MQTT-1.5.4-1]
        slot.emplace(v);
        return nullptr;
    }
    const char* binary(std::optional<std::string>& slot) {
        std::string_view v;
        if (!r_.read_binary(v)) return kShort;
        if (slot) return kDuplicate;
        slot.emplace(v);
        return nullptr;
    }
    const char* user_property(UserProperties& props) {
        std::string_view k, v;
        if (!r_.read_binary(k) || !r_.read_binary(v)) return kShort;
        if (!is_valid_utf8(k) || !is_valid_utf8(v)) return kBadUtf8;
        props.emplace_back(k, v);
        return nullptr;
    }
    const char* subscription_identifier(std::vector<std::uint32_t>& ids, bool many) {
        std::uint32_t v = 0;
        if (!r_.read_varint(v)) return kShort;
        if (!many && !ids.empty()) return kDuplicate;
        if (v == 0) return kOutOfRange;  // 1 to 268,435,455 (section 3.3.2.3.8)
        ids.push_back(v);
        return nullptr;
    }

    static constexpr const char* kShort = "property runs past the end of the packet";
    static constexpr const char* kBadUtf8 = "invalid UTF-8 in a property";
    static constexpr const char* kDuplicate = "property included more than once";
    static constexpr const char* kOutOfRange = "property value out of range";

  private:
    WireReader& r_;
};

// Malformed Packet or Protocol Error for a PropertyReader failure.
Error property_error(const char* what) noexcept {
    if (what == PropertyReader::kDuplicate || what == PropertyReader::kOutOfRange) {
        return protocol_error(what);
    }
    return malformed(what);
}

const char* read_property(PropertyReader& pr, Id id, PropertyContext ctx, Properties& p) {
    switch (id) {
        case Id::kPayloadFormatIndicator:
            return pr.flag(p.payload_format_indicator);
        case Id::kMessageExpiryInterval:
            return pr.u32(p.message_expiry_interval, false);
        case Id::kContentType:
            return pr.utf8(p.content_type);
        case Id::kResponseTopic: {
            const char* err = pr.utf8(p.response_topic);
            // [MQTT-3.3.2-14] the Response Topic is a Topic Name: no wildcards.
            if (err == nullptr && !is_valid_topic_name(*p.response_topic)) {
                return "Response Topic is not a valid topic name";
            }
            return err;
        }
        case Id::kCorrelationData:
            return pr.binary(p.correlation_data);
        case Id::kSubscriptionIdentifier:
            // Several in a PUBLISH that matched several subscriptions (section 3.3.4); once in
            // a SUBSCRIBE.
            return pr.subscription_identifier(p.subscription_identifiers,
                                              ctx == PropertyContext::kPublish);
        case Id::kSessionExpiryInterval:
            return pr.u32(p.session_expiry_interval, false);
        case Id::kAssignedClientIdentifier:
            return pr.utf8(p.assigned_client_identifier);
        case Id::kServerKeepAlive:
            return pr.u16(p.server_keep_alive, false);
        case Id::kAuthenticationMethod:
            return pr.utf8(p.authentication_method);
        case Id::kAuthenticationData:
            return pr.binary(p.authentication_data);
        case Id::kRequestProblemInformation:
            return pr.flag(p.request_problem_information);
        case Id::kWillDelayInterval:
            return pr.u32(p.will_delay_interval, false);
        case Id::kRequestResponseInformation:
            return pr.flag(p.request_response_information);
        case Id::kResponseInformation:
            return pr.utf8(p.response_information);
        case Id::kServerReference:
            return pr.utf8(p.server_reference);
        case Id::kReasonString:
            return pr.utf8(p.reason_string);
        // "It is a Protocol Error to include the Receive Maximum value more than once or for
        // it to have the value 0" (section 3.1.2.11.3).
        case Id::kReceiveMaximum:
            return pr.u16(p.receive_maximum, true);
        case Id::kTopicAliasMaximum:
            return pr.u16(p.topic_alias_maximum, false);
        // Topic Alias 0 or above the maximum is answered with 0x94 Topic Alias invalid
        // [MQTT-3.3.2-8]: that needs the session's maximum, so the session checks it.
        case Id::kTopicAlias:
            return pr.u16(p.topic_alias, false);
        // Maximum QoS 0 or 1; 2 is expressed by leaving it out (section 3.2.2.3.4).
        case Id::kMaximumQos:
            return pr.flag(p.maximum_qos);
        case Id::kRetainAvailable:
            return pr.flag(p.retain_available);
        case Id::kUserProperty:
            return pr.user_property(p.user_properties);
        case Id::kMaximumPacketSize:
            return pr.u32(p.maximum_packet_size, true);
        case Id::kWildcardSubscriptionAvailable:
            return pr.flag(p.wildcard_subscription_available);
        case Id::kSubscriptionIdentifierAvailable:
            return pr.flag(p.subscription_identifier_available);
        case Id::kSharedSubscriptionAvailable:
            return pr.flag(p.shared_subscription_available);
    }
    return "unknown property";  // unreachable: the id was checked against the table
}

}  // namespace

Status decode_properties(WireReader& r, PropertyContext ctx, Properties& out) {
    std::uint32_t length = 0;
    std::string_view bytes;
    if (!r.read_varint(length) || !r.read_bytes(length, bytes)) {
        return malformed("property length runs past the end of the packet");
    }
    const std::uint64_t allowed = kAllowed[static_cast<std::size_t>(ctx)];
    WireReader pr_bytes(bytes);
    PropertyReader pr(pr_bytes);
    while (!pr_bytes.empty()) {
        // The identifier is a Variable Byte Integer; every defined one fits in a byte.
        std::uint32_t id = 0;
        if (!pr_bytes.read_varint(id)) return malformed("bad property identifier");
        if (id >= 64 || (allowed & (std::uint64_t{1} << id)) == 0) {
            return malformed("property not allowed in this packet");
        }
        if (const char* err = read_property(pr, static_cast<Id>(id), ctx, out)) {
            return property_error(err);
        }
    }
    // "It is a Protocol Error to include Authentication Data if there is no Authentication
    // Method" (sections 3.1.2.11.10, 3.2.2.3.18, 3.15.2.2.4).
    if (out.authentication_data && !out.authentication_method) {
        return protocol_error("Authentication Data without Authentication Method");
    }
    return Ok{};
}

std::size_t properties_size(const Properties& p) noexcept {
    std::size_t n = 0;
    auto byte = [&n](const auto& o) { n += o ? 2 : 0; };
    auto two = [&n](const auto& o) { n += o ? 3 : 0; };
    auto four = [&n](const auto& o) { n += o ? 5 : 0; };
    auto str = [&n](const std::optional<std::string>& o) { n += o ? 3 + o->size() : 0; };
    byte(p.payload_format_indicator);
    four(p.message_expiry_interval);
    str(p.content_type);
    str(p.response_topic);
    str(p.correlation_data);
    for (const std::uint32_t id : p.subscription_identifiers)
        n += 1 + varint_size(id);
    four(p.session_expiry_interval);
    str(p.assigned_client_identifier);
    two(p.server_keep_alive);
    str(p.authentication_method);
    str(p.authentication_data);
    byte(p.request_problem_information);
    four(p.will_delay_interval);
    byte(p.request_response_information);
    str(p.response_information);
    str(p.server_reference);
    str(p.reason_string);
    two(p.receive_maximum);
    two(p.topic_alias_maximum);
    two(p.topic_alias);
    byte(p.maximum_qos);
    byte(p.retain_available);
    for (const auto& [k, v] : p.user_properties)
        n += 5 + k.size() + v.size();
    four(p.maximum_packet_size);
    byte(p.wildcard_subscription_available);
    byte(p.subscription_identifier_available);
    byte(p.shared_subscription_available);
    return n;
}

void write_properties(WireWriter& w, const Properties& p, std::size_t size) noexcept {
    w.varint(static_cast<std::uint32_t>(size));
    if (size == 0) return;
    auto id = [&w](Id i) { w.u8(static_cast<std::uint8_t>(i)); };
    auto byte = [&](Id i, const std::optional<std::uint8_t>& o) {
        if (!o) return;
        id(i);
        w.u8(*o);
    };
    auto two = [&](Id i, const std::optional<std::uint16_t>& o) {
        if (!o) return;
        id(i);
        w.u16(*o);
    };
    auto four = [&](Id i, const std::optional<std::uint32_t>& o) {
        if (!o) return;
        id(i);
        w.u32(*o);
    };
    auto str = [&](Id i, const std::optional<std::string>& o) {
        if (!o) return;
        id(i);
        w.binary(*o);
    };
    byte(Id::kPayloadFormatIndicator, p.payload_format_indicator);
    four(Id::kMessageExpiryInterval, p.message_expiry_interval);
    str(Id::kContentType, p.content_type);
    str(Id::kResponseTopic, p.response_topic);
    str(Id::kCorrelationData, p.correlation_data);
    for (const std::uint32_t sid : p.subscription_identifiers) {
        id(Id::kSubscriptionIdentifier);
        w.varint(sid);
    }
    four(Id::kSessionExpiryInterval, p.session_expiry_interval);
    str(Id::kAssignedClientIdentifier, p.assigned_client_identifier);
    two(Id::kServerKeepAlive, p.server_keep_alive);
    str(Id::kAuthenticationMethod, p.authentication_method);
    str(Id::kAuthenticationData, p.authentication_data);
    byte(Id::kRequestProblemInformation, p.request_problem_information);
    four(Id::kWillDelayInterval, p.will_delay_interval);
    byte(Id::kRequestResponseInformation, p.request_response_information);
    str(Id::kResponseInformation, p.response_information);
    str(Id::kServerReference, p.server_reference);
    str(Id::kReasonString, p.reason_string);
    two(Id::kReceiveMaximum, p.receive_maximum);
    two(Id::kTopicAliasMaximum, p.topic_alias_maximum);
    two(Id::kTopicAlias, p.topic_alias);
    byte(Id::kMaximumQos, p.maximum_qos);
    byte(Id::kRetainAvailable, p.retain_available);
    for (const auto& [k, v] : p.user_properties) {
        id(Id::kUserProperty);
        w.binary(k);
        w.binary(v);
    }
    four(Id::kMaximumPacketSize, p.maximum_packet_size);
    byte(Id::kWildcardSubscriptionAvailable, p.wildcard_subscription_available);
    byte(Id::kSubscriptionIdentifierAvailable, p.subscription_identifier_available);
    byte(Id::kSharedSubscriptionAvailable, p.shared_subscription_available);
}

}  // namespace nmq::mqtt
