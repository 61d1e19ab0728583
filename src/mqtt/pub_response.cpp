// PUBACK, PUBREC, PUBREL and PUBCOMP (MQTT 5.0 sections 3.4 to 3.7, 3.1.1 sections 3.4 to
// 3.7). In 5.0 the Reason Code and Property Length may be left out: Remaining Length 2 means
// Success and no properties, 3 means a Reason Code and no properties (section 3.4.2.1).
#include "mqtt/codec.hpp"
#include "mqtt/property_codec.hpp"

namespace nmq::mqtt {

namespace {

// [MQTT-3.6.1-1] PUBREL's fixed header flags are 0b0010; the others' are 0 [MQTT-2.2.2-1].
constexpr std::uint8_t required_flags(PacketType type) noexcept {
    return type == PacketType::kPubrel ? 0x02 : 0x00;
}

}  // namespace

Result<PubResponse> decode_pub_response(PacketType type, std::uint8_t flags, std::string_view body,
                                        Version version) {
    if (flags != required_flags(type)) return malformed("invalid fixed header flags");
    PubResponse p;
    p.type = type;
    WireReader r(body);
    if (!r.read_u16(p.packet_id)) return malformed("truncated acknowledgement");
    if (p.packet_id == 0) return protocol_error("Packet Identifier 0");  // [MQTT-2.2.1-3]
    if (version == Version::kV5 && !r.empty()) {
        std::uint8_t code = 0;
        (void)r.read_u8(code);
        if (!is_pub_response_reason(type, code)) return malformed("invalid reason code");
        p.reason = static_cast<ReasonCode>(code);
        // "If the Remaining Length is less than 4 there is no Property Length".
        if (!r.empty()) {
            if (auto st = decode_properties(r, PropertyContext::kPubResponse, p.props); !st) {
                return st.error();
            }
        }
    }
    if (!r.empty()) return malformed("bytes after the end of the acknowledgement");
    return p;
}

void encode(const PubResponse& p, Version v, std::string& out) {
    const std::uint8_t first =
        static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.type) << 4) | required_flags(p.type);
    if (v != Version::kV5) {
        WireWriter w = begin_packet(out, first, 2);
        w.u16(p.packet_id);
        return;
    }
    const std::size_t props = properties_size(p.props);
    // The shortest form that says the same (section 3.4.2.1).
    if (props == 0) {
        const bool success = p.reason == ReasonCode::kSuccess;
        WireWriter w = begin_packet(out, first, success ? 2 : 3);
        w.u16(p.packet_id);
        if (!success) w.u8(static_cast<std::uint8_t>(p.reason));
        return;
    }
    WireWriter w = begin_packet(out, first, 3 + properties_field_size(props));
    w.u16(p.packet_id);
    w.u8(static_cast<std::uint8_t>(p.reason));
    write_properties(w, p.props, props);
    assert(w.done());
}

}  // namespace nmq::mqtt
