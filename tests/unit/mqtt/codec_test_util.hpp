#pragma once
// Helpers shared by the codec tests: byte vectors, frame-and-decode, round trips and property
// sets that fill every property a packet may carry.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "mqtt/codec.hpp"

namespace nmq::mqtt::test {

constexpr Version kAllVersions[] = {Version::kV31, Version::kV311, Version::kV5};

inline std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (const int c : b)
        s.push_back(static_cast<char>(c));
    return s;
}

// A whole packet on the wire: fixed header then exactly Remaining Length bytes.
inline Result<Packet> decode_wire(std::string_view wire, Version v) {
    FixedHeader h;
    if (parse_fixed_header(wire, h) != FrameStatus::kComplete) {
        return Error{ReasonCode::kMalformedPacket, "test: incomplete fixed header"};
    }
    if (h.packet_size() != wire.size()) {
        return Error{ReasonCode::kMalformedPacket, "test: frame size mismatch"};
    }
    return decode(h.first_byte, wire.substr(h.header_size), v);
}

// Builds a packet from a first byte and a body (Remaining Length computed, <= 127 bytes).
inline std::string frame(std::uint8_t first, std::string_view body) {
    std::string s;
    s.push_back(static_cast<char>(first));
    std::uint32_t n = static_cast<std::uint32_t>(body.size());
    do {
        std::uint8_t b = n & 0x7F;
        n >>= 7;
        if (n) b |= 0x80;
        s.push_back(static_cast<char>(b));
    } while (n);
    s.append(body);
    return s;
}

template <class T>
std::string encoded(const T& p, Version v) {
    std::string out;
    encode(p, v, out);
    return out;
}

inline std::string encoded(const Connect& p) {
    std::string out;
    encode(p, out);
    return out;
}

// Encodes, decodes and returns the decoded packet (fails the test when it does not decode or
// is of another type).
template <class T>
T round_trip(const T& p, Version v) {
    std::string wire;
    if constexpr (std::is_same_v<T, Connect>) {
        encode(p, wire);
    } else {
        encode(p, v, wire);
    }
    auto r = decode_wire(wire, v);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().what);
    if (!r.ok()) return T{};
    EXPECT_TRUE(std::holds_alternative<T>(*r));
    if (!std::holds_alternative<T>(*r)) return T{};
    // encode(Packet) must give the same bytes as the typed encoder.
    std::string again;
    encode(*r, v, again);
    EXPECT_EQ(again, wire);
    return std::get<T>(std::move(r).value());
}

inline ReasonCode error_of(std::string_view wire, Version v) {
    auto r = decode_wire(wire, v);
    EXPECT_FALSE(r.ok()) << "decoded a packet that should be rejected";
    return r.ok() ? ReasonCode::kSuccess : r.error().code;
}

inline void add_user_properties(Properties& p) {
    p.user_properties = {{"k1", "v1"}, {"k1", "v2"}, {"", ""}, {"\xC3\xA9", "x"}};
}

// Every property CONNECT may carry.
inline Properties connect_props() {
    Properties p;
    p.session_expiry_interval = 0xFFFFFFFF;
    p.authentication_method = "SCRAM-SHA-1";
    p.authentication_data = std::string("\x00\x01\xFF", 3);
    p.request_problem_information = 0;
    p.request_response_information = 1;
    p.receive_maximum = 20;
    p.topic_alias_maximum = 10;
    p.maximum_packet_size = 1024;
    add_user_properties(p);
    return p;
}

inline Properties connack_props() {
    Properties p;
    p.session_expiry_interval = 60;
    p.assigned_client_identifier = "auto-1";
    p.server_keep_alive = 30;
    p.authentication_method = "m";
    p.authentication_data = "d";
    p.response_information = "resp/";
    p.server_reference = "other:1883";
    p.reason_string = "because";
    p.receive_maximum = 65535;
    p.topic_alias_maximum = 0;
    p.maximum_qos = 1;
    p.retain_available = 0;
    p.maximum_packet_size = 268435460;
    p.wildcard_subscription_available = 1;
    p.subscription_identifier_available = 0;
    p.shared_subscription_available = 1;
    add_user_properties(p);
    return p;
}

inline Properties publish_props() {
    Properties p;
    p.payload_format_indicator = 1;
    p.message_expiry_interval = 3600;
    p.content_type = "text/plain";
    p.response_topic = "reply/here";
    p.correlation_data = std::string("\x00\x01", 2);
    p.subscription_identifiers = {1, 127, 128, 16383, 16384, 268435455};
    p.topic_alias = 7;
    add_user_properties(p);
    return p;
}

inline Properties will_props() {
    Properties p;
    p.payload_format_indicator = 0;
    p.message_expiry_interval = 10;
    p.content_type = "application/json";
    p.response_topic = "r";
    p.correlation_data = "c";
    p.will_delay_interval = 5;
    add_user_properties(p);
    return p;
}

inline Properties reason_props() {  // PUBACK..PUBCOMP, SUBACK, UNSUBACK
    Properties p;
    p.reason_string = "no";
    add_user_properties(p);
    return p;
}

inline Properties disconnect_props() {
    Properties p;
    p.session_expiry_interval = 0;
    p.server_reference = "elsewhere";
    p.reason_string = "bye";
    add_user_properties(p);
    return p;
}

inline Properties auth_props() {
    Properties p;
    p.authentication_method = "SCRAM-SHA-1";
    p.authentication_data = "challenge";
    p.reason_string = "continue";
    add_user_properties(p);
    return p;
}

}  // namespace nmq::mqtt::test
