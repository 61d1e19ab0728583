// SUBSCRIBE and SUBACK: round trips, golden bytes and malformed cases.
#include "codec_test_util.hpp"

namespace nmq::mqtt {
namespace {

using namespace test;

Subscribe make_subscribe(Version v) {
    Subscribe s;
    s.packet_id = 42;
    s.topics.push_back({"a/+/c", {QoS::kAtMostOnce}});
    s.topics.push_back({"#", {QoS::kAtLeastOnce}});
    s.topics.push_back({"$share/g/x/#", {QoS::kExactlyOnce}});
    if (v == Version::kV5) {
        s.topics.push_back({"d", {QoS::kAtLeastOnce, true, true, 2}});
        s.topics.push_back({"e", {QoS::kAtMostOnce, false, true, 1}});
        s.props.subscription_identifiers = {268435455};
        add_user_properties(s.props);
    }
    return s;
}

TEST(CodecSubscribe, RoundTripsInEveryVersion) {
    for (const Version v : kAllVersions) {
        const Subscribe s = make_subscribe(v);
        EXPECT_EQ(round_trip(s, v), s) << int(v);
    }
}

TEST(CodecSubscribe, V311EncodingKeepsOnlyQos) {
    Subscribe s;
    s.packet_id = 1;
    s.topics.push_back({"t", {QoS::kAtLeastOnce, true, true, 2}});
    EXPECT_EQ(encoded(s, Version::kV311), bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x01}));
}

TEST(CodecSubscribe, GoldenV5) {
    Subscribe s;
    s.packet_id = 2;
    s.topics.push_back({"t", {QoS::kExactlyOnce, true, true, 2}});
    s.props.subscription_identifiers = {300};
    EXPECT_EQ(encoded(s, Version::kV5),
              bytes({0x82, 0x0A, 0x00, 0x02, 0x03, 0x0B, 0xAC, 0x02, 0x00, 0x01, 't', 0x2E}));
}

TEST(CodecSubscribe, FlagsMustBe0010_MQTT_3_8_1_1) {
    for (const int first : {0x80, 0x83, 0x8A}) {
        EXPECT_EQ(error_of(bytes({first, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x00}), Version::kV311),
                  ReasonCode::kMalformedPacket);
    }
}

TEST(CodecSubscribe, NoFiltersIsProtocolError_MQTT_3_8_3_3) {
    EXPECT_EQ(error_of(bytes({0x82, 0x02, 0x00, 0x01}), Version::kV311),
              ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(bytes({0x82, 0x03, 0x00, 0x01, 0x00}), Version::kV5),
              ReasonCode::kProtocolError);
}

TEST(CodecSubscribe, PacketIdZeroIsProtocolError_MQTT_2_2_1_3) {
    EXPECT_EQ(error_of(bytes({0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 't', 0x00}), Version::kV311),
              ReasonCode::kProtocolError);
}

TEST(CodecSubscribe, ReservedOptionBitsAreMalformed) {
    // 3.1.1 [MQTT-3-8.3-4]: bits 7-2.
    for (const int opt : {0x04, 0x08, 0x10, 0x80}) {
        EXPECT_EQ(error_of(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', opt}), Version::kV311),
                  ReasonCode::kMalformedPacket)
            << opt;
    }
    // 5.0 [MQTT-3.8.3-5]: bits 7-6.
    for (const int opt : {0x40, 0x80}) {
        EXPECT_EQ(
            error_of(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 't', opt}), Version::kV5),
            ReasonCode::kMalformedPacket)
            << opt;
    }
}

TEST(CodecSubscribe, Qos3IsMalformed) {
    EXPECT_EQ(error_of(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x03}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 't', 0x03}), Version::kV5),
              ReasonCode::kMalformedPacket);
}

TEST(CodecSubscribe, RetainHandling3IsProtocolError) {
    EXPECT_EQ(error_of(bytes({0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 't', 0x30}), Version::kV5),
              ReasonCode::kProtocolError);
}

TEST(CodecSubscribe, NoLocalOnSharedSubscriptionIsProtocolError_MQTT_3_8_3_4) {
    std::string body = bytes({0x00, 0x01, 0x00, 0x00, 0x0A});
    body += "$share/g/t";
    body.push_back(0x04);
    EXPECT_EQ(error_of(frame(0x82, body), Version::kV5), ReasonCode::kProtocolError);
}

TEST(CodecSubscribe, NonUtf8FilterIsMalformed_MQTT_3_8_3_1) {
    std::string f = bytes({'a', 0xFF});
    std::string body = bytes({0x00, 0x01, 0x00, static_cast<int>(f.size())}) + f;
    body.push_back(0x00);
    EXPECT_EQ(error_of(frame(0x82, body), Version::kV311), ReasonCode::kMalformedPacket);
}

