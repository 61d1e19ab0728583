// PUBLISH: round trips, golden bytes, PublishView encoding and size, and malformed cases.
#include "codec_test_util.hpp"

namespace nmq::mqtt {
namespace {

using namespace test;

Publish make_publish(QoS q, Version v) {
    Publish p;
    p.qos = q;
    p.retain = true;
    p.dup = q != QoS::kAtMostOnce;
    p.topic = "sensors/\xE2\x82\xAC/temp";
    p.packet_id = q == QoS::kAtMostOnce ? 0 : 0xFFFF;
    p.payload = std::string("\x00\x01\x02 binary \xFF", 13);
    if (v == Version::kV5) p.props = publish_props();
    return p;
}

TEST(CodecPublish, RoundTripsEveryQosInEveryVersion) {
    for (const Version v : kAllVersions) {
        for (const QoS q : {QoS::kAtMostOnce, QoS::kAtLeastOnce, QoS::kExactlyOnce}) {
            const Publish p = make_publish(q, v);
            EXPECT_EQ(round_trip(p, v), p) << int(v) << " qos " << int(q);
        }
    }
}

TEST(CodecPublish, RoundTripsEmptyPayloadAndMinimalFlags) {
    for (const Version v : kAllVersions) {
        Publish p;
        p.topic = "t";
        EXPECT_EQ(round_trip(p, v), p);
    }
}

TEST(CodecPublish, RoundTripsLargePayloadWithMultiByteRemainingLength) {
    for (const std::size_t n :
         {std::size_t{120}, std::size_t{200}, std::size_t{20000}, std::size_t{3'000'000}}) {
        Publish p;
        p.qos = QoS::kAtLeastOnce;
        p.packet_id = 1;
        p.topic = "big";
        p.payload.assign(n, 'x');
        EXPECT_EQ(round_trip(p, Version::kV5), p);
        EXPECT_EQ(round_trip(p, Version::kV311), p);
    }
}

TEST(CodecPublish, V5AllowsEmptyTopicForTopicAlias) {
    Publish p;
    p.topic = "";
    p.props.topic_alias = 3;
    EXPECT_EQ(round_trip(p, Version::kV5), p);
    // The decoder leaves "empty topic without alias" to the session, which owns alias state.
    EXPECT_TRUE(decode_wire(bytes({0x30, 0x03, 0x00, 0x00, 0x00}), Version::kV5).ok());
}

TEST(CodecPublish, GoldenBytes) {
    Publish p;
    p.topic = "a/b";
    p.payload = "hi";
    EXPECT_EQ(encoded(p, Version::kV311), bytes({0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'}));
    EXPECT_EQ(encoded(p, Version::kV5),
              bytes({0x30, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 'h', 'i'}));
    p.qos = QoS::kAtLeastOnce;
    p.retain = true;
    p.packet_id = 10;
    EXPECT_EQ(encoded(p, Version::kV311),
              bytes({0x33, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'h', 'i'}));
    p.qos = QoS::kExactlyOnce;
    p.dup = true;
    p.retain = false;
    p.props.message_expiry_interval = 1;
    p.props.user_properties = {{"k", "v"}};
    EXPECT_EQ(encoded(p, Version::kV5),
              bytes({0x3C, 0x16, 0x00, 0x03, 'a',  '/',  'b', 0x00, 0x0A, 0x0C, 0x02, 0x00,
                     0x00, 0x00, 0x01, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  'h',  'i'}));
}

TEST(CodecPublish, V311EncodingDropsProperties) {
    Publish p = make_publish(QoS::kAtLeastOnce, Version::kV5);
    Publish without = p;
    without.props = {};
    EXPECT_EQ(encoded(p, Version::kV311), encoded(without, Version::kV311));
}

TEST(CodecPublish, ViewEncodesLikeThePublishAndSizeMatches) {
    const Publish p = make_publish(QoS::kExactlyOnce, Version::kV5);
    for (const Version v : kAllVersions) {
        const PublishView view{p.dup, p.qos, p.retain, p.topic, p.packet_id, &p.props, p.payload};
        std::string out = "prefix";  // encoders append
        encode_publish(view, v, out);
        EXPECT_EQ(out, "prefix" + encoded(p, v));
        EXPECT_EQ(encoded_publish_size(view, v), out.size() - 6);
    }
}

TEST(CodecPublish, ViewWithoutPropertiesWritesPropertyLengthZeroIn5) {
    const PublishView view{false, QoS::kAtMostOnce, false, "t", 0, nullptr, "x"};
    std::string out;
    encode_publish(view, Version::kV5, out);
    EXPECT_EQ(out, bytes({0x30, 0x05, 0x00, 0x01, 't', 0x00, 'x'}));
    EXPECT_EQ(encoded_publish_size(view, Version::kV5), out.size());
    out.clear();
    encode_publish(view, Version::kV311, out);
    EXPECT_EQ(out, bytes({0x30, 0x04, 0x00, 0x01, 't', 'x'}));
}

TEST(CodecPublish, SizeCountsMultiByteRemainingLength) {
    std::string payload(200'000, 'p');
    const PublishView view{false, QoS::kAtLeastOnce, false, "t", 1, nullptr, payload};
    std::string out;
    encode_publish(view, Version::kV5, out);
    EXPECT_EQ(encoded_publish_size(view, Version::kV5), out.size());
    FixedHeader h;
    ASSERT_EQ(parse_fixed_header(out, h), FrameStatus::kComplete);
    EXPECT_EQ(h.header_size, 4);
}

// ---- malformed ----

TEST(CodecPublish, Qos3IsMalformed_MQTT_3_3_1_4) {
    EXPECT_EQ(error_of(bytes({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecPublish, DupWithQos0IsMalformed_MQTT_3_3_1_2) {
    EXPECT_EQ(error_of(bytes({0x38, 0x03, 0x00, 0x01, 't'}), Version::kV311),
              ReasonCode::kMalformedPacket);
}

TEST(CodecPublish, PacketIdZeroIsProtocolError_MQTT_2_2_1_3) {
    EXPECT_EQ(error_of(bytes({0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00}), Version::kV311),
              ReasonCode::kProtocolError);
    EXPECT_EQ(error_of(bytes({0x34, 0x06, 0x00, 0x01, 't', 0x00, 0x00, 0x00}), Version::kV5),
              ReasonCode::kProtocolError);
}

TEST(CodecPublish, WildcardsInTopicNameAreMalformed_MQTT_3_3_2_2) {
    for (const char c : {'+', '#'}) {
        EXPECT_EQ(error_of(bytes({0x30, 0x05, 0x00, 0x03, 'a', '/', c}), Version::kV311),
                  ReasonCode::kMalformedPacket);
        EXPECT_EQ(error_of(bytes({0x30, 0x06, 0x00, 0x03, 'a', '/', c, 0x00}), Version::kV5),
                  ReasonCode::kMalformedPacket);
    }
}

TEST(CodecPublish, EmptyTopicIsMalformedBefore5_MQTT_4_7_3_1) {
    EXPECT_EQ(error_of(bytes({0x30, 0x02, 0x00, 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x30, 0x02, 0x00, 0x00}), Version::kV31),
              ReasonCode::kMalformedPacket);
}

TEST(CodecPublish, InvalidUtf8TopicIsMalformed_MQTT_1_5_4_1) {
    EXPECT_EQ(error_of(bytes({0x30, 0x04, 0x00, 0x02, 'a', 0x80}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x30, 0x04, 0x00, 0x02, 'a', 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);  // [MQTT-1.5.4-2]
}

TEST(CodecPublish, LengthsPastTheEndAreMalformed) {
    EXPECT_EQ(error_of(bytes({0x30, 0x03, 0x00, 0x05, 't'}), Version::kV311),
              ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x30, 0x01, 0x00}), Version::kV311), ReasonCode::kMalformedPacket);
    EXPECT_EQ(error_of(bytes({0x32, 0x04, 0x00, 0x01, 't', 0x00}), Version::kV311),
              ReasonCode::kMalformedPacket);  // half a packet id
    EXPECT_EQ(error_of(bytes({0x30, 0x04, 0x00, 0x01, 't', 0x05}), Version::kV5),
              ReasonCode::kMalformedPacket);  // property length past the end
    EXPECT_EQ(error_of(bytes({0x30, 0x03, 0x00, 0x01, 't'}), Version::kV5),
              ReasonCode::kMalformedPacket);  // 5.0 property length missing
}

TEST(CodecPublish, PropertyChecks) {
    // Session Expiry Interval is not a PUBLISH property.
    EXPECT_EQ(error_of(bytes({0x30, 0x09, 0x00, 0x01, 't', 0x05, 0x11, 0, 0, 0, 1}), Version::kV5),
              ReasonCode::kMalformedPacket);
    // Payload Format Indicator 2.
    EXPECT_EQ(error_of(bytes({0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x01, 0x02}), Version::kV5),
              ReasonCode::kProtocolError);
    // Topic Alias twice.
    EXPECT_EQ(
        error_of(bytes({0x30, 0x0A, 0x00, 0x01, 't', 0x06, 0x23, 0, 1, 0x23, 0, 2}), Version::kV5),
        ReasonCode::kProtocolError);
    // Subscription Identifier 0.
    EXPECT_EQ(error_of(bytes({0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x0B, 0x00}), Version::kV5),
              ReasonCode::kProtocolError);
    // Response Topic with a wildcard [MQTT-3.3.2-14].
    EXPECT_EQ(
        error_of(bytes({0x30, 0x08, 0x00, 0x01, 't', 0x04, 0x08, 0x00, 0x01, '#'}), Version::kV5),
        ReasonCode::kMalformedPacket);
}

TEST(CodecPublish, PayloadFormatIsLeftToTheBroker) {
    // PFI 1 with a non-UTF-8 payload decodes; the broker answers 0x99 if it checks.
    auto r =
        decode_wire(bytes({0x30, 0x07, 0x00, 0x01, 't', 0x02, 0x01, 0x01, 0xFF}), Version::kV5);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::get<Publish>(*r).payload, bytes({0xFF}));
}

}  // namespace
}  // namespace nmq::mqtt
