// MQTT 5.0 properties: the per-packet table of section 2.2.2.2 checked property by property,
// duplicates, value ranges, UTF-8 and lengths.
#include <functional>
#include <map>
#include <set>

#include "codec_test_util.hpp"

namespace nmq::mqtt {
namespace {

using namespace test;

std::string with_length(std::string_view props) {
    std::string s;
    s.push_back(static_cast<char>(props.size()));  // tests keep properties under 128 bytes
    s.append(props);
    return s;
}

std::string connect_with(std::string_view rest, int flags) {
    std::string body = bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, flags, 0x00, 0x3C});
    return frame(0x10, body + std::string(rest));
}

// One 5.0 packet carrying the given properties, per context name.
const std::map<std::string, std::function<std::string(std::string_view)>>& packets() {
    static const std::map<std::string, std::function<std::string(std::string_view)>> m = {
        {"CONNECT",
         [](std::string_view p) {
             return connect_with(with_length(p) + bytes({0, 1, 'c'}), 2);
         }},
        {"WILL",
         [](std::string_view p) {
             return connect_with(
                 bytes({0x00, 0, 1, 'c'}) + with_length(p) + bytes({0, 1, 't', 0, 0}), 6);
         }},
        {"CONNACK",
         [](std::string_view p) {
             return frame(0x20, bytes({0, 0}) + with_length(p));
         }},
        {"PUBLISH",
         [](std::string_view p) {
             return frame(0x30, bytes({0, 1, 't'}) + with_length(p));
         }},
        {"PUBACK",
         [](std::string_view p) {
             return frame(0x40, bytes({0, 1, 0}) + with_length(p));
         }},
        {"PUBREL",
         [](std::string_view p) {
             return frame(0x62, bytes({0, 1, 0}) + with_length(p));
         }},
        {"SUBSCRIBE",
         [](std::string_view p) {
             return frame(0x82, bytes({0, 1}) + with_length(p) + bytes({0, 1, 't', 0}));
         }},
        {"SUBACK",
         [](std::string_view p) {
             return frame(0x90, bytes({0, 1}) + with_length(p) + bytes({0}));
         }},
        {"UNSUBSCRIBE",
         [](std::string_view p) {
             return frame(0xA2, bytes({0, 1}) + with_length(p) + bytes({0, 1, 't'}));
         }},
        {"UNSUBACK",
         [](std::string_view p) {
             return frame(0xB0, bytes({0, 1}) + with_length(p) + bytes({0}));
         }},
        {"DISCONNECT", [](std::string_view p) { return frame(0xE0, bytes({0}) + with_length(p)); }},
        {"AUTH", [](std::string_view p) { return frame(0xF0, bytes({0}) + with_length(p)); }},
    };
    return m;
}

struct PropertyCase {
    int id;
    std::string sample;             // the encoded property (id included)
    std::set<std::string> allowed;  // MQTT 5.0 section 2.2.2.2
};

std::vector<PropertyCase> property_cases() {
    const std::set<std::string> message = {"PUBLISH", "WILL"};
    const std::set<std::string> reason_string = {"CONNACK",  "PUBACK",     "PUBREL", "SUBACK",
                                                 "UNSUBACK", "DISCONNECT", "AUTH"};
    std::set<std::string> everywhere;
    for (const auto& [name, _] : packets())
        everywhere.insert(name);
    return {
        {0x01, bytes({0x01, 0x01}), message},
        {0x02, bytes({0x02, 0, 0, 0, 1}), message},
        {0x03, bytes({0x03, 0, 1, 'a'}), message},
        {0x08, bytes({0x08, 0, 1, 'a'}), message},
        {0x09, bytes({0x09, 0, 1, 0xFF}), message},
        {0x0B, bytes({0x0B, 0x05}), {"PUBLISH", "SUBSCRIBE"}},
        {0x11, bytes({0x11, 0, 0, 0, 1}), {"CONNECT", "CONNACK", "DISCONNECT"}},
        {0x12, bytes({0x12, 0, 1, 'a'}), {"CONNACK"}},
        {0x13, bytes({0x13, 0, 1}), {"CONNACK"}},
        {0x15, bytes({0x15, 0, 1, 'm'}), {"CONNECT", "CONNACK", "AUTH"}},
        {0x16, bytes({0x15, 0, 1, 'm', 0x16, 0, 1, 'd'}), {"CONNECT", "CONNACK", "AUTH"}},
        {0x17, bytes({0x17, 1}), {"CONNECT"}},
        {0x18, bytes({0x18, 0, 0, 0, 1}), {"WILL"}},
        {0x19, bytes({0x19, 1}), {"CONNECT"}},
        {0x1A, bytes({0x1A, 0, 1, 'a'}), {"CONNACK"}},
        {0x1C, bytes({0x1C, 0, 1, 'a'}), {"CONNACK", "DISCONNECT"}},
        {0x1F, bytes({0x1F, 0, 1, 'a'}), reason_string},
        {0x21, bytes({0x21, 0, 1}), {"CONNECT", "CONNACK"}},
        {0x22, bytes({0x22, 0, 1}), {"CONNECT", "CONNACK"}},
        {0x23, bytes({0x23, 0, 1}), {"PUBLISH"}},
        {0x24, bytes({0x24, 1}), {"CONNACK"}},
        {0x25, bytes({0x25, 1}), {"CONNACK"}},
        {0x26, bytes({0x26, 0, 1, 'k', 0, 1, 'v'}), everywhere},
        {0x27, bytes({0x27, 0, 0, 1, 0}), {"CONNECT", "CONNACK"}},
        {0x28, bytes({0x28, 1}), {"CONNACK"}},
        {0x29, bytes({0x29, 1}), {"CONNACK"}},
        {0x2A, bytes({0x2A, 1}), {"CONNACK"}},
        // Not properties at all.
        {0x00, bytes({0x00, 0x00}), {}},
        {0x04, bytes({0x04, 0x00}), {}},
        {0x2B, bytes({0x2B, 0x00}), {}},
        {0x7F, bytes({0x7F, 0x00}), {}},
        {0x80, bytes({0x80, 0x01, 0x00}), {}},  // a two-byte identifier (128)
    };
}

