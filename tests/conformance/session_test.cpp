// Conformance vectors for the session state machine: the receive window, queueing for offline
// sessions, session expiry and message expiry. Time is driven by Harness::tick.
#include <gtest/gtest.h>

#include <optional>

#include "harness.hpp"

using namespace nmq;
using namespace nmq::conformance;
using namespace std::chrono_literals;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}
std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos;
         pos = haystack.find(needle, pos + 1))
        ++n;
    return n;
}
// 5.0 CONNECT "s1", clean start, with properties `props` (hex, length included).
std::string connect_v5(const std::string& props_hex, bool clean = true) {
    auto props = unhex(props_hex);
    std::string body = unhex("00 04 4d 51 54 54 05");
    body += static_cast<char>(clean ? 0x02 : 0x00);
    body += unhex("00 3c");
    body += props;
    body += unhex("00 02 73 31");
    std::string out = "\x10";
    out += static_cast<char>(body.size());
    return out + body;
}
}  // namespace

TEST(ReceiveWindow, NoMoreUnackedPublishesThanReceiveMaximum_MQTT_3_3_4_9) {
    Harness h;
    auto s = h.connect();
    s->send(connect_v5("03 21 00 01"));  // Receive Maximum 1
    s->recv();
    s->send_hex("82 07 00 01 00 00 01 74 01");  // SUBSCRIBE "t" QoS 1
    s->recv();
    auto p = h.connect();
    p->send_hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 70 31");
    p->recv();
    p->send_hex("30 04 00 01 74 41");  // "A"
    p->send_hex("30 04 00 01 74 42");  // "B"
    s->recv();
    // QoS 0 publishes are delivered at QoS 0: no window. Now QoS 1 ones.
    s->send_hex("82 07 00 02 00 00 01 75 01");  // SUBSCRIBE "u" QoS 1
    s->recv();
    p->send_hex("32 06 00 01 75 00 01 41");  // QoS 1 "A", id 1
    p->send_hex("32 06 00 01 75 00 02 42");  // QoS 1 "B", id 2
    auto out = s->recv_hex();
    EXPECT_EQ(count(out, "32 "), 1u) << out;  // one in flight only
    EXPECT_TRUE(contains(out, "41")) << out;
    s->send_hex("40 02 00 01");  // PUBACK the first (our packet id 1)
    out = s->recv_hex();
    EXPECT_EQ(count(out, "32 "), 1u) << out;
    EXPECT_TRUE(contains(out, "42")) << out;  // then the second, in order
}

TEST(OfflineQueue, Qos1MessagesWaitForTheSessionInOrder_MQTT_3_1_2_5) {
    Harness h;
    auto s = h.connect();
    s->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 73 31");  // clean session 0
    s->recv();
    s->send_hex("82 06 00 01 00 01 74 01");
    s->recv();
    s->send_hex("e0 00");
    s.reset();
    auto p = h.connect();
    p->send_hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 70 31");
    p->recv();
    p->send_hex("32 06 00 01 74 00 01 31");  // "1"
    p->send_hex("32 06 00 01 74 00 02 32");  // "2"
    auto s2 = h.connect();
    s2->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 73 31");
    EXPECT_EQ(s2->recv_hex(), "20 02 01 00 32 06 00 01 74 00 01 31 32 06 00 01 74 00 02 32");
}

TEST(OfflineQueue, BoundedByMaxMqueueLen) {
    config::Config cfg;
    cfg.mqtt.max_mqueue_len = 2;
    Harness h(cfg);
    auto s = h.connect();
    s->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 73 31");
    s->recv();
    s->send_hex("82 06 00 01 00 01 74 01");
    s->recv();
    s->send_hex("e0 00");
    s.reset();
    auto p = h.connect();
    p->send_hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 70 31");
    p->recv();
    for (char c : std::string("123")) {
        std::string pub = unhex("32 06 00 01 74 00 01");
        pub += c;
        p->send(pub);
    }
    auto before = h.broker().counters();
    auto s2 = h.connect();
    s2->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 73 31");
    auto out = s2->recv_hex();
    EXPECT_EQ(count(out, "32 06"), 2u) << out;  // the third was dropped
    EXPECT_EQ(before.message_drop, 1u);
}

