// PUBACK, PUBREC, PUBREL, PUBCOMP: round trips, the 5.0 short forms, golden bytes and
// malformed cases.
#include "codec_test_util.hpp"

namespace nmq::mqtt {
namespace {

using namespace test;

constexpr PacketType kTypes[] = {PacketType::kPuback, PacketType::kPubrec, PacketType::kPubrel,
                                 PacketType::kPubcomp};

std::uint8_t first_byte(PacketType t) {
    return static_cast<std::uint8_t>(static_cast<int>(t) << 4 | (t == PacketType::kPubrel ? 2 : 0));
}

ReasonCode failure_for(PacketType t) {
    return t == PacketType::kPubrel || t == PacketType::kPubcomp
               ? ReasonCode::kPacketIdentifierNotFound
               : ReasonCode::kNoMatchingSubscribers;
}

TEST(CodecPubResponse, RoundTripsEveryTypeInEveryVersion) {
    for (const Version v : kAllVersions) {
        for (const PacketType t : kTypes) {
            PubResponse p;
            p.type = t;
            p.packet_id = 0x1234;
            EXPECT_EQ(round_trip(p, v), p);
        }
    }
}

TEST(CodecPubResponse, RoundTripsReasonAndPropertiesIn5) {
    for (const PacketType t : kTypes) {
        PubResponse p;
        p.type = t;
        p.packet_id = 1;
        p.reason = failure_for(t);
        EXPECT_EQ(round_trip(p, Version::kV5), p);
        p.props = reason_props();
        EXPECT_EQ(round_trip(p, Version::kV5), p);
        p.reason = ReasonCode::kSuccess;
        EXPECT_EQ(round_trip(p, Version::kV5), p);
    }
}

TEST(CodecPubResponse, GoldenBytesAndShortForms) {
    for (const PacketType t : kTypes) {
        const std::uint8_t f = first_byte(t);
        PubResponse p;
        p.type = t;
        p.packet_id = 7;
        EXPECT_EQ(encoded(p, Version::kV311), bytes({f, 0x02, 0x00, 0x07}));
        // [MQTT-3.4.2-1]-style short form: Success without properties is 2 bytes.
        EXPECT_EQ(encoded(p, Version::kV5), bytes({f, 0x02, 0x00, 0x07}));
        p.reason = failure_for(t);
        const int rc = static_cast<int>(p.reason);
        EXPECT_EQ(encoded(p, Version::kV5), bytes({f, 0x03, 0x00, 0x07, rc}));
        // 3.1.1 has no reason code.
        EXPECT_EQ(encoded(p, Version::kV311), bytes({f, 0x02, 0x00, 0x07}));
        p.props.reason_string = "r";
        EXPECT_EQ(encoded(p, Version::kV5),
                  bytes({f, 0x08, 0x00, 0x07, rc, 0x04, 0x1F, 0x00, 0x01, 'r'}));
    }
}

TEST(CodecPubResponse, DecodesEveryForm) {
    for (const PacketType t : kTypes) {
        const std::uint8_t f = first_byte(t);
        const int rc = static_cast<int>(failure_for(t));
        auto r3 = decode_wire(bytes({f, 0x03, 0x00, 0x07, rc}), Version::kV5);
        ASSERT_TRUE(r3.ok());
        EXPECT_EQ(std::get<PubResponse>(*r3).reason, failure_for(t));
        EXPECT_EQ(std::get<PubResponse>(*r3).type, t);
        auto r4 = decode_wire(bytes({f, 0x04, 0x00, 0x07, 0x00, 0x00}), Version::kV5);
        ASSERT_TRUE(r4.ok());
        EXPECT_EQ(std::get<PubResponse>(*r4).reason, ReasonCode::kSuccess);
    }
}

TEST(CodecPubResponse, FlagsAreChecked_MQTT_2_2_2_2) {
    // PUBREL needs 0b0010 [MQTT-3.6.1-1]; the others 0.
    EXPECT_EQ(error_of(bytes({0x60, 0x02, 0x00, 0x01}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x42, 0x02, 0x00, 0x01}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x51, 0x02, 0x00, 0x01}), Version::kV5),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x78, 0x02, 0x00, 0x01}), Version::kV5),
              ReasonCode::kMalformedPacket);
}

TEST(CodecPubResponse, PacketIdZeroIsProtocolError_MQTT_2_2_1_3) {
    for (const PacketType t : kTypes) {
        EXPECT_EQ(error_of(bytes({first_byte(t), 0x02, 0x00, 0x00}), Version::kV311),
                  ReasonCode::kProtocolError);
    }
}

TEST(CodecPubResponse, LengthErrors) {
    for (const PacketType t : kTypes) {
        const std::uint8_t f = first_byte(t);
        EXPECT_EQ(error_of(bytes({f, 0x01, 0x00}), Version::kV5), ReasonCode::kMalformedPacket);
        EXPECT_EQ(error_of(bytes({f, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
        // 3.1.1: exactly two bytes.
        EXPECT_EQ(error_of(bytes({f, 0x03, 0x00, 0x01, 0x00}), Version::kV311),
                  ReasonCode::kMalformedPacket);
        // 5.0: property length past the end, trailing byte after the properties.
        EXPECT_EQ(error_of(bytes({f, 0x04, 0x00, 0x01, 0x00, 0x03}), Version::kV5),
                  ReasonCode::kMalformedPacket);
        EXPECT_EQ(error_of(bytes({f, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}), Version::kV5),
                  ReasonCode::kMalformedPacket);
    }
}

TEST(CodecPubResponse, ReasonCodeMustBelongToThePacket) {
    // 0x10 No matching subscribers is a PUBACK/PUBREC code, not a PUBREL/PUBCOMP one.
    EXPECT_EQ(error_of(bytes({0x62, 0x03, 0x00, 0x01, 0x10}), Version::kV5),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x40, 0x03, 0x00, 0x01, 0x92}), Version::kV5),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x40, 0x03, 0x00, 0x01, 0x05}), Version::kV5),
              ReasonCode::kMalformedPacket);
}

TEST(CodecPubResponse, PropertyChecks) {
    // Only Reason String and User Property; Reason String once.
    EXPECT_EQ(error_of(bytes({0x40, 0x06, 0x00, 0x01, 0x00, 0x02, 0x01, 0x00}), Version::kV5),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(
        error_of(bytes({0x40, 0x0A, 0x00, 0x01, 0x00, 0x06, 0x1F, 0x00, 0x00, 0x1F, 0x00, 0x00}),
                 Version::kV5),
        ReasonCode::kProtocolError);
}

}  // namespace
}  // namespace nmq::mqtt
