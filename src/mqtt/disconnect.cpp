// DISCONNECT, AUTH, PINGREQ and PINGRESP (MQTT 5.0 sections 3.12 to 3.15, 3.1.1 sections
// 3.12 to 3.14). DISCONNECT and AUTH share one 5.0 shape: Remaining Length 0 means Success and
// no properties, 1 means a Reason Code and no properties (sections 3.14.2.1, 3.15.2.1).
// 3.1.1 DISCONNECT, PINGREQ and PINGRESP have no variable header; 3.1.1 has no AUTH.
#include "mqtt/codec.hpp"
#include "mqtt/property_codec.hpp"

namespace nmq::mqtt {

namespace {

// The 5.0 body of DISCONNECT and AUTH into `reason` and `props`.
Status decode_reason_and_properties(std::string_view body, PropertyContext ctx,
                                    bool (*valid)(std::uint8_t), ReasonCode& reason,
                                    Properties& props) {
    WireReader r(body);
    if (r.empty()) return Ok{};
    std::uint8_t code = 0;
    (void)r.read_u8(code);
    if (!valid(code)) return malformed("invalid reason code");
    reason = static_cast<ReasonCode>(code);
    if (r.empty()) return Ok{};
    if (auto st = decode_properties(r, ctx, props); !st) return st;
    if (!r.empty()) return malformed("bytes after the end of the packet");
    return Ok{};
}

void encode_reason_and_properties(PacketType type, ReasonCode reason, const Properties& p,
                                  std::string& out) {
    const std::uint8_t first = static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) << 4);
    const std::size_t props = properties_size(p);
    if (props == 0) {  // the shortest form that says the same
        const bool success = reason == ReasonCode::kSuccess;
        WireWriter w = begin_packet(out, first, success ? 0 : 1);
        if (!success) w.u8(static_cast<std::uint8_t>(reason));
        return;
    }
    WireWriter w = begin_packet(out, first, 1 + properties_field_size(props));
    w.u8(static_cast<std::uint8_t>(reason));
    write_properties(w, p, props);
    assert(w.done());
}

}  // namespace

Result<Disconnect> decode_disconnect(std::uint8_t flags, std::string_view body, Version version) {
    // [MQTT-3.14.1-1] (3.1.1) and [MQTT-2.2.2-2]: flags are 0.
    if (flags != 0) return malformed("invalid fixed header flags");
    Disconnect d;
    if (version != Version::kV5) {
        if (!body.empty()) return malformed("bytes after the end of DISCONNECT");
        return d;
    }
    if (auto st = decode_reason_and_properties(body, PropertyContext::kDisconnect,
                                               is_disconnect_reason, d.reason, d.props);
        !st) {
        return st.error();
    }
    return d;
}

void encode(const Disconnect& p, Version v, std::string& out) {
    if (v != Version::kV5) {
        begin_packet(out, static_cast<std::uint8_t>(PacketType::kDisconnect) << 4, 0);
        return;
    }
    encode_reason_and_properties(PacketType::kDisconnect, p.reason, p.props, out);
}

Result<Auth> decode_auth(std::uint8_t flags, std::string_view body, Version version) {
    // Packet type 15 is reserved before 5.0 (3.1.1 section 2.2.1).
    if (version != Version::kV5) return malformed("AUTH before MQTT 5.0");
    if (flags != 0) return malformed("invalid fixed header flags");  // [MQTT-3.15.1-1]
    Auth a;
    if (auto st = decode_reason_and_properties(body, PropertyContext::kAuth, is_auth_reason,
                                               a.reason, a.props);
        !st) {
        return st.error();
    }
    return a;
}

// AUTH exists only in 5.0; it is encoded in its 5.0 form whatever `v` says.
void encode(const Auth& p, Version /*v*/, std::string& out) {
    encode_reason_and_properties(PacketType::kAuth, p.reason, p.props, out);
}

void encode(const Pingreq&, Version, std::string& out) {
    begin_packet(out, static_cast<std::uint8_t>(PacketType::kPingreq) << 4, 0);
}

void encode(const Pingresp&, Version, std::string& out) {
    begin_packet(out, static_cast<std::uint8_t>(PacketType::kPingresp) << 4, 0);
}

}  // namespace nmq::mqtt
