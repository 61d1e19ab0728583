// CONNECT and CONNACK (MQTT 5.0 sections 3.1 and 3.2, 3.1.1 sections 3.1 and 3.2; MQTT 3.1
// "MQIsdp" differs from 3.1.1 only in its protocol name and level here).
#include <string_view>

#include "mqtt/codec.hpp"
#include "mqtt/property_codec.hpp"
#include "mqtt/topic.hpp"

namespace nmq::mqtt {

namespace {

constexpr std::string_view kNameMqtt = "MQTT";
constexpr std::string_view kNameMqisdp = "MQIsdp";

constexpr std::uint8_t kFlagReserved = 0x01;
constexpr std::uint8_t kFlagCleanStart = 0x02;
constexpr std::uint8_t kFlagWill = 0x04;
constexpr std::uint8_t kFlagWillRetain = 0x20;
constexpr std::uint8_t kFlagPassword = 0x40;
constexpr std::uint8_t kFlagUsername = 0x80;
constexpr int kWillQosShift = 3;

std::string_view protocol_name(Version v) noexcept {
    return v == Version::kV31 ? kNameMqisdp : kNameMqtt;
}

Result<Will> decode_will(WireReader& r, std::uint8_t connect_flags, Version v) {
    Will will;
    if (v == Version::kV5) {
        if (auto st = decode_properties(r, PropertyContext::kWill, will.props); !st) {
            return st.error();
        }
    }
    Error err;
    std::string_view topic;
    if (!read_utf8(r, topic, err)) return err;
    // The Will Topic is where the will is published: a Topic Name, without wildcards.
    if (!is_valid_topic_name(topic)) return malformed("invalid Will Topic");
    std::string_view payload;
    if (!r.read_binary(payload)) return malformed("Will Payload runs past the end of the packet");
    will.topic = topic;
    will.payload = payload;
    will.qos = static_cast<QoS>((connect_flags >> kWillQosShift) & 3);
    will.retain = (connect_flags & kFlagWillRetain) != 0;
    return will;
}

}  // namespace

Version peek_connect_version(std::string_view body) noexcept {
    WireReader r(body);
    std::string_view name;
    std::uint8_t level = 0;
    if (!r.read_binary(name) || !r.read_u8(level)) return Version::kV311;
    if (name == kNameMqisdp) return Version::kV31;
    if (name == kNameMqtt && level == static_cast<std::uint8_t>(Version::kV5)) return Version::kV5;
    return Version::kV311;
}

Result<Connect> decode_connect(std::uint8_t flags, std::string_view body) {
    if (flags != 0) return malformed("invalid fixed header flags");  // [MQTT-2.2.2-2]
    WireReader r(body);
    std::string_view name;
    std::uint8_t level = 0;
    if (!r.read_binary(name) || !r.read_u8(level)) return malformed("truncated CONNECT");

    Connect c;
    if (name == kNameMqtt && level == 4) {
        c.version = Version::kV311;
    } else if (name == kNameMqtt && level == 5) {
        c.version = Version::kV5;
    } else if (name == kNameMqisdp && level == 3) {
        c.version = Version::kV31;
    } else {
        // [MQTT-3.1.2-1] [MQTT-3.1.2-2]: the caller answers CONNACK 0x01 (3.1.1) or 0x84 (5.0)
        // in the form peek_connect_version() gives, then closes.
        return Error{ReasonCode::kUnsupportedProtocolVersion, "unsupported protocol version"};
    }
    const bool v5 = c.version == Version::kV5;

    std::uint8_t cf = 0;
    if (!r.read_u8(cf) || !r.read_u16(c.keep_alive)) return malformed("truncated CONNECT");
    // [MQTT-3.1.2-3] the reserved flag is 0. MQTT 3.1 did not reserve it, so it is not checked
    // there (as mosquitto does).
    if ((cf & kFlagReserved) != 0 && c.version != Version::kV31) {
        return malformed("CONNECT reserved flag is set");
    }
    c.clean_start = (cf & kFlagCleanStart) != 0;
    const bool will_flag = (cf & kFlagWill) != 0;
    const std::uint8_t will_qos = (cf >> kWillQosShift) & 3;
    if (!will_flag && will_qos != 0) {
        return malformed("Will QoS set without Will Flag");  // [MQTT-3.1.2-11] (5.0)
    }
    if (will_qos == 3) return malformed("Will QoS 3");  // [MQTT-3.1.2-12] (5.0)
    if (!will_flag && (cf & kFlagWillRetain) != 0) {
        return malformed("Will Retain set without Will Flag");  // [MQTT-3.1.2-13] (5.0)
    }
    const bool has_username = (cf & kFlagUsername) != 0;
    const bool has_password = (cf & kFlagPassword) != 0;
    // [MQTT-3.1.2-22] (3.1.1): no password without a user name. 5.0 allows it.
    if (!v5 && has_password && !has_username) return malformed("Password without User Name");

    if (v5) {
        if (auto st = decode_properties(r, PropertyContext::kConnect, c.props); !st) {
            return st.error();
        }
    }
    Error err;
    std::string_view client_id;
    // [MQTT-3.1.3-4] (3.1.1) the Client Identifier is a UTF-8 string; whether an empty or
    // long one is acceptable is the broker's decision (CONNACK 0x02 / 0x85).
    if (!read_utf8(r, client_id, err)) return err;
    c.client_id = client_id;
    if (will_flag) {
        auto will = decode_will(r, cf, c.version);
        if (!will) return will.error();
        c.will = std::move(will).value();
    }
    if (has_username) {
        std::string_view username;
        if (!read_utf8(r, username, err)) return err;  // [MQTT-3.1.3-11] (3.1.1)
        c.username.emplace(username);
    }
    if (has_password) {
        std::string_view password;
        if (!r.read_binary(password)) return malformed("Password runs past the end of the packet");
        c.password.emplace(password);
    }
    if (!r.empty()) return malformed("bytes after the end of CONNECT");
    return c;
}

void encode(const Connect& p, std::string& out) {
    const bool v5 = p.version == Version::kV5;
    const std::string_view name = protocol_name(p.version);
    std::size_t props = 0, will_props = 0;
    // Protocol Name, Level, Connect Flags, Keep Alive.
    std::size_t rl = binary_size(name) + 1 + 1 + 2;
    if (v5) {
        props = properties_size(p.props);
        rl += properties_field_size(props);
    }
    rl += binary_size(p.client_id);
    if (p.will) {
        if (v5) {
            will_props = properties_size(p.will->props);
            rl += properties_field_size(will_props);
        }
        rl += binary_size(p.will->topic) + binary_size(p.will->payload);
    }
    if (p.username) rl += binary_size(*p.username);
    if (p.password) rl += binary_size(*p.password);

    std::uint8_t cf = 0;
    if (p.clean_start) cf |= kFlagCleanStart;
    if (p.will) {
        cf |= kFlagWill |
              static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.will->qos) << kWillQosShift);
        if (p.will->retain) cf |= kFlagWillRetain;
    }
    if (p.username) cf |= kFlagUsername;
    if (p.password) cf |= kFlagPassword;

    WireWriter w = begin_packet(out, static_cast<std::uint8_t>(PacketType::kConnect) << 4, rl);
    w.binary(name);
    w.u8(static_cast<std::uint8_t>(p.version));
    w.u8(cf);
    w.u16(p.keep_alive);
    if (v5) write_properties(w, p.props, props);
    w.binary(p.client_id);
    if (p.will) {
        if (v5) write_properties(w, p.will->props, will_props);
        w.binary(p.will->topic);
        w.binary(p.will->payload);
    }
    if (p.username) w.binary(*p.username);
    if (p.password) w.binary(*p.password);
    assert(w.done());
}

