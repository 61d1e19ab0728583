#pragma once
// The MQTT codec: framing, decoding and encoding of every control packet for 3.1, 3.1.1 and 5.0.
// Pure functions over bytes; no I/O, no allocation beyond the values produced. Every read is
// bounds-checked: a packet that lies about a length is a Malformed Packet, never a crash.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "mqtt/packets.hpp"

namespace nmq::mqtt {

struct FixedHeader {
    std::uint8_t first_byte = 0;
    std::uint32_t remaining_length = 0;
    std::uint8_t header_size = 0;  // 2 to 5 bytes
    PacketType type() const noexcept { return static_cast<PacketType>(first_byte >> 4); }
    std::uint8_t flags() const noexcept { return first_byte & 0x0F; }
    std::size_t packet_size() const noexcept { return header_size + std::size_t{remaining_length}; }
};

enum class FrameStatus { kComplete, kNeedMore, kMalformed };

// Reads the fixed header at the start of `data`. kNeedMore when `data` ends inside it;
// kMalformed when the Remaining Length uses more than 4 bytes [MQTT-1.5.5-1] or the packet
// type is 0.
FrameStatus parse_fixed_header(std::string_view data, FixedHeader& out) noexcept;

// Decodes one whole packet: `body` holds exactly the Remaining Length bytes after the fixed
// header. `version` is the connection's negotiated version (ignored for CONNECT, which carries
// its own). Errors carry kMalformedPacket, kProtocolError or kUnsupportedProtocolVersion.
Result<Packet> decode(std::uint8_t first_byte, std::string_view body, Version version);

// One decoder per packet family (called by decode()).
//
// decode_connect() sets Connect::version from the Protocol Name and Level ("MQIsdp" 3, "MQTT"
// 4 or 5). Any other name or level is Error{kUnsupportedProtocolVersion}.
Result<Connect> decode_connect(std::uint8_t flags, std::string_view body);

// The version to answer a CONNECT body in when decode_connect() failed (CONNACK 0x01 in 3.1.1
// form, or 0x81/0x82/0x84 in 5.0 form): kV5 when the body starts with Protocol Name "MQTT"
// and Level 5, kV31 for "MQIsdp", kV311 for anything else (an unknown level or name is
// answered with the 3.1.1 return code 0x01 [MQTT-3.1.2-2], as mosquitto does).
Version peek_connect_version(std::string_view body) noexcept;
Result<Connack> decode_connack(std::uint8_t flags, std::string_view body, Version version);
Result<Publish> decode_publish(std::uint8_t flags, std::string_view body, Version version);
Result<PubResponse> decode_pub_response(PacketType type, std::uint8_t flags, std::string_view body,
                                        Version version);
Result<Subscribe> decode_subscribe(std::uint8_t flags, std::string_view body, Version version);
Result<Suback> decode_suback(std::uint8_t flags, std::string_view body, Version version);
Result<Unsubscribe> decode_unsubscribe(std::uint8_t flags, std::string_view body, Version version);
Result<Unsuback> decode_unsuback(std::uint8_t flags, std::string_view body, Version version);
Result<Disconnect> decode_disconnect(std::uint8_t flags, std::string_view body, Version version);
Result<Auth> decode_auth(std::uint8_t flags, std::string_view body, Version version);

// A PUBLISH to encode without first copying topic and payload into a Publish value.
struct PublishView {
    bool dup = false;
    QoS qos = QoS::kAtMostOnce;
    bool retain = false;
    std::string_view topic;
    std::uint16_t packet_id = 0;
    const Properties* props = nullptr;  // null: no properties
    std::string_view payload;
};

// Encoders append one whole packet (fixed header included) to `out`.
void encode(const Connect& p, std::string& out);  // version is p.version
void encode(const Connack& p, Version v, std::string& out);
void encode_publish(const PublishView& p, Version v, std::string& out);
void encode(const Publish& p, Version v, std::string& out);
void encode(const PubResponse& p, Version v, std::string& out);
void encode(const Subscribe& p, Version v, std::string& out);
void encode(const Suback& p, Version v, std::string& out);
void encode(const Unsubscribe& p, Version v, std::string& out);
void encode(const Unsuback& p, Version v, std::string& out);
void encode(const Pingreq& p, Version v, std::string& out);
void encode(const Pingresp& p, Version v, std::string& out);
void encode(const Disconnect& p, Version v, std::string& out);
void encode(const Auth& p, Version v, std::string& out);
void encode(const Packet& p, Version v, std::string& out);

// Size in bytes of the encoded PUBLISH, without encoding it (for Maximum Packet Size checks).
std::size_t encoded_publish_size(const PublishView& p, Version v);

}  // namespace nmq::mqtt