TEST(CodecProperties, EachPropertyIsAllowedExactlyWhereTheTableSays) {
    for (const PropertyCase& c : property_cases()) {
        for (const auto& [name, make] : packets()) {
            const std::string wire = make(c.sample);
            auto r = decode_wire(wire, Version::kV5);
            if (c.allowed.count(name)) {
                EXPECT_TRUE(r.ok()) << "property 0x" << std::hex << c.id << " in " << name << ": "
                                    << (r.ok() ? "" : r.error().what);
            } else {
                ASSERT_FALSE(r.ok()) << "property 0x" << std::hex << c.id << " in " << name;
                EXPECT_EQ(r.error().code, ReasonCode::kMalformedPacket)
                    << "property 0x" << std::hex << c.id << " in " << name;
            }
        }
    }
}

TEST(CodecProperties, EveryPacketAcceptsNoProperties) {
    for (const auto& [name, make] : packets()) {
        EXPECT_TRUE(decode_wire(make(""), Version::kV5).ok()) << name;
    }
}

TEST(CodecProperties, DuplicatesAreProtocolErrors) {
    for (const PropertyCase& c : property_cases()) {
        if (c.allowed.empty() || c.id == 0x26) continue;
        for (const std::string& name : c.allowed) {
            if (c.id == 0x0B && name == "PUBLISH") continue;
            auto r = decode_wire(packets().at(name)(c.sample + c.sample), Version::kV5);
            ASSERT_FALSE(r.ok()) << std::hex << c.id << " " << name;
            EXPECT_EQ(r.error().code, ReasonCode::kProtocolError)
                << std::hex << c.id << " " << name;
        }
    }
}

TEST(CodecProperties, UserPropertiesRepeatAndKeepTheirOrder_MQTT_3_3_2_18) {
    const std::string props =
        bytes({0x26, 0, 1, 'b', 0, 1, '1', 0x26, 0, 1, 'a', 0, 1, '2', 0x26, 0, 1, 'b', 0, 1, '3'});
    auto r = decode_wire(packets().at("PUBLISH")(props), Version::kV5);
    ASSERT_TRUE(r.ok());
    const UserProperties expected = {{"b", "1"}, {"a", "2"}, {"b", "3"}};
    EXPECT_EQ(std::get<Publish>(*r).props.user_properties, expected);
}

TEST(CodecProperties, PublishCarriesSeveralSubscriptionIdentifiers) {
    auto r = decode_wire(packets().at("PUBLISH")(bytes({0x0B, 0x01, 0x0B, 0xFF, 0xFF, 0xFF, 0x7F})),
                         Version::kV5);
    ASSERT_TRUE(r.ok());
    const std::vector<std::uint32_t> expected = {1, kMaxRemainingLength};
    EXPECT_EQ(std::get<Publish>(*r).props.subscription_identifiers, expected);
}

