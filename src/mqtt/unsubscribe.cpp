// UNSUBSCRIBE and UNSUBACK (MQTT 5.0 sections 3.10 and 3.11, 3.1.1 sections 3.10 and 3.11).
// A 3.1.1 UNSUBACK is only a Packet Identifier; a 5.0 one has a Reason Code per filter.
#include "mqtt/codec.hpp"
#include "mqtt/property_codec.hpp"
#include "mqtt/topic.hpp"

namespace nmq::mqtt {

namespace {
constexpr std::uint8_t kUnsubscribeFlags = 0x02;  // [MQTT-3.10.1-1]
}  // namespace

Result<Unsubscribe> decode_unsubscribe(std::uint8_t flags, std::string_view body, Version version) {
    if (flags != kUnsubscribeFlags) return malformed("invalid fixed header flags");
    Unsubscribe u;
    WireReader r(body);
    if (!r.read_u16(u.packet_id)) return malformed("truncated UNSUBSCRIBE");
    if (u.packet_id == 0) return protocol_error("Packet Identifier 0");  // [MQTT-2.2.1-3]
    if (version == Version::kV5) {
        if (auto st = decode_properties(r, PropertyContext::kUnsubscribe, u.props); !st) {
            return st.error();
        }
    }
    // [MQTT-3.10.3-2]: at least one Topic Filter.
    if (r.empty()) return protocol_error("UNSUBSCRIBE without Topic Filters");
    while (!r.empty()) {
        std::string_view filter;
        if (!r.read_binary(filter)) return malformed("truncated UNSUBSCRIBE");
        // [MQTT-3.10.3-1] UTF-8. A filter that breaks section 4.7.1 is answered 0x8F by the
        // broker, for that filter alone.
        if (!is_valid_utf8(filter)) return malformed("Topic Filter is not valid UTF-8");
        u.filters.emplace_back(filter);
    }
    return u;
}

void encode(const Unsubscribe& p, Version v, std::string& out) {
    const bool v5 = v == Version::kV5;
    std::size_t props = 0;
    std::size_t rl = 2;
    if (v5) {
        props = properties_size(p.props);
        rl += properties_field_size(props);
    }
    for (const std::string& f : p.filters)
        rl += binary_size(f);
    WireWriter w = begin_packet(
        out, static_cast<std::uint8_t>(PacketType::kUnsubscribe) << 4 | kUnsubscribeFlags, rl);
    w.u16(p.packet_id);
    if (v5) write_properties(w, p.props, props);
    for (const std::string& f : p.filters)
        w.binary(f);
    assert(w.done());
}

Result<Unsuback> decode_unsuback(std::uint8_t flags, std::string_view body, Version version) {
    if (flags != 0) return malformed("invalid fixed header flags");  // [MQTT-2.2.2-2]
    Unsuback u;
    WireReader r(body);
    if (!r.read_u16(u.packet_id)) return malformed("truncated UNSUBACK");
    if (u.packet_id == 0) return protocol_error("Packet Identifier 0");  // [MQTT-2.2.1-3]
    if (version != Version::kV5) {
        if (!r.empty()) return malformed("bytes after the end of UNSUBACK");
        return u;
    }
    if (auto st = decode_properties(r, PropertyContext::kUnsuback, u.props); !st) {
        return st.error();
    }
    // One code per Topic Filter of the UNSUBSCRIBE, which had at least one.
    if (r.empty()) return protocol_error("UNSUBACK without reason codes");
    u.reasons.reserve(r.remaining());
    while (!r.empty()) {
        std::uint8_t code = 0;
        (void)r.read_u8(code);
        if (!is_unsuback_reason(code)) return malformed("invalid UNSUBACK reason code");
        u.reasons.push_back(static_cast<ReasonCode>(code));
    }
    return u;
}

void encode(const Unsuback& p, Version v, std::string& out) {
    constexpr std::uint8_t kFirst = static_cast<std::uint8_t>(PacketType::kUnsuback) << 4;
    if (v != Version::kV5) {
        WireWriter w = begin_packet(out, kFirst, 2);
        w.u16(p.packet_id);
        return;
    }
    const std::size_t props = properties_size(p.props);
    WireWriter w = begin_packet(out, kFirst, 2 + properties_field_size(props) + p.reasons.size());
    w.u16(p.packet_id);
    write_properties(w, p.props, props);
    for (const ReasonCode rc : p.reasons)
        w.u8(static_cast<std::uint8_t>(rc));
    assert(w.done());
}

}  // namespace nmq::mqtt
