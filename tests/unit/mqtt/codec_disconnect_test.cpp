// DISCONNECT, AUTH, PINGREQ and PINGRESP.
#include "codec_test_util.hpp"

namespace nmq::mqtt {
namespace {

using namespace test;

TEST(CodecDisconnect, RoundTripsInEveryVersion) {
    for (const Version v : kAllVersions) {
        EXPECT_EQ(round_trip(Disconnect{}, v), Disconnect{});
    }
    Disconnect d;
    d.reason = ReasonCode::kDisconnectWithWill;
    EXPECT_EQ(round_trip(d, Version::kV5), d);
    d.props = disconnect_props();
    EXPECT_EQ(round_trip(d, Version::kV5), d);
    d.reason = ReasonCode::kSuccess;
    EXPECT_EQ(round_trip(d, Version::kV5), d);
}

TEST(CodecDisconnect, GoldenBytesUseTheShortestForm) {
    Disconnect d;
    EXPECT_EQ(encoded(d, Version::kV311), bytes({0xE0, 0x00}));
    EXPECT_EQ(encoded(d, Version::kV5), bytes({0xE0, 0x00}));
    d.reason = ReasonCode::kSessionTakenOver;
    EXPECT_EQ(encoded(d, Version::kV5), bytes({0xE0, 0x01, 0x8E}));
    EXPECT_EQ(encoded(d, Version::kV311), bytes({0xE0, 0x00}));
    d.props.session_expiry_interval = 0;
    EXPECT_EQ(encoded(d, Version::kV5), bytes({0xE0, 0x07, 0x8E, 0x05, 0x11, 0, 0, 0, 0}));
}

TEST(CodecDisconnect, DecodesLongFormOfNormalDisconnect) {
    auto r = decode_wire(bytes({0xE0, 0x02, 0x00, 0x00}), Version::kV5);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::get<Disconnect>(*r), Disconnect{});
}

TEST(CodecDisconnect, Malformed) {
    EXPECT_EQ(error_of(bytes({0xE0, 0x01, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xE2, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xE1, 0x00}), Version::kV5), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xE0, 0x01, 0x01}), Version::kV5), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xE0, 0x02, 0x00, 0x01}), Version::kV5),
              ReasonCode::kMalformedPacket);  // property length past the end
    EXPECT_EQ(error_of(bytes({0xE0, 0x03, 0x00, 0x00, 0x00}), Version::kV5),
              ReasonCode::kMalformedPacket);  // trailing byte
    // Will Delay Interval is not a DISCONNECT property.
    EXPECT_EQ(error_of(bytes({0xE0, 0x07, 0x00, 0x05, 0x18, 0, 0, 0, 1}), Version::kV5),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(
        error_of(bytes({0xE0, 0x0C, 0x00, 0x0A, 0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 1}), Version::kV5),
        ReasonCode::kProtocolError);  // Session Expiry Interval twice
}

// ---- AUTH ----

TEST(CodecAuth, RoundTrips) {
    EXPECT_EQ(round_trip(Auth{}, Version::kV5), Auth{});
    Auth a;
    a.reason = ReasonCode::kContinueAuthentication;
    a.props = auth_props();
    EXPECT_EQ(round_trip(a, Version::kV5), a);
    a.reason = ReasonCode::kReauthenticate;
    EXPECT_EQ(round_trip(a, Version::kV5), a);
}

TEST(CodecAuth, GoldenBytes) {
    EXPECT_EQ(encoded(Auth{}, Version::kV5), bytes({0xF0, 0x00}));
    Auth a;
    a.reason = ReasonCode::kContinueAuthentication;
    a.props.authentication_method = "m";
    EXPECT_EQ(encoded(a, Version::kV5), bytes({0xF0, 0x06, 0x18, 0x04, 0x15, 0x00, 0x01, 'm'}));
}

TEST(CodecAuth, Malformed) {
    // Packet type 15 is reserved before 5.0.
    EXPECT_EQ(error_of(bytes({0xF0, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xF0, 0x00}), Version::kV31), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xF1, 0x00}), Version::kV5), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xF0, 0x01, 0x87}), Version::kV5), ReasonCode::kMalformedPacket);
    // Authentication Data without Authentication Method.
    EXPECT_EQ(error_of(bytes({0xF0, 0x06, 0x18, 0x04, 0x16, 0x00, 0x01, 'd'}), Version::kV5),
              ReasonCode::kProtocolError);
}

// ---- PINGREQ, PINGRESP ----

TEST(CodecPing, RoundTripsAndGoldenBytes) {
    for (const Version v : kAllVersions) {
        EXPECT_EQ(encoded(Pingreq{}, v), bytes({0xC0, 0x00}));
        EXPECT_EQ(encoded(Pingresp{}, v), bytes({0xD0, 0x00}));
        round_trip(Pingreq{}, v);
        round_trip(Pingresp{}, v);
    }
}

TEST(CodecPing, FlagsAndBodyAreMalformed) {
    EXPECT_EQ(error_of(bytes({0xC1, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xD8, 0x00}), Version::kV5), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xC0, 0x01, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0xD0, 0x01, 0x00}), Version::kV5), ReasonCode::kMalformedPacket);
}

}  // namespace
}  // namespace nmq::mqtt
