// Framing and dispatch: the fixed header (MQTT 5.0 section 2.1, 3.1.1 section 2.2), decode()
// to the per-family decoders and encode(Packet) to the per-type encoders.
//
// Which reason code a bad packet gets: an encoding problem (a length past the end, bytes left
// over, bad flags, bad UTF-8, an unknown or misplaced property, an invalid Topic Name or
// Filter) is a Malformed Packet; a well-formed packet that breaks a rule (a repeated property,
// a value out of range, Packet Identifier 0, no Topic Filters) is a Protocol Error.
#include <type_traits>
#include <variant>

#include "mqtt/codec.hpp"
#include "mqtt/wire.hpp"

namespace nmq::mqtt {

namespace {

template <class T>
Result<Packet> to_packet(Result<T>&& r) {
    if (!r) return r.error();
    return Packet{std::move(r).value()};
}

// PINGREQ and PINGRESP: flags 0 [MQTT-2.2.2-2] and no variable header or payload.
template <class T>
Result<Packet> decode_empty(std::uint8_t flags, std::string_view body) {
    if (flags != 0) return malformed("invalid fixed header flags");
    if (!body.empty()) return malformed("bytes after the end of the packet");
    return Packet{T{}};
}

}  // namespace

FrameStatus parse_fixed_header(std::string_view data, FixedHeader& out) noexcept {
    if (data.empty()) return FrameStatus::kNeedMore;
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
    // Packet type 0 is reserved (Forbidden). Type 15 is AUTH in 5.0 and reserved before it;
    // decode() knows the version and rejects it there.
    if ((p[0] >> 4) == 0) return FrameStatus::kMalformed;
    std::uint32_t rl = 0;
    std::size_t used = 0;
    switch (decode_varint(p + 1, p + data.size(), rl, used)) {
        case VarintStatus::kNeedMore:
            return FrameStatus::kNeedMore;
        case VarintStatus::kTooLong:
            return FrameStatus::kMalformed;  // [MQTT-1.5.5-1]
        case VarintStatus::kOk:
            break;
    }
    out.first_byte = p[0];
    out.remaining_length = rl;
    out.header_size = static_cast<std::uint8_t>(1 + used);
    return FrameStatus::kComplete;
}

Result<Packet> decode(std::uint8_t first_byte, std::string_view body, Version version) {
    const std::uint8_t flags = first_byte & 0x0F;
    const auto type = static_cast<PacketType>(first_byte >> 4);
    switch (type) {
        case PacketType::kConnect:
            return to_packet(decode_connect(flags, body));
        case PacketType::kConnack:
            return to_packet(decode_connack(flags, body, version));
        case PacketType::kPublish:
            return to_packet(decode_publish(flags, body, version));
        case PacketType::kPuback:
        case PacketType::kPubrec:
        case PacketType::kPubrel:
        case PacketType::kPubcomp:
            return to_packet(decode_pub_response(type, flags, body, version));
        case PacketType::kSubscribe:
            return to_packet(decode_subscribe(flags, body, version));
        case PacketType::kSuback:
            return to_packet(decode_suback(flags, body, version));
        case PacketType::kUnsubscribe:
            return to_packet(decode_unsubscribe(flags, body, version));
        case PacketType::kUnsuback:
            return to_packet(decode_unsuback(flags, body, version));
        case PacketType::kPingreq:
            return decode_empty<Pingreq>(flags, body);
        case PacketType::kPingresp:
            return decode_empty<Pingresp>(flags, body);
        case PacketType::kDisconnect:
            return to_packet(decode_disconnect(flags, body, version));
        case PacketType::kAuth:
            return to_packet(decode_auth(flags, body, version));
    }
    return malformed("reserved packet type");  // type 0
}

void encode(const Packet& p, Version v, std::string& out) {
    std::visit(
        [&](const auto& packet) {
            if constexpr (std::is_same_v<std::decay_t<decltype(packet)>, Connect>) {
                encode(packet, out);  // a CONNECT carries its own version
            } else {
                encode(packet, v, out);
            }
        },
        p);
}

}  // namespace nmq::mqtt