// Filters that break the wildcard rules decode: the broker refuses each one alone in its SUBACK
// (0x80 in 3.1.1, 0x8F "Topic Filter invalid" in 5.0).
TEST(CodecSubscribe, WildcardRuleViolationsAreLeftToTheBroker) {
    for (const std::string& f :
         {std::string("a/#/b"), std::string("a+"), std::string(""), std::string("#x")}) {
        std::string body = bytes({0x00, 0x01, 0x00, static_cast<int>(f.size())}) + f;
        body.push_back(0x00);
        auto r = decode_subscribe(0x02, body, Version::kV311);
        ASSERT_TRUE(r.ok()) << f;
        EXPECT_EQ(r->topics.at(0).filter, f);
    }
}

TEST(CodecSubscribe, TruncatedEntriesAreMalformed) {
    // Filter without its options byte, then a filter length past the end.
    EXPECT_EQ(error_of(bytes({0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 't'}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x05, 't', 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x82, 0x01, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
}

TEST(CodecSubscribe, PropertyChecks) {
    // Two Subscription Identifiers, then Subscription Identifier 0, then Reason String.
    EXPECT_EQ(error_of(bytes({0x82, 0x0B, 0x00, 0x01, 0x04, 0x0B, 0x01, 0x0B, 0x02, 0x00, 0x01, 't',
                              0x00}),
                       Version::kV5),
              ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(bytes({0x82, 0x09, 0x00, 0x01, 0x02, 0x0B, 0x00, 0x00, 0x01, 't', 0x00}),
                       Version::kV5),
              ReasonCode::kProtocolError);
    EXPECT_EQ(
        error_of(bytes({0x82, 0x0A, 0x00, 0x01, 0x03, 0x1F, 0x00, 0x00, 0x00, 0x01, 't', 0x00}),
                 Version::kV5),
        ReasonCode::kMalformedPacket);
}

// ---- SUBACK ----

TEST(CodecSuback, RoundTripsInEveryVersion) {
    for (const Version v : kAllVersions) {
        Suback s;
        s.packet_id = 9;
        s.reasons = {ReasonCode::kSuccess, ReasonCode::kGrantedQos1, ReasonCode::kGrantedQos2,
                     ReasonCode::kUnspecifiedError};
        EXPECT_EQ(round_trip(s, v), s);
    }
    Suback s;
    s.packet_id = 9;
    s.reasons = {ReasonCode::kTopicFilterInvalid, ReasonCode::kSharedSubscriptionsNotSupported,
                 ReasonCode::kGrantedQos1};
    s.props = reason_props();
    EXPECT_EQ(round_trip(s, Version::kV5), s);
}

TEST(CodecSuback, V311MapsEveryFailureTo0x80) {
    Suback s;
    s.packet_id = 1;
    s.reasons = {ReasonCode::kGrantedQos2, ReasonCode::kNotAuthorized,
                 ReasonCode::kTopicFilterInvalid, ReasonCode::kQuotaExceeded};
    s.props.reason_string = "dropped in 3.1.1";
    EXPECT_EQ(encoded(s, Version::kV311), bytes({0x90, 0x06, 0x00, 0x01, 0x02, 0x80, 0x80, 0x80}));
    EXPECT_EQ(
        encoded(s, Version::kV5),
        bytes({0x90, 0x1A, 0x00, 0x01, 0x13, 0x1F, 0x00, 0x10, 'd', 'r', 'o',  'p',  'p',  'e',
               'd',  ' ',  'i',  'n',  ' ',  '3',  '.',  '1',  '.', '1', 0x02, 0x87, 0x8F, 0x97}));
}

TEST(CodecSuback, Malformed) {
    EXPECT_EQ(error_of(bytes({0x90, 0x03, 0x00, 0x01, 0x03}), Version::kV311),
              ReasonCode::kMalformedPacket);  // [MQTT-3.9.3-2] 0, 1, 2, 0x80 only
    EXPECT_EQ(error_of(bytes({0x90, 0x03, 0x00, 0x01, 0x87}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x90, 0x04, 0x00, 0x01, 0x00, 0x11}), Version::kV5),
              ReasonCode::kMalformedPacket);  // 0x11 is an UNSUBACK code
    EXPECT_EQ(error_of(bytes({0x92, 0x03, 0x00, 0x01, 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);  // flags
    EXPECT_EQ(error_of(bytes({0x90, 0x02, 0x00, 0x01}), Version::kV311),
              ReasonCode::kProtocolError);  // no reason codes
    EXPECT_EQ(error_of(bytes({0x90, 0x03, 0x00, 0x00, 0x00}), Version::kV311),
              ReasonCode::kProtocolError);  // packet id 0
}

}  // namespace
}  // namespace nmq::mqtt
