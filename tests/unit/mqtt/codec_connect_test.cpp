// CONNECT and CONNACK: round trips in 3.1, 3.1.1 and 5.0, golden bytes, and every malformed
// case with the reason code it gets.
#include "codec_test_util.hpp"

namespace nmq::mqtt {
namespace {

using namespace test;

Connect full_connect(Version v) {
    Connect c;
    c.version = v;
    c.clean_start = false;
    c.keep_alive = 0xABCD;
    c.client_id = "client-\xC3\xA9";
    Will w;
    w.topic = "last/will";
    w.payload = std::string("\x00\xFF gone", 7);
    w.qos = QoS::kExactlyOnce;
    w.retain = true;
    if (v == Version::kV5) w.props = will_props();
    c.will = w;
    c.username = "user";
    c.password = std::string("\x00pw\xFF", 4);
    if (v == Version::kV5) c.props = connect_props();
    return c;
}

// CONNECT body: protocol name, level, flags, keep alive 60, then `rest`.
std::string connect_body(std::string_view name, int level, int flags, std::string_view rest) {
    std::string b;
    b.push_back(0);
    b.push_back(static_cast<char>(name.size()));
    b.append(name);
    b.push_back(static_cast<char>(level));
    b.push_back(static_cast<char>(flags));
    b.append(bytes({0x00, 0x3C}));
    b.append(rest);
    return b;
}

std::string connect_v311(int flags, std::string_view payload) {
    return frame(0x10, connect_body("MQTT", 4, flags, payload));
}

// ---- round trips ----

TEST(CodecConnect, RoundTripsMinimalInEveryVersion) {
    for (const Version v : kAllVersions) {
        Connect c;
        c.version = v;
        c.client_id = "c";
        EXPECT_EQ(round_trip(c, v), c) << int(v);
    }
}

TEST(CodecConnect, RoundTripsEveryFieldAndPropertyInEveryVersion) {
    for (const Version v : kAllVersions) {
        const Connect c = full_connect(v);
        EXPECT_EQ(round_trip(c, v), c) << int(v);
    }
}

TEST(CodecConnect, RoundTripsWillOfEachQosWithoutRetain) {
    for (const Version v : kAllVersions) {
        for (const QoS q : {QoS::kAtMostOnce, QoS::kAtLeastOnce, QoS::kExactlyOnce}) {
            Connect c;
            c.version = v;
            c.will = Will{"t", "", q, false, {}};
            EXPECT_EQ(round_trip(c, v), c);
        }
    }
}

TEST(CodecConnect, RoundTripsEmptyClientIdAndEmptyPassword) {
    Connect c;
    c.version = Version::kV311;
    c.username = "";
    c.password = "";
    EXPECT_EQ(round_trip(c, Version::kV311), c);
}

TEST(CodecConnect, V5AllowsPasswordWithoutUserName) {
    Connect c;
    c.version = Version::kV5;
    c.client_id = "x";
    c.password = "secret";
    EXPECT_EQ(round_trip(c, Version::kV5), c);
}

TEST(CodecConnect, DecodeIgnoresTheConnectionVersion) {
    const Connect c = full_connect(Version::kV5);
    auto r = decode_wire(encoded(c), Version::kV311);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::get<Connect>(*r), c);
}

// ---- golden bytes ----

TEST(CodecConnect, GoldenV311) {
    Connect c;
    c.keep_alive = 60;
    c.client_id = "c";
    EXPECT_EQ(encoded(c), bytes({0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C,
                                 0x00, 0x01, 'c'}));
}

TEST(CodecConnect, GoldenV31UsesMQIsdp) {
    Connect c;
    c.version = Version::kV31;
    c.keep_alive = 60;
    c.client_id = "c";
    EXPECT_EQ(encoded(c), bytes({0x10, 0x0F, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02,
                                 0x00, 0x3C, 0x00, 0x01, 'c'}));
}

TEST(CodecConnect, GoldenV5WithWillAndCredentials) {
    Connect c;
    c.version = Version::kV5;
    c.clean_start = true;
    c.keep_alive = 10;
    c.client_id = "id";
    c.props.session_expiry_interval = 120;
    c.will = Will{"w", "p", QoS::kAtLeastOnce, true, {}};
    c.username = "u";
    c.password = "pw";
    EXPECT_EQ(encoded(c),
              bytes({0x10, 0x22, 0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05,
                     0xEE,  // user, password, will retain, will QoS 1, will, clean start
                     0x00, 0x0A, 0x05, 0x11, 0x00, 0x00, 0x00, 0x78, 0x00, 0x02, 'i',  'd',
                     0x00,  // will properties
                     0x00, 0x01, 'w',  0x00, 0x01, 'p',  0x00, 0x01, 'u',  0x00, 0x02, 'p', 'w'}));
}

// ---- protocol name and level ----

TEST(CodecConnect, UnknownLevelIsUnsupportedProtocolVersion) {
    // [MQTT-3.1.2-2]: answered with CONNACK 0x01 (3.1.1) / 0x84 (5.0).
    for (const int level : {0, 1, 2, 6, 0x84, 0xFF}) {
        std::string w = frame(0x10, connect_body("MQTT", level, 0x02, bytes({0x00, 0x01, 'c'})));
        EXPECT_EQ(error_of(w, Version::kV311), ReasonCode::kUnsupportedProtocolVersion) << level;
    }
    // "MQTT" with level 3 and "MQIsdp" with level 4 are not combinations any version uses.
    EXPECT_EQ(error_of(frame(0x10, connect_body("MQTT", 3, 2, bytes({0, 1, 'c'}))), Version::kV311),
              ReasonCode::kUnsupportedProtocolVersion);
    EXPECT_EQ(
        error_of(frame(0x10, connect_body("MQIsdp", 4, 2, bytes({0, 1, 'c'}))), Version::kV311),
        ReasonCode::kUnsupportedProtocolVersion);
}

TEST(CodecConnect, UnknownProtocolNameIsUnsupportedProtocolVersion) {
    // [MQTT-3.1.2-1]
    for (const std::string_view name : {"MQTX", "mqtt", "", "MQTTT"}) {
        EXPECT_EQ(
            error_of(frame(0x10, connect_body(name, 4, 2, bytes({0, 1, 'c'}))), Version::kV311),
            ReasonCode::kUnsupportedProtocolVersion)
            << name;
    }
}

TEST(CodecConnect, PeekVersionTellsWhichFormToAnswerIn) {
    EXPECT_EQ(peek_connect_version(connect_body("MQTT", 5, 0x01, "")), Version::kV5);
    EXPECT_EQ(peek_connect_version(connect_body("MQTT", 4, 0x01, "")), Version::kV311);
    EXPECT_EQ(peek_connect_version(connect_body("MQIsdp", 3, 0, "")), Version::kV31);
    EXPECT_EQ(peek_connect_version(connect_body("MQTT", 6, 0, "")), Version::kV311);
    EXPECT_EQ(peek_connect_version(connect_body("XYZ", 5, 0, "")), Version::kV311);
    EXPECT_EQ(peek_connect_version(bytes({0x00, 0x04, 'M'})), Version::kV311);
    EXPECT_EQ(peek_connect_version(""), Version::kV311);
}

TEST(CodecConnect, MalformedV5ConnectStillPeeksAsV5) {
    const std::string body = connect_body("MQTT", 5, 0x02, bytes({0x05}));  // props run out
    EXPECT_FALSE(decode_connect(0, body).ok());
    EXPECT_EQ(decode_connect(0, body).error().code, ReasonCode::kMalformedPacket);
    EXPECT_EQ(peek_connect_version(body), Version::kV5);
}

// ---- flags ----

TEST(CodecConnect, FixedHeaderFlagsMustBeZero_MQTT_2_2_2_1) {
    std::string w = encoded(full_connect(Version::kV311));
    w[0] = 0x11;
    EXPECT_EQ(error_of(w, Version::kV311), ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, ReservedFlagIsMalformed_MQTT_3_1_2_3) {
    EXPECT_EQ(error_of(connect_v311(0x03, bytes({0, 1, 'c'})), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(
        error_of(frame(0x10, connect_body("MQTT", 5, 0x03, bytes({0, 0, 1, 'c'}))), Version::kV5),
        ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, V31DoesNotReserveBitZero) {
    auto r = decode_wire(frame(0x10, connect_body("MQIsdp", 3, 0x03, bytes({0, 1, 'c'}))),
                         Version::kV31);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(std::get<Connect>(*r).clean_start);
}

TEST(CodecConnect, WillQosWithoutWillFlag_MQTT_3_1_2_11) {
    EXPECT_EQ(error_of(connect_v311(0x0A, bytes({0, 1, 'c'})), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, WillRetainWithoutWillFlag_MQTT_3_1_2_15) {
    EXPECT_EQ(error_of(connect_v311(0x22, bytes({0, 1, 'c'})), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, WillQos3_MQTT_3_1_2_14) {
    EXPECT_EQ(error_of(connect_v311(0x1E, bytes({0, 1, 'c', 0, 1, 't', 0, 0})), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, PasswordWithoutUserNameIn311_MQTT_3_1_2_22) {
    const std::string payload = bytes({0, 1, 'c', 0, 2, 'p', 'w'});
    EXPECT_EQ(error_of(connect_v311(0x42, payload), Version::kV311), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(frame(0x10, connect_body("MQIsdp", 3, 0x42, payload)), Version::kV31),
              ReasonCode::kMalformedPacket);
}

// ---- payload ----

TEST(CodecConnect, WillFlagWithoutWillFieldsIsMalformed) {
    EXPECT_EQ(error_of(connect_v311(0x06, bytes({0, 1, 'c'})), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, UserNameFlagWithoutUserNameIsMalformed) {
    EXPECT_EQ(error_of(connect_v311(0x82, bytes({0, 1, 'c'})), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, TrailingBytesAreMalformed) {
    EXPECT_EQ(error_of(connect_v311(0x02, bytes({0, 1, 'c', 0})), Version::kV311),
              ReasonCode::kMalformedPacket);
    std::string body = encoded(full_connect(Version::kV5)).substr(2);
    body.push_back('x');
    EXPECT_EQ(decode_connect(0, body).error().code, ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, EveryTruncationIsMalformed) {
    for (const Version v : kAllVersions) {
        const std::string wire = encoded(full_connect(v));
        FixedHeader h;
        ASSERT_EQ(parse_fixed_header(wire, h), FrameStatus::kComplete);
        const std::string_view body = std::string_view(wire).substr(h.header_size);
        for (std::size_t n = 0; n < body.size(); ++n) {
            auto r = decode_connect(0, body.substr(0, n));
            ASSERT_FALSE(r.ok()) << n;
            EXPECT_EQ(r.error().code, ReasonCode::kMalformedPacket) << n;
        }
    }
}

TEST(CodecConnect, ClientIdLengthPastTheEndIsMalformed) {
    EXPECT_EQ(error_of(connect_v311(0x02, bytes({0, 5, 'c'})), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, InvalidUtf8IsMalformed_MQTT_1_5_4) {
    // [MQTT-1.5.4-1] ill-formed / surrogate, [MQTT-1.5.4-2] U+0000: client id, user name.
    for (const std::string& bad :
         {bytes({0xC3}), bytes({0xED, 0xA0, 0x80}), bytes({'a', 0x00}), bytes({0xC0, 0xAF})}) {
        std::string client;
        client.push_back(0);
        client.push_back(static_cast<char>(bad.size()));
        client += bad;
        EXPECT_EQ(error_of(connect_v311(0x02, client), Version::kV311),
                  ReasonCode::kMalformedPacket);
        EXPECT_EQ(error_of(connect_v311(0x82, bytes({0, 1, 'c'}) + client), Version::kV311),
                  ReasonCode::kMalformedPacket);
    }
}

TEST(CodecConnect, WillTopicWithWildcardIsMalformed) {
    EXPECT_EQ(error_of(connect_v311(0x06, bytes({0, 1, 'c', 0, 1, '#', 0, 0})), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(connect_v311(0x06, bytes({0, 1, 'c', 0, 0, 0, 0})), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, ConnectPropertyNotAllowedIsMalformed) {
    // Topic Alias (0x23) is a PUBLISH property.
    EXPECT_EQ(error_of(frame(0x10, connect_body("MQTT", 5, 0x02,
                                                bytes({0x03, 0x23, 0x00, 0x01, 0, 1, 'c'}))),
                       Version::kV5),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, WillPropertyNotAllowedIsMalformed) {
    // Session Expiry Interval is not a Will Property.
    EXPECT_EQ(error_of(frame(0x10, connect_body("MQTT", 5, 0x06,
                                                bytes({0x00, 0, 1, 'c', 0x05, 0x11, 0, 0, 0, 1, 0,
                                                       1, 't', 0, 0}))),
                       Version::kV5),
              ReasonCode::kMalformedPacket);
}

TEST(CodecConnect, ConnectRangeChecksAreProtocolErrors) {
    const auto with_prop = [](std::initializer_list<int> prop) {
        std::string props = bytes(prop);
        std::string rest;
        rest.push_back(static_cast<char>(props.size()));
        rest += props + bytes({0, 1, 'c'});
        return frame(0x10, connect_body("MQTT", 5, 0x02, rest));
    };
    EXPECT_EQ(error_of(with_prop({0x21, 0, 0}), Version::kV5), ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(with_prop({0x27, 0, 0, 0, 0}), Version::kV5), ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(with_prop({0x17, 2}), Version::kV5), ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(with_prop({0x19, 2}), Version::kV5), ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(with_prop({0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 1}), Version::kV5),
              ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(with_prop({0x16, 0, 1, 'x'}), Version::kV5), ReasonCode::kProtocolError);
}

// ---- CONNACK ----

TEST(CodecConnack, RoundTripsInEveryVersion) {
    for (const Version v : kAllVersions) {
        Connack c;
        c.session_present = true;
        EXPECT_EQ(round_trip(c, v), c);
    }
    Connack c;
    c.reason = ReasonCode::kQuotaExceeded;
    c.props = connack_props();
    EXPECT_EQ(round_trip(c, Version::kV5), c);
}

TEST(CodecConnack, V311RefusalsRoundTripThroughReturnCodes) {
    for (const ReasonCode rc :
         {ReasonCode::kSuccess, ReasonCode::kUnsupportedProtocolVersion,
          ReasonCode::kClientIdentifierNotValid, ReasonCode::kServerUnavailable,
          ReasonCode::kBadUserNameOrPassword, ReasonCode::kNotAuthorized}) {
        Connack c;
        c.reason = rc;
        EXPECT_EQ(round_trip(c, Version::kV311), c);
        EXPECT_EQ(round_trip(c, Version::kV31), c);
    }
}

TEST(CodecConnack, GoldenBytes) {
    Connack ok;
    EXPECT_EQ(encoded(ok, Version::kV311), bytes({0x20, 0x02, 0x00, 0x00}));
    EXPECT_EQ(encoded(ok, Version::kV5), bytes({0x20, 0x03, 0x00, 0x00, 0x00}));
    Connack present;
    present.session_present = true;
    EXPECT_EQ(encoded(present, Version::kV311), bytes({0x20, 0x02, 0x01, 0x00}));
    Connack refused;
    refused.reason = ReasonCode::kUnsupportedProtocolVersion;
    EXPECT_EQ(encoded(refused, Version::kV311), bytes({0x20, 0x02, 0x00, 0x01}));
    EXPECT_EQ(encoded(refused, Version::kV5), bytes({0x20, 0x03, 0x00, 0x84, 0x00}));
    // 3.1.1 has no code for Banned: to_v311_connack() maps it to Not authorized.
    Connack banned;
    banned.reason = ReasonCode::kBanned;
    EXPECT_EQ(encoded(banned, Version::kV311), bytes({0x20, 0x02, 0x00, 0x05}));
    Connack busy;
    busy.reason = ReasonCode::kServerBusy;
    EXPECT_EQ(encoded(busy, Version::kV311), bytes({0x20, 0x02, 0x00, 0x03}));
}

TEST(CodecConnack, Malformed) {
    EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x02, 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);  // reserved ack flag [MQTT-3.2.2-1]
    EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x00, 0x06}), Version::kV311),
              ReasonCode::kMalformedPacket);  // no such return code
    EXPECT_EQ(error_of(bytes({0x20, 0x03, 0x00, 0x00, 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);  // trailing byte
    EXPECT_EQ(error_of(bytes({0x20, 0x01, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x21, 0x02, 0x00, 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);  // fixed header flags
    EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x00, 0x00}), Version::kV5),
              ReasonCode::kMalformedPacket);  // 5.0 needs a Property Length
    EXPECT_EQ(error_of(bytes({0x20, 0x03, 0x00, 0x01, 0x00}), Version::kV5),
              ReasonCode::kMalformedPacket);  // 0x01 is no CONNACK reason code
    EXPECT_EQ(error_of(bytes({0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02}), Version::kV5),
              ReasonCode::kProtocolError);  // Maximum QoS 2
    EXPECT_EQ(error_of(bytes({0x20, 0x05, 0x00, 0x00, 0x02, 0x25, 0x02}), Version::kV5),
              ReasonCode::kProtocolError);  // Retain Available 2
}

TEST(CodecConnack, SessionPresentWithRefusalIsProtocolError_MQTT_3_2_2_4) {
    EXPECT_EQ(error_of(bytes({0x20, 0x02, 0x01, 0x05}), Version::kV311),
              ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(bytes({0x20, 0x03, 0x01, 0x87, 0x00}), Version::kV5),
              ReasonCode::kProtocolError);
}

}  // namespace
}  // namespace nmq::mqtt