TEST(SessionExpiry, SessionEndsAfterItsExpiryInterval_MQTT_3_1_2_23) {
    Harness h;
    auto s = h.connect();
    s->send(connect_v5("05 11 00 00 00 01", false));  // Session Expiry Interval 1 s
    s->recv();
    s->send_hex("e0 00");
    s.reset();
    h.tick(broker::Clock::now() + 3s);
    auto s2 = h.connect();
    s2->send(connect_v5("05 11 00 00 00 01", false));
    auto out = s2->recv();
    ASSERT_GE(out.size(), 4u);
    EXPECT_EQ(static_cast<unsigned char>(out[2]), 0x00);  // session present 0 [MQTT-3.2.2-3]
}

TEST(SessionExpiry, SessionSurvivesWithinItsExpiryInterval_MQTT_3_1_2_23) {
    Harness h;
    auto s = h.connect();
    s->send(connect_v5("05 11 00 00 00 3c", false));  // 60 s
    s->recv();
    s->send_hex("e0 00");
    s.reset();
    h.tick(broker::Clock::now() + 3s);
    auto s2 = h.connect();
    s2->send(connect_v5("05 11 00 00 00 3c", false));
    auto out = s2->recv();
    ASSERT_GE(out.size(), 4u);
    EXPECT_EQ(static_cast<unsigned char>(out[2]), 0x01);  // session present
}

TEST(Counters, InOutAndDropAreCounted) {
    Harness h;
    auto s = h.connect();
    s->send_hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 73 31");
    s->recv();
    s->send_hex("82 06 00 01 00 01 74 00");
    s->recv();
    s->send_hex("30 04 00 01 74 41");  // delivered to itself
    s->send_hex("30 04 00 01 78 41");  // no subscriber
    auto c = h.broker().counters();
    EXPECT_EQ(c.message_in, 2u);
    EXPECT_EQ(c.message_out, 1u);
    EXPECT_EQ(c.message_drop, 1u);
}

TEST(Snapshot, ListsSessionsSubscriptionsAndTheTopicTree) {
    Harness h;
    auto a = h.connect();
    a->send_hex("10 0e 00 04 4d 51 54 54 04 00 00 3c 00 02 62 31");  // "b1", persistent
    a->recv();
    a->send_hex("82 08 00 01 00 03 61 2f 62 01");  // "a/b" QoS 1
    a->recv();
    a->send_hex("e0 00");  // offline now, session kept
    a.reset();
    auto c = h.connect();
    c->send_hex("10 0e 00 04 4d 51 54 54 04 02 00 1e 00 02 61 31");  // "a1", keep alive 30
    c->recv();
    std::optional<broker::BrokerSnapshot> got;
    h.broker().snapshot([&](broker::BrokerSnapshot s) { got = std::move(s); });
    h.loop().run();
    ASSERT_TRUE(got.has_value());
    ASSERT_EQ(got->clients.size(), 2u);
    EXPECT_EQ(got->clients[0].client_id, "a1");  // sorted by client id
    EXPECT_TRUE(got->clients[0].connected);
    EXPECT_EQ(got->clients[0].keepalive, 30);
    EXPECT_EQ(got->clients[1].client_id, "b1");
    EXPECT_FALSE(got->clients[1].connected);
    ASSERT_EQ(got->clients[1].subscriptions.size(), 1u);
    EXPECT_EQ(got->clients[1].subscriptions[0].topic, "a/b");
    EXPECT_EQ(got->clients[1].subscriptions[0].qos, 1);
    EXPECT_EQ(got->stats.subscribing_clients, 0u);  // b1 is offline, a1 has none
    ASSERT_EQ(got->topic_tree.size(), 3u);          // root, "a", "b"
    EXPECT_EQ(got->topic_tree[0][0].topic, "");
    EXPECT_EQ(got->topic_tree[2][0].topic, "b");
    ASSERT_EQ(got->topic_tree[2][0].client_ids.size(), 1u);
    EXPECT_EQ(got->topic_tree[2][0].client_ids[0], "b1");
}
