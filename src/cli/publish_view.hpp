#pragma once
// Reading a PUBLISH where it lies in the read buffer. mqtt::decode() copies topic and payload
// into a Publish value; the load generator and the sink look at millions of packets a second
// and only need the packet id and the payload's first bytes, so they read the variable header
// in place. Bounds-checked like the codec: false means a malformed packet.
#include <cstdint>
#include <string_view>

#include "mqtt/types.hpp"

namespace nmq::cli {

struct PublishInPlace {
    std::uint8_t qos = 0;
    std::uint16_t packet_id = 0;
    std::string_view topic;
    std::string_view payload;
};

inline bool read_varint(std::string_view data, std::size_t& pos, std::uint32_t& value) noexcept {
    value = 0;
    for (int i = 0; i < 4; ++i) {
        if (pos >= data.size()) return false;
        const auto b = static_cast<std::uint8_t>(data[pos++]);
        value |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
        if ((b & 0x80) == 0) return true;
    }
    return false;
}

inline bool parse_publish_in_place(std::uint8_t first_byte, std::string_view body,
                                   mqtt::Version version, PublishInPlace& out) noexcept {
    out.qos = (first_byte >> 1) & 0x03;
    if (out.qos == 3 || body.size() < 2) return false;
    const std::size_t topic_len =
        (static_cast<std::uint8_t>(body[0]) << 8) | static_cast<std::uint8_t>(body[1]);
    std::size_t pos = 2 + topic_len;
    if (pos > body.size()) return false;
    out.topic = body.substr(2, topic_len);
    out.packet_id = 0;
    if (out.qos > 0) {
        if (pos + 2 > body.size()) return false;
        out.packet_id = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[pos]) << 8) |
                                                   static_cast<std::uint8_t>(body[pos + 1]));
        pos += 2;
    }
    if (version == mqtt::Version::kV5) {
        std::uint32_t props_len = 0;
        if (!read_varint(body, pos, props_len) || props_len > body.size() - pos) return false;
        pos += props_len;
    }
    out.payload = body.substr(pos);
    return true;
}

// The packet id of PUBACK, PUBREC, PUBREL and PUBCOMP: the first two bytes of the body.
inline bool read_packet_id(std::string_view body, std::uint16_t& id) noexcept {
    if (body.size() < 2) return false;
    id = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[0]) << 8) |
                                    static_cast<std::uint8_t>(body[1]));
    return true;
}

}  // namespace nmq::cli
