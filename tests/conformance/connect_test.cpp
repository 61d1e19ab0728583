// Conformance vectors for CONNECT, sessions, keep-alive and wills: bytes in, bytes or close
// out, named after the specification's requirement ids.
#include <gtest/gtest.h>

#include "harness.hpp"

using namespace nmq;
using namespace nmq::conformance;
using namespace std::chrono_literals;

namespace {
// CONNECT 3.1.1, client id "c1", clean session, keep alive 60.
constexpr const char* kConnectV4 = "10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 63 31";
constexpr const char* kConnackOk = "20 02 00 00";

mqtt::Packet decode_one(std::string_view bytes, mqtt::Version v, std::size_t* used = nullptr) {
    mqtt::FixedHeader h;
    EXPECT_EQ(mqtt::parse_fixed_header(bytes, h), mqtt::FrameStatus::kComplete);
    auto r = mqtt::decode(h.first_byte, bytes.substr(h.header_size, h.remaining_length), v);
    EXPECT_TRUE(r.ok());
    if (used) *used = h.packet_size();
    return r.value();
}
}  // namespace

TEST(Connect, AcceptsV311AndAnswersConnack_MQTT_3_2_0_1) {
    Harness h;
    auto c = h.connect();
    c->send_hex(kConnectV4);
    EXPECT_EQ(c->recv_hex(), kConnackOk);
    EXPECT_FALSE(c->closed());
}

TEST(Connect, FirstPacketMustBeConnect_MQTT_3_1_0_1) {
    Harness h;
    auto c = h.connect();
    c->send_hex("c0 00");  // PINGREQ
    EXPECT_EQ(c->recv_hex(), "");
    EXPECT_TRUE(c->closed());
}

TEST(Connect, SecondConnectIsAProtocolViolation_MQTT_3_1_0_2) {
    Harness h;
    auto c = h.connect();
    c->send_hex(kConnectV4);
    c->recv();
    c->send_hex(kConnectV4);
    EXPECT_TRUE(c->closed());
}

TEST(Connect, UnsupportedProtocolLevelGetsReturnCode1_MQTT_3_1_2_2) {
    Harness h;
    auto c = h.connect();
    c->send_hex("10 0e 00 04 4d 51 54 54 06 02 00 3c 00 02 63 31");
    EXPECT_EQ(c->recv_hex(), "20 02 00 01");
    EXPECT_TRUE(c->closed());
}

TEST(Connect, Mqtt31IsAccepted) {
    Harness h;
    auto c = h.connect();
    // "MQIsdp", level 3, clean session, keep alive 60, client id "c1".
    c->send_hex("10 10 00 06 4d 51 49 73 64 70 03 02 00 3c 00 02 63 31");
    EXPECT_EQ(c->recv_hex(), kConnackOk);
}

TEST(Connect, EmptyClientIdWithoutCleanSessionIsRejected_MQTT_3_1_3_8) {
    Harness h;
    auto c = h.connect();
    c->send_hex("10 0c 00 04 4d 51 54 54 04 00 00 3c 00 00");
    EXPECT_EQ(c->recv_hex(), "20 02 00 02");
    EXPECT_TRUE(c->closed());
}

TEST(Connect, EmptyClientIdWithCleanSessionIsAccepted_MQTT_3_1_3_6) {
    Harness h;
    auto c = h.connect();
    c->send_hex("10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00");
    EXPECT_EQ(c->recv_hex(), kConnackOk);
}

TEST(Connect, V5EmptyClientIdGetsAnAssignedIdentifier_MQTT_3_2_2_16) {
    Harness h;
    auto c = h.connect();
    c->send_hex("10 0d 00 04 4d 51 54 54 05 02 00 3c 00 00 00");
    auto p = decode_one(c->recv(), mqtt::Version::kV5);
    auto& ack = std::get<mqtt::Connack>(p);
    EXPECT_EQ(ack.reason, ReasonCode::kSuccess);
    ASSERT_TRUE(ack.props.assigned_client_identifier.has_value());
    EXPECT_FALSE(ack.props.assigned_client_identifier->empty());
}

TEST(Connect, SessionPresentIsZeroWithCleanSession_MQTT_3_2_2_1) {
    Harness h;
    auto c = h.connect();
    // clean session = 0, client id "c1"
    c->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 63 31");
    EXPECT_EQ(c->recv_hex(), kConnackOk);
    c->send_hex("e0 00");
    auto c2 = h.connect();
    c2->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 63 31");
    EXPECT_EQ(c2->recv_hex(), "20 02 01 00");  // [MQTT-3.2.2-2] session present
    c2->send_hex("e0 00");
    auto c3 = h.connect();
    c3->send_hex(kConnectV4);  // clean session: the stored session is discarded
    EXPECT_EQ(c3->recv_hex(), kConnackOk);
}

