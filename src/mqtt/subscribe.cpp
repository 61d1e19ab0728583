// SUBSCRIBE and SUBACK (MQTT 5.0 sections 3.8 and 3.9, 3.1.1 sections 3.8 and 3.9).
#include "mqtt/codec.hpp"
#include "mqtt/property_codec.hpp"
#include "mqtt/topic.hpp"

namespace nmq::mqtt {

namespace {

constexpr std::uint8_t kSubscribeFlags = 0x02;  // [MQTT-3.8.1-1]

// Subscription Options byte (5.0 section 3.8.3.1).
constexpr std::uint8_t kOptQos = 0x03;
constexpr std::uint8_t kOptNoLocal = 0x04;
constexpr std::uint8_t kOptRetainAsPublished = 0x08;
constexpr int kOptRetainHandlingShift = 4;
constexpr std::uint8_t kOptReservedV5 = 0xC0;
constexpr std::uint8_t kOptReservedV311 = 0xFC;

std::uint8_t options_byte(const SubscribeOptions& o, Version v) noexcept {
    std::uint8_t b = static_cast<std::uint8_t>(o.qos);
    if (v == Version::kV5) {
        if (o.no_local) b |= kOptNoLocal;
        if (o.retain_as_published) b |= kOptRetainAsPublished;
        b |= static_cast<std::uint8_t>((o.retain_handling & 3) << kOptRetainHandlingShift);
    }
    return b;
}

// A 3.1.1 SUBACK carries only 0, 1, 2 and 0x80 (section 3.9.3): every failure becomes 0x80.
std::uint8_t suback_code(ReasonCode rc, Version v) noexcept {
    if (v == Version::kV5) return static_cast<std::uint8_t>(rc);
    switch (rc) {
        case ReasonCode::kGrantedQos1:
            return 0x01;
        case ReasonCode::kGrantedQos2:
            return 0x02;
        case ReasonCode::kSuccess:
            return 0x00;
        default:
            return 0x80;
    }
}

}  // namespace

Result<Subscribe> decode_subscribe(std::uint8_t flags, std::string_view body, Version version) {
    // [MQTT-3.8.1-1] reserved bits 0b0010; anything else is malformed [MQTT-2.2.2-2].
    if (flags != kSubscribeFlags) return malformed("invalid fixed header flags");
    const bool v5 = version == Version::kV5;
    Subscribe s;
    WireReader r(body);
    if (!r.read_u16(s.packet_id)) return malformed("truncated SUBSCRIBE");
    if (s.packet_id == 0) return protocol_error("Packet Identifier 0");  // [MQTT-2.2.1-3]
    if (v5) {
        if (auto st = decode_properties(r, PropertyContext::kSubscribe, s.props); !st) {
            return st.error();
        }
    }
    // [MQTT-3.8.3-3] (3.1.1) / [MQTT-3.8.3-2] (5.0): at least one Topic Filter.
    if (r.empty()) return protocol_error("SUBSCRIBE without Topic Filters");
    while (!r.empty()) {
        std::string_view filter;
        std::uint8_t opt = 0;
        if (!r.read_binary(filter) || !r.read_u8(opt)) return malformed("truncated SUBSCRIBE");
        // [MQTT-3.8.3-1] UTF-8. A filter that breaks the wildcard rules of section 4.7.1 is
        // the broker's to refuse alone, with SUBACK 0x80 (3.1.1) or 0x8F (5.0).
        if (!is_valid_utf8(filter)) return malformed("Topic Filter is not valid UTF-8");
        // [MQTT-3-8.3-4] (3.1.1): bits 7-2 reserved; [MQTT-3.8.3-5] (5.0): bits 7-6 reserved.
        if ((opt & (v5 ? kOptReservedV5 : kOptReservedV311)) != 0) {
            return malformed("reserved Subscription Options bits are set");
        }
        TopicSubscription t;
        const std::uint8_t qos = opt & kOptQos;
        if (qos == 3) return malformed("Maximum QoS 3 in SUBSCRIBE");
        t.options.qos = static_cast<QoS>(qos);
        if (v5) {
            t.options.no_local = (opt & kOptNoLocal) != 0;
            t.options.retain_as_published = (opt & kOptRetainAsPublished) != 0;
            t.options.retain_handling = (opt >> kOptRetainHandlingShift) & 3;
            // "It is a Protocol Error if the Retain Handling field has the value 3".
            if (t.options.retain_handling == 3) return protocol_error("Retain Handling 3");
            // [MQTT-3.8.3-4] (5.0): No Local on a Shared Subscription is a Protocol Error.
            if (t.options.no_local && parse_shared_filter(filter)) {
                return protocol_error("No Local on a Shared Subscription");
            }
        }
        t.filter = filter;
        s.topics.push_back(std::move(t));
    }
    return s;
}

void encode(const Subscribe& p, Version v, std::string& out) {
    const bool v5 = v == Version::kV5;
    std::size_t props = 0;
    std::size_t rl = 2;
    if (v5) {
        props = properties_size(p.props);
        rl += properties_field_size(props);
    }
    for (const TopicSubscription& t : p.topics)
        rl += binary_size(t.filter) + 1;
    WireWriter w = begin_packet(
        out, static_cast<std::uint8_t>(PacketType::kSubscribe) << 4 | kSubscribeFlags, rl);
    w.u16(p.packet_id);
    if (v5) write_properties(w, p.props, props);
    for (const TopicSubscription& t : p.topics) {
        w.binary(t.filter);
        w.u8(options_byte(t.options, v));
    }
    assert(w.done());
}

Result<Suback> decode_suback(std::uint8_t flags, std::string_view body, Version version) {
    if (flags != 0) return malformed("invalid fixed header flags");  // [MQTT-2.2.2-2]
    const bool v5 = version == Version::kV5;
    Suback s;
    WireReader r(body);
    if (!r.read_u16(s.packet_id)) return malformed("truncated SUBACK");
    if (s.packet_id == 0) return protocol_error("Packet Identifier 0");  // [MQTT-2.2.1-3]
    if (v5) {
        if (auto st = decode_properties(r, PropertyContext::kSuback, s.props); !st) {
            return st.error();
        }
    }
    // One code per Topic Filter of the SUBSCRIBE, which had at least one.
    if (r.empty()) return protocol_error("SUBACK without reason codes");
    s.reasons.reserve(r.remaining());
    while (!r.empty()) {
        std::uint8_t code = 0;
        (void)r.read_u8(code);
        // [MQTT-3.9.3-2] (3.1.1): 0x00, 0x01, 0x02 and 0x80 only.
        const bool valid = v5 ? is_suback_reason(code) : (code <= 2 || code == 0x80);
        if (!valid) return malformed("invalid SUBACK reason code");
        s.reasons.push_back(static_cast<ReasonCode>(code));
    }
    return s;
}

void encode(const Suback& p, Version v, std::string& out) {
    const bool v5 = v == Version::kV5;
    std::size_t props = 0;
    std::size_t rl = 2 + p.reasons.size();
    if (v5) {
        props = properties_size(p.props);
        rl += properties_field_size(props);
    }
    WireWriter w = begin_packet(out, static_cast<std::uint8_t>(PacketType::kSuback) << 4, rl);
    w.u16(p.packet_id);
    if (v5) write_properties(w, p.props, props);
    for (const ReasonCode rc : p.reasons)
        w.u8(suback_code(rc, v));
    assert(w.done());
}

}  // namespace nmq::mqtt
