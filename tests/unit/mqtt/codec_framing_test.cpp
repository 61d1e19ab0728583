// The fixed header, Variable Byte Integers and decode() dispatch.
#include "codec_test_util.hpp"
#include "mqtt/wire.hpp"

namespace nmq::mqtt {
namespace {

using namespace test;

TEST(CodecFraming, ParsesEveryRemainingLengthSize_MQTT_1_5_5) {
    struct Case {
        std::string wire;
        std::uint32_t length;
        std::uint8_t header_size;
    };
    const Case cases[] = {
        {bytes({0x30, 0x00}), 0, 2},
        {bytes({0x30, 0x7F}), 127, 2},
        {bytes({0x30, 0x80, 0x01}), 128, 3},
        {bytes({0x30, 0xFF, 0x7F}), 16383, 3},
        {bytes({0x30, 0x80, 0x80, 0x01}), 16384, 4},
        {bytes({0x30, 0xFF, 0xFF, 0x7F}), 2097151, 4},
        {bytes({0x30, 0x80, 0x80, 0x80, 0x01}), 2097152, 5},
        {bytes({0x30, 0xFF, 0xFF, 0xFF, 0x7F}), kMaxRemainingLength, 5},
    };
    for (const Case& c : cases) {
        FixedHeader h;
        ASSERT_EQ(parse_fixed_header(c.wire, h), FrameStatus::kComplete) << c.length;
        EXPECT_EQ(h.remaining_length, c.length);
        EXPECT_EQ(h.header_size, c.header_size);
        EXPECT_EQ(h.type(), PacketType::kPublish);
        EXPECT_EQ(h.packet_size(), c.header_size + std::size_t{c.length});
        // Every prefix needs more.
        for (std::size_t n = 0; n < c.wire.size(); ++n) {
            EXPECT_EQ(parse_fixed_header(std::string_view(c.wire).substr(0, n), h),
                      FrameStatus::kNeedMore);
        }
    }
}

TEST(CodecFraming, FifthLengthByteIsMalformed_MQTT_1_5_5_1) {
    FixedHeader h;
    EXPECT_EQ(parse_fixed_header(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), h),
              FrameStatus::kMalformed);
    EXPECT_EQ(parse_fixed_header(bytes({0x30, 0x80, 0x80, 0x80, 0x80}), h),
              FrameStatus::kMalformed);
}

TEST(CodecFraming, PacketTypeZeroIsMalformed) {
    FixedHeader h;
    EXPECT_EQ(parse_fixed_header(bytes({0x00, 0x00}), h), FrameStatus::kMalformed);
    EXPECT_EQ(parse_fixed_header(bytes({0x0F}), h), FrameStatus::kMalformed);
    EXPECT_FALSE(decode(0x00, "", Version::kV5).ok());
}

TEST(CodecFraming, FlagsAndTypeAccessors) {
    FixedHeader h;
    ASSERT_EQ(parse_fixed_header(bytes({0x82, 0x05}), h), FrameStatus::kComplete);
    EXPECT_EQ(h.type(), PacketType::kSubscribe);
    EXPECT_EQ(h.flags(), 0x02);
}

TEST(CodecFraming, VarintSizeAndEncoding) {
    for (const std::uint32_t v :
         {0u, 1u, 127u, 128u, 16383u, 16384u, 2097151u, 2097152u, kMaxRemainingLength}) {
        std::string buf(4, '\0');
        WireWriter w(buf.data(), buf.data() + varint_size(v));
        w.varint(v);
        EXPECT_TRUE(w.done()) << v;
        WireReader r(std::string_view(buf.data(), varint_size(v)));
        std::uint32_t back = 0;
        ASSERT_TRUE(r.read_varint(back));
        EXPECT_EQ(back, v);
        EXPECT_TRUE(r.empty());
    }
}

TEST(CodecFraming, ReaderNeverReadsPastTheEnd) {
    const std::string short_string = bytes({0x00, 0x05, 'a', 'b'});
    const std::string one_byte = bytes({0x01});
    const std::string open_varint = bytes({0x80, 0x80});
    WireReader r(short_string);
    std::string_view s;
    EXPECT_FALSE(r.read_binary(s));
    WireReader r2(one_byte);
    std::uint16_t v16 = 0;
    std::uint32_t v32 = 0;
    EXPECT_FALSE(r2.read_u16(v16));
    EXPECT_FALSE(r2.read_u32(v32));
    EXPECT_FALSE(WireReader(open_varint).read_varint(v32));
}

TEST(CodecFraming, DecodeDispatchesEveryType) {
    const std::pair<std::string, std::size_t> cases[] = {
        {bytes({0x20, 0x02, 0x00, 0x00}), 1},
        {bytes({0x30, 0x03, 0x00, 0x01, 't'}), 2},
        {bytes({0x40, 0x02, 0x00, 0x01}), 3},
        {bytes({0x50, 0x02, 0x00, 0x01}), 3},
        {bytes({0x62, 0x02, 0x00, 0x01}), 3},
        {bytes({0x70, 0x02, 0x00, 0x01}), 3},
        {bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x00}), 4},
        {bytes({0x90, 0x03, 0x00, 0x01, 0x00}), 5},
        {bytes({0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 't'}), 6},
        {bytes({0xB0, 0x02, 0x00, 0x01}), 7},
        {bytes({0xC0, 0x00}), 8},
        {bytes({0xD0, 0x00}), 9},
        {bytes({0xE0, 0x00}), 10},
    };
    for (const auto& [wire, index] : cases) {
        auto r = decode_wire(wire, Version::kV311);
        ASSERT_TRUE(r.ok()) << index;
        EXPECT_EQ(r->index(), index);
    }
    auto pubrec = decode_wire(bytes({0x50, 0x02, 0x00, 0x01}), Version::kV311);
    EXPECT_EQ(std::get<PubResponse>(*pubrec).type, PacketType::kPubrec);
    auto auth = decode_wire(bytes({0xF0, 0x00}), Version::kV5);
    ASSERT_TRUE(auth.ok());
    EXPECT_TRUE(std::holds_alternative<Auth>(*auth));
}

TEST(CodecFraming, ErrorsCarryAShortExplanation) {
    auto r = decode_wire(bytes({0x36, 0x03, 0x00, 0x01, 't'}), Version::kV5);
    ASSERT_FALSE(r.ok());
    EXPECT_STREQ(r.error().what, "PUBLISH with QoS 3");
}

TEST(CodecFraming, EncodeAppendsToWhatIsThere) {
    std::string out;
    encode(Packet{Pingreq{}}, Version::kV311, out);
    encode(Packet{Disconnect{}}, Version::kV311, out);
    EXPECT_EQ(out, bytes({0xC0, 0x00, 0xE0, 0x00}));
}

}  // namespace
}  // namespace nmq::mqtt
