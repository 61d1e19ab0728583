// PUBLISH (MQTT 5.0 section 3.3, 3.1.1 section 3.3). Encoding is on the broker's hot path: the
// size is computed first, `out` grows once, and topic and payload are copied straight in.
//
// The decoder does not check a 5.0 payload against Payload Format Indicator 1 (valid UTF-8,
// [MQTT-3.3.2-4]): that costs a pass over the payload, and the answer (PUBACK 0x99 or
// DISCONNECT 0x99) is the broker's to give, so the broker checks it when it is configured to.
#include "mqtt/codec.hpp"
#include "mqtt/property_codec.hpp"
#include "mqtt/topic.hpp"

namespace nmq::mqtt {

namespace {

constexpr std::uint8_t kFlagDup = 0x08;
constexpr std::uint8_t kFlagRetain = 0x01;

std::size_t publish_remaining_length(const PublishView& p, Version v, std::size_t& props) noexcept {
    std::size_t rl = binary_size(p.topic) + p.payload.size();
    if (p.qos != QoS::kAtMostOnce) rl += 2;
    props = 0;
    if (v == Version::kV5) {
        if (p.props != nullptr) props = properties_size(*p.props);
        rl += properties_field_size(props);
    }
    return rl;
}

}  // namespace

Result<Publish> decode_publish(std::uint8_t flags, std::string_view body, Version version) {
    Publish p;
    const std::uint8_t qos = (flags >> 1) & 3;
    if (qos == 3) return malformed("PUBLISH with QoS 3");  // [MQTT-3.3.1-4]
    p.qos = static_cast<QoS>(qos);
    p.dup = (flags & kFlagDup) != 0;
    if (p.dup && p.qos == QoS::kAtMostOnce) {
        return malformed("DUP set on a QoS 0 PUBLISH");  // [MQTT-3.3.1-2]
    }
    p.retain = (flags & kFlagRetain) != 0;

    WireReader r(body);
    std::string_view topic;
    if (!r.read_binary(topic)) return malformed("truncated PUBLISH");
    if (topic.empty()) {
        // 5.0: an empty Topic Name with a Topic Alias refers to the alias (section 3.3.2.3.4);
        // whether the alias is present and known is the session's check. 3.1.1: a topic
        // is at least one character [MQTT-4.7.3-1].
        if (version != Version::kV5) return malformed("empty Topic Name");
    } else if (!is_valid_topic_name(topic)) {
        // [MQTT-3.3.2-1] UTF-8, [MQTT-3.3.2-2] no wildcard characters.
        return malformed("invalid Topic Name");
    }
    if (p.qos != QoS::kAtMostOnce) {
        if (!r.read_u16(p.packet_id)) return malformed("truncated PUBLISH");
        if (p.packet_id == 0) return protocol_error("Packet Identifier 0");  // [MQTT-2.2.1-3]
    }
    if (version == Version::kV5) {
        if (auto st = decode_properties(r, PropertyContext::kPublish, p.props); !st) {
            return st.error();
        }
    }
    p.topic = topic;
    p.payload = r.rest();
    return p;
}

std::size_t encoded_publish_size(const PublishView& p, Version v) {
    std::size_t props = 0;
    const std::size_t rl = publish_remaining_length(p, v, props);
    return 1 + varint_size(static_cast<std::uint32_t>(rl)) + rl;
}

void encode_publish(const PublishView& p, Version v, std::string& out) {
    std::size_t props = 0;
    const std::size_t rl = publish_remaining_length(p, v, props);
    std::uint8_t first = static_cast<std::uint8_t>(PacketType::kPublish) << 4;
    first |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.qos) << 1);
    if (p.dup) first |= kFlagDup;
    if (p.retain) first |= kFlagRetain;

    WireWriter w = begin_packet(out, first, rl);
    w.binary(p.topic);
    if (p.qos != QoS::kAtMostOnce) w.u16(p.packet_id);
    if (v == Version::kV5) {
        if (p.props != nullptr) {
            write_properties(w, *p.props, props);
        } else {
            w.varint(0);
        }
    }
    w.bytes(p.payload);
    assert(w.done());
}

void encode(const Publish& p, Version v, std::string& out) {
    const PublishView view{p.dup, p.qos, p.retain, p.topic, p.packet_id, &p.props, p.payload};
    encode_publish(view, v, out);
}

}  // namespace nmq::mqtt
