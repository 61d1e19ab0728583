// Conformance vectors for PUBLISH, the QoS flows, SUBSCRIBE and UNSUBSCRIBE.
#include <gtest/gtest.h>

#include "harness.hpp"

using namespace nmq;
using namespace nmq::conformance;

namespace {
constexpr const char* kConnectV4 = "10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 63 31";
constexpr const char* kConnectV5 = "10 0f 00 04 4d 51 54 54 05 02 00 3c 00 00 02 63 31";

std::unique_ptr<Conn> connected(Harness& h, const char* connect = kConnectV4) {
    auto c = h.connect();
    c->send_hex(connect);
    c->recv();
    return c;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST(Subscribe, SubackGrantsTheRequestedQos_MQTT_3_9_3_1) {
    Harness h;
    auto c = connected(h);
    c->send_hex("82 08 00 01 00 03 61 2f 62 01");  // "a/b" QoS 1
    EXPECT_EQ(c->recv_hex(), "90 03 00 01 01");
}

TEST(Subscribe, InvalidFilterGetsFailureCode_MQTT_3_9_3_1) {
    Harness h;
    auto c = connected(h);
    c->send_hex("82 08 00 01 00 03 61 23 62 00");  // "a#b" is not a valid filter
    EXPECT_EQ(c->recv_hex(), "90 03 00 01 80");
}

TEST(Subscribe, ReservedFlagsCloseTheConnection_MQTT_3_8_1_1) {
    Harness h;
    auto c = connected(h);
    c->send_hex("80 08 00 01 00 03 61 2f 62 01");  // flags 0000 instead of 0010
    EXPECT_TRUE(c->closed());
}

TEST(Unsubscribe, UnsubackEchoesThePacketId_MQTT_3_10_4_4) {
    Harness h;
    auto c = connected(h);
    c->send_hex("82 08 00 01 00 03 61 2f 62 01");
    c->recv();
    c->send_hex("a2 07 00 02 00 03 61 2f 62");
    EXPECT_EQ(c->recv_hex(), "b0 02 00 02");
    // No longer subscribed: a publish is not delivered.
    c->send_hex("30 07 00 03 61 2f 62 68 69");
    EXPECT_EQ(c->recv_hex(), "");
}

TEST(Publish, Qos1IsAcknowledgedAndDelivered_MQTT_4_3_2_2) {
    Harness h;
    auto c = connected(h);
    c->send_hex("82 08 00 01 00 03 61 2f 62 01");
    c->recv();
    c->send_hex("32 09 00 03 61 2f 62 00 0a 68 69");
    auto out = c->recv_hex();
    EXPECT_TRUE(contains(out, "40 02 00 0a")) << out;                       // PUBACK
    EXPECT_TRUE(contains(out, "32 09 00 03 61 2f 62 00 01 68 69")) << out;  // delivery
}

TEST(Publish, DeliveredQosIsTheMinimumOfPublishAndSubscription_MQTT_3_8_4_6) {
    Harness h;
    auto c = connected(h);
    c->send_hex("82 08 00 01 00 03 61 2f 62 00");  // QoS 0 subscription
    c->recv();
    c->send_hex("34 09 00 03 61 2f 62 00 05 68 69");  // QoS 2 publish
    auto out = c->recv_hex();
    EXPECT_TRUE(contains(out, "30 07 00 03 61 2f 62 68 69")) << out;
    EXPECT_TRUE(contains(out, "50 02 00 05")) << out;  // PUBREC
}

TEST(Publish, Qos2DuplicateIsNotDeliveredTwice_MQTT_4_3_3_2) {
    Harness h;
    auto c = connected(h);
    c->send_hex("82 08 00 01 00 03 61 2f 62 00");
    c->recv();
    c->send_hex("34 09 00 03 61 2f 62 00 05 68 69");
    c->recv();
    c->send_hex("3c 09 00 03 61 2f 62 00 05 68 69");  // DUP re-send before PUBREL
    EXPECT_EQ(c->recv_hex(), "50 02 00 05");
    c->send_hex("62 02 00 05");               // PUBREL
    EXPECT_EQ(c->recv_hex(), "70 02 00 05");  // PUBCOMP
}

TEST(Publish, Qos2OutboundFlow_MQTT_4_3_3_1) {
    Harness h;
    auto c = connected(h);
    c->send_hex("82 08 00 01 00 03 61 2f 62 02");
    c->recv();
    c->send_hex("34 09 00 03 61 2f 62 00 05 68 69");
    auto out = c->recv_hex();
    EXPECT_TRUE(contains(out, "34 09 00 03 61 2f 62 00 01 68 69")) << out;
    c->send_hex("50 02 00 01");               // PUBREC from the client
    EXPECT_EQ(c->recv_hex(), "62 02 00 01");  // PUBREL
    c->send_hex("70 02 00 01");               // PUBCOMP
    EXPECT_EQ(c->recv_hex(), "");
}

TEST(Publish, WildcardInTopicNameClosesTheConnection_MQTT_3_3_2_2) {
    Harness h;
    auto c = connected(h);
    c->send_hex("30 07 00 03 61 2f 2b 68 69");  // "a/+"
    EXPECT_TRUE(c->closed());
}

TEST(Publish, Qos3IsMalformed_MQTT_3_3_1_4) {
    Harness h;
    auto c = connected(h);
    c->send_hex("36 09 00 03 61 2f 62 00 05 68 69");
    EXPECT_TRUE(c->closed());
}

TEST(Publish, UnackedQos1IsResentWithDupOnReconnect_MQTT_4_4_0_1) {
    Harness h;
    // Persistent session "c1" subscribed at QoS 1.
    auto c = h.connect();
    c->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 63 31");
    c->recv();
    c->send_hex("82 08 00 01 00 03 61 2f 62 01");
    c->recv();
    auto p = connected(h, "10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 70 31");
    p->send_hex("32 09 00 03 61 2f 62 00 0a 68 69");
    EXPECT_TRUE(contains(c->recv_hex(), "32 09 00 03 61 2f 62 00 01 68 69"));
    c->drop();  // no PUBACK
    auto c2 = h.connect();
    c2->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 63 31");
    // CONNACK with session present, then the same message with DUP and the same id.
    EXPECT_EQ(c2->recv_hex(), "20 02 01 00 3a 09 00 03 61 2f 62 00 01 68 69");
}

TEST(Publish, RetainedMessageIsSentOnSubscribeWithRetainSet_MQTT_3_3_1_8) {
    Harness h;
    auto p = connected(h);
    p->send_hex("31 07 00 03 61 2f 62 68 69");  // retained QoS 0
    auto s = connected(h, "10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 73 31");
    s->send_hex("82 08 00 01 00 03 61 2f 62 00");
    EXPECT_EQ(s->recv_hex(), "90 03 00 01 00 31 07 00 03 61 2f 62 68 69");
}

TEST(Publish, LiveDeliveryClearsRetain_MQTT_3_3_1_9) {
    Harness h;
    auto s = connected(h, "10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 73 31");
    s->send_hex("82 08 00 01 00 03 61 2f 62 00");
    s->recv();
    auto p = connected(h);
    p->send_hex("31 07 00 03 61 2f 62 68 69");
    EXPECT_EQ(s->recv_hex(), "30 07 00 03 61 2f 62 68 69");
}

TEST(PropertiesV5, TopicAliasZeroIsADisconnect0x94_MQTT_3_3_2_8) {
    Harness h;
    auto c = connected(h, kConnectV5);
    c->send_hex("30 08 00 01 61 03 23 00 00 78");  // alias 0
    auto out = c->recv();
    ASSERT_GE(out.size(), 3u);
    EXPECT_EQ(static_cast<unsigned char>(out[0]), 0xe0);
    EXPECT_EQ(static_cast<unsigned char>(out[2]), 0x94);
    EXPECT_TRUE(c->closed());
}

TEST(PropertiesV5, NoLocalIsNotDeliveredBack_MQTT_3_8_3_3) {
    Harness h;
    auto c = connected(h, kConnectV5);
    // SUBSCRIBE id 1, no properties, "a" with options QoS 0 + No Local (0x04)
    c->send_hex("82 07 00 01 00 00 01 61 04");
    EXPECT_EQ(c->recv_hex(), "90 04 00 01 00 00");
    c->send_hex("30 04 00 01 61 00");  // PUBLISH "a", no properties, empty payload
    EXPECT_EQ(c->recv_hex(), "");
}