TEST(Connect, TakeoverClosesTheOldConnection_MQTT_3_1_4_3) {
    Harness h;
    auto a = h.connect();
    a->send_hex(kConnectV4);
    a->recv();
    auto b = h.connect();
    b->send_hex(kConnectV4);
    EXPECT_EQ(b->recv_hex(), kConnackOk);
    EXPECT_TRUE(a->closed());
}

TEST(Connect, V5TakeoverSendsDisconnect0x8E_MQTT_3_1_4_3) {
    Harness h;
    auto a = h.connect();
    const char* v5 = "10 0f 00 04 4d 51 54 54 05 02 00 3c 00 00 02 63 31";
    a->send_hex(v5);
    a->recv();
    auto b = h.connect();
    b->send_hex(v5);
    auto p = decode_one(a->recv(), mqtt::Version::kV5);
    EXPECT_EQ(std::get<mqtt::Disconnect>(p).reason, ReasonCode::kSessionTakenOver);
    EXPECT_TRUE(a->closed());
}

TEST(KeepAlive, SilentClientIsClosedAfterOneAndAHalfKeepAlives_MQTT_3_1_2_24) {
    Harness h;
    auto c = h.connect();
    // keep alive 1 s
    c->send_hex("10 0e 00 04 4d 51 54 54 04 02 00 01 00 02 63 31");
    c->recv();
    h.tick(broker::Clock::now() + 1s);
    EXPECT_FALSE(c->closed());
    h.tick(broker::Clock::now() + 2s);
    EXPECT_TRUE(c->closed());
}

TEST(KeepAlive, PingreqGetsPingresp_MQTT_3_12_4_1) {
    Harness h;
    auto c = h.connect();
    c->send_hex(kConnectV4);
    c->recv();
    c->send_hex("c0 00");
    EXPECT_EQ(c->recv_hex(), "d0 00");
}

TEST(Will, PublishedWhenTheConnectionDrops_MQTT_3_1_2_8) {
    Harness h;
    auto sub = h.connect();
    sub->send_hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 73 31");  // "s1"
    sub->recv();
    sub->send_hex("82 06 00 01 00 01 77 00");  // SUBSCRIBE "w" QoS 0
    EXPECT_EQ(sub->recv_hex(), "90 03 00 01 00");
    auto w = h.connect();
    // will flag + clean, will topic "w", will message "bye"
    w->send_hex("10 16 00 04 4d 51 54 54 04 06 00 3c 00 02 63 31 00 01 77 00 03 62 79 65");
    EXPECT_EQ(w->recv_hex(), kConnackOk);
    w->drop();
    EXPECT_EQ(sub->recv_hex(), "30 06 00 01 77 62 79 65");
}

TEST(Will, NotPublishedAfterDisconnect_MQTT_3_1_2_10) {
    Harness h;
    auto sub = h.connect();
    sub->send_hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 73 31");
    sub->recv();
    sub->send_hex("82 06 00 01 00 01 77 00");
    sub->recv();
    auto w = h.connect();
    w->send_hex("10 16 00 04 4d 51 54 54 04 06 00 3c 00 02 63 31 00 01 77 00 03 62 79 65");
    w->recv();
    w->send_hex("e0 00");
    EXPECT_TRUE(w->closed());
    w->drop();
    EXPECT_EQ(sub->recv_hex(), "");
}

TEST(KeepAlive, ServerKeepAliveCapsA5ClientsKeepAlive_MQTT_3_2_2_21) {
    config::Config cfg;
    cfg.mqtt.max_keepalive = 30;
    Harness h(cfg);
    auto c = h.connect();
    // 5.0 CONNECT "c1", keep alive 0 (never): the server names its own.
    c->send_hex("10 0f 00 04 4d 51 54 54 05 02 00 00 00 00 02 63 31");
    auto p = decode_one(c->recv(), mqtt::Version::kV5);
    auto& ack = std::get<mqtt::Connack>(p);
    ASSERT_TRUE(ack.props.server_keep_alive.has_value());
    EXPECT_EQ(*ack.props.server_keep_alive, 30);
    // [MQTT-3.2.2-22] and it is enforced: silent for 30 x 1.25 s is too long.
    h.tick(broker::Clock::now() + std::chrono::seconds(10));
    EXPECT_FALSE(c->closed());
    h.tick(broker::Clock::now() + std::chrono::seconds(40));
    EXPECT_TRUE(c->closed());
}

TEST(KeepAlive, NoServerKeepAliveWithinTheLimit) {
    config::Config cfg;
    cfg.mqtt.max_keepalive = 30;
    Harness h(cfg);
    auto c = h.connect();
    c->send_hex("10 0f 00 04 4d 51 54 54 05 02 00 0a 00 00 02 63 31");  // keep alive 10
    auto p = decode_one(c->recv(), mqtt::Version::kV5);
    EXPECT_FALSE(std::get<mqtt::Connack>(p).props.server_keep_alive.has_value());
}