TEST(CodecProperties, ValueRangesAreProtocolErrors) {
    const std::pair<std::string, std::string> cases[] = {
        {"PUBLISH", bytes({0x01, 0x02})},        // Payload Format Indicator 2
        {"WILL", bytes({0x01, 0xFF})},           // Payload Format Indicator 255
        {"CONNECT", bytes({0x21, 0, 0})},        // Receive Maximum 0
        {"CONNACK", bytes({0x21, 0, 0})},        // Receive Maximum 0
        {"CONNECT", bytes({0x27, 0, 0, 0, 0})},  // Maximum Packet Size 0
        {"CONNACK", bytes({0x27, 0, 0, 0, 0})},  // Maximum Packet Size 0
        {"SUBSCRIBE", bytes({0x0B, 0x00})},      // Subscription Identifier 0
        {"PUBLISH", bytes({0x0B, 0x80, 0x00})},  // Subscription Identifier 0, two bytes
        {"CONNACK", bytes({0x24, 0x02})},        // Maximum QoS 2
        {"CONNACK", bytes({0x25, 0x02})},        // Retain Available 2
        {"CONNACK", bytes({0x28, 0x02})},        // Wildcard Subscription Available 2
        {"CONNACK", bytes({0x29, 0x02})},        // Subscription Identifier Available 2
        {"CONNACK", bytes({0x2A, 0x02})},        // Shared Subscription Available 2
        {"CONNECT", bytes({0x17, 0x02})},        // Request Problem Information 2
        {"CONNECT", bytes({0x19, 0x02})},        // Request Response Information 2
        {"CONNECT", bytes({0x16, 0, 1, 'd'})},   // Authentication Data without Method
    };
    for (const auto& [name, props] : cases) {
        auto r = decode_wire(packets().at(name)(props), Version::kV5);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().code, ReasonCode::kProtocolError) << name;
    }
}

TEST(CodecProperties, BadEncodingsAreMalformed) {
    const std::pair<std::string, std::string> cases[] = {
        {"PUBLISH", bytes({0x02, 0, 0, 0})},                 // four-byte value cut short
        {"PUBLISH", bytes({0x03, 0, 5, 'a'})},               // string past the property length
        {"PUBLISH", bytes({0x03, 0, 1, 0xFF})},              // invalid UTF-8 [MQTT-1.5.4-1]
        {"PUBLISH", bytes({0x03, 0, 3, 0xED, 0xA0, 0x80})},  // surrogate [MQTT-1.5.4-1]
        {"PUBLISH", bytes({0x03, 0, 1, 0x00})},              // U+0000 [MQTT-1.5.4-2]
        {"PUBLISH", bytes({0x26, 0, 1, 'k', 0, 1, 0xC0})},   // user property value
        {"PUBLISH", bytes({0x26, 0, 1, 'k'})},               // user property without value
        {"PUBLISH", bytes({0x0B, 0xFF, 0xFF, 0xFF, 0xFF})},  // five-byte subscription id
        {"PUBLISH", bytes({0x08, 0, 3, 'a', '/', '+'})},     // Response Topic with wildcard
        {"PUBLISH", bytes({0x08, 0, 0})},                    // empty Response Topic
        {"DISCONNECT", bytes({0x1F, 0, 1, 0xFE})},           // Reason String
        {"CONNACK", bytes({0x13, 0})},                       // two-byte value cut short
    };
    for (const auto& [name, props] : cases) {
        auto r = decode_wire(packets().at(name)(props), Version::kV5);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().code, ReasonCode::kMalformedPacket) << name;
    }
    // Property Length past the end of the packet.
    EXPECT_EQ(error_of(bytes({0xE0, 0x03, 0x00, 0x7F, 0x01}), Version::kV5),
              ReasonCode::kMalformedPacket);
    // Property Length as a bad Variable Byte Integer.
    EXPECT_EQ(error_of(bytes({0xE0, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF}), Version::kV5),
              ReasonCode::kMalformedPacket);
}

TEST(CodecProperties, EncodesInIdentifierOrderWithTwoByteLength) {
    Disconnect d;
    d.reason = ReasonCode::kServerMoved;
    d.props.reason_string = std::string(200, 'r');
    d.props.server_reference = "s";
    std::string out;
    encode(d, Version::kV5, out);
    // 0x1C Server Reference before 0x1F Reason String; Property Length 207 takes two bytes.
    ASSERT_GT(out.size(), 10u);
    EXPECT_EQ(out.substr(3, 4), bytes({0x9D, 0xCF, 0x01, 0x1C}));
    auto r = decode_wire(out, Version::kV5);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::get<Disconnect>(*r), d);
}

}  // namespace
}  // namespace nmq::mqtt
