// UNSUBSCRIBE and UNSUBACK: round trips, golden bytes and malformed cases.
#include "codec_test_util.hpp"

namespace nmq::mqtt {
namespace {

using namespace test;

TEST(CodecUnsubscribe, RoundTripsInEveryVersion) {
    for (const Version v : kAllVersions) {
        Unsubscribe u;
        u.packet_id = 77;
        u.filters = {"a/b", "+/x", "#", "$share/g/t"};
        if (v == Version::kV5) add_user_properties(u.props);
        EXPECT_EQ(round_trip(u, v), u);
    }
}

TEST(CodecUnsubscribe, GoldenBytes) {
    Unsubscribe u;
    u.packet_id = 1;
    u.filters = {"t"};
    EXPECT_EQ(encoded(u, Version::kV311), bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 't'}));
    EXPECT_EQ(encoded(u, Version::kV5), bytes({0xA2, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 't'}));
}

TEST(CodecUnsubscribe, FlagsMustBe0010_MQTT_3_10_1_1) {
    EXPECT_EQ(error_of(bytes({0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 't'}), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecUnsubscribe, NoFiltersIsProtocolError_MQTT_3_10_3_2) {
    EXPECT_EQ(error_of(bytes({0xA2, 0x02, 0x00, 0x01}), Version::kV311),
              ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(bytes({0xA2, 0x03, 0x00, 0x01, 0x00}), Version::kV5),
              ReasonCode::kProtocolError);
}

TEST(CodecUnsubscribe, Malformed) {
    EXPECT_EQ(error_of(bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x02, 't'}), Version::kV311),
              ReasonCode::kMalformedPacket);  // filter length past the end
    EXPECT_EQ(error_of(bytes({0xA2, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);  // trailing byte
    EXPECT_EQ(error_of(bytes({0xA2, 0x07, 0x00, 0x01, 0x00, 0x03, 'a', 0xC0, 'b'}), Version::kV311),
              ReasonCode::kMalformedPacket);  // not UTF-8 (a wildcard misuse is the broker's 0x8F)
    EXPECT_EQ(error_of(bytes({0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, 't'}), Version::kV311),
              ReasonCode::kProtocolError);  // packet id 0
    // Subscription Identifier is not an UNSUBSCRIBE property.
    EXPECT_EQ(
        error_of(bytes({0xA2, 0x08, 0x00, 0x01, 0x02, 0x0B, 0x01, 0x00, 0x01, 't'}), Version::kV5),
        ReasonCode::kMalformedPacket);
}

// ---- UNSUBACK ----

TEST(CodecUnsuback, RoundTripsInEveryVersion) {
    for (const Version v : kAllVersions) {
        Unsuback u;
        u.packet_id = 5;
        if (v == Version::kV5) {
            u.reasons = {ReasonCode::kSuccess, ReasonCode::kNoSubscriptionExisted,
                         ReasonCode::kNotAuthorized};
            u.props = reason_props();
        }
        EXPECT_EQ(round_trip(u, v), u);
    }
}

TEST(CodecUnsuback, V311HasNoPayload) {
    Unsuback u;
    u.packet_id = 5;
    u.reasons = {ReasonCode::kSuccess};
    u.props.reason_string = "x";
    EXPECT_EQ(encoded(u, Version::kV311), bytes({0xB0, 0x02, 0x00, 0x05}));
    EXPECT_EQ(encoded(u, Version::kV5),
              bytes({0xB0, 0x08, 0x00, 0x05, 0x04, 0x1F, 0x00, 0x01, 'x', 0x00}));
}

TEST(CodecUnsuback, Malformed) {
    EXPECT_EQ(error_of(bytes({0xB0, 0x03, 0x00, 0x05, 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xB0, 0x04, 0x00, 0x05, 0x00, 0x01}), Version::kV5),
              ReasonCode::kMalformedPacket);  // 0x01 is not an UNSUBACK code
    EXPECT_EQ(error_of(bytes({0xB0, 0x03, 0x00, 0x05, 0x00}), Version::kV5),
              ReasonCode::kProtocolError);  // no reason codes
    EXPECT_EQ(error_of(bytes({0xB0, 0x02, 0x00, 0x05}), Version::kV5),
              ReasonCode::kMalformedPacket);  // no Property Length
    EXPECT_EQ(error_of(bytes({0xB1, 0x02, 0x00, 0x05}), Version::kV311),
              ReasonCode::kMalformedPacket);  // flags
}

}  // namespace
}  // namespace nmq::mqtt