Result<Connack> decode_connack(std::uint8_t flags, std::string_view body, Version version) {
    if (flags != 0) return malformed("invalid fixed header flags");  // [MQTT-2.2.2-2]
    WireReader r(body);
    std::uint8_t ack_flags = 0, code = 0;
    if (!r.read_u8(ack_flags) || !r.read_u8(code)) return malformed("truncated CONNACK");
    // [MQTT-3.2.2-1] (3.1.1) bits 7-1 of the Acknowledge Flags are reserved.
    if ((ack_flags & 0xFE) != 0) return malformed("CONNACK reserved flags are set");
    Connack c;
    c.session_present = (ack_flags & 1) != 0;
    if (version == Version::kV5) {
        if (!is_connack_reason(code)) return malformed("invalid CONNACK reason code");
        c.reason = static_cast<ReasonCode>(code);
        if (auto st = decode_properties(r, PropertyContext::kConnack, c.props); !st) {
            return st.error();
        }
    } else {
        // 3.1.1 return codes (section 3.2.2.3) back to the reason codes that map to them.
        static constexpr ReasonCode kFromV311[] = {ReasonCode::kSuccess,
                                                   ReasonCode::kUnsupportedProtocolVersion,
                                                   ReasonCode::kClientIdentifierNotValid,
                                                   ReasonCode::kServerUnavailable,
                                                   ReasonCode::kBadUserNameOrPassword,
                                                   ReasonCode::kNotAuthorized};
        if (code >= std::size(kFromV311)) return malformed("invalid CONNACK return code");
        c.reason = kFromV311[code];
    }
    // [MQTT-3.2.2-4] (3.1.1) / [MQTT-3.2.2-6] (5.0): a refusal never has Session Present.
    if (c.session_present && c.reason != ReasonCode::kSuccess) {
        return protocol_error("Session Present in a refused CONNACK");
    }
    if (!r.empty()) return malformed("bytes after the end of CONNACK");
    return c;
}

void encode(const Connack& p, Version v, std::string& out) {
    constexpr std::uint8_t kFirst = static_cast<std::uint8_t>(PacketType::kConnack) << 4;
    const std::uint8_t ack_flags = p.session_present ? 1 : 0;
    if (v != Version::kV5) {
        WireWriter w = begin_packet(out, kFirst, 2);
        w.u8(ack_flags);
        w.u8(static_cast<std::uint8_t>(to_v311_connack(p.reason)));
        return;
    }
    const std::size_t props = properties_size(p.props);
    WireWriter w = begin_packet(out, kFirst, 2 + properties_field_size(props));
    w.u8(ack_flags);
    w.u8(static_cast<std::uint8_t>(p.reason));
    write_properties(w, p.props, props);
    assert(w.done());
}

}  // namespace nmq::mqtt
