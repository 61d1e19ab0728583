// The bridge's MQTT client, bytes in and packets out: CONNECT, a SUBSCRIBE on every
// connection, the queue drained at CONNACK within the remote's Receive Maximum, unacknowledged
// messages repeated (DUP, same ids) or queued again as new, inbound QoS 1/2, keep alive.
#include "bridge/client_session.hpp"

#include <gtest/gtest.h>

namespace nmq::bridge {
namespace {

using mqtt::PacketType;
using mqtt::QoS;
using mqtt::Version;
using namespace std::chrono_literals;

class FakeWire : public Wire {
  public:
    std::string out;
    bool can_write = true;
    std::string& output() override { return out; }
    void flush() override {}
    bool writable() const override { return can_write; }
};

struct Recorder : ClientSession::Events {
    std::vector<bool> connected;  // session present, per CONNACK
    std::size_t last_resent = 0;
    std::size_t last_requeued = 0;
    std::vector<ReasonCode> refused;
    std::vector<std::pair<std::size_t, ReasonCode>> subscribed;
    std::vector<mqtt::Publish> messages;
    std::size_t dropped = 0;
    std::vector<std::string> drop_reasons;
    void on_connected(bool present, std::size_t resent, std::size_t requeued) override {
        connected.push_back(present);
        last_resent = resent;
        last_requeued = requeued;
    }
    void on_refused(ReasonCode r, const std::string&) override { refused.push_back(r); }
    void on_subscribed(std::size_t i, ReasonCode g) override { subscribed.emplace_back(i, g); }
    void on_message(mqtt::Publish&& p) override { messages.push_back(std::move(p)); }
    void on_dropped(std::size_t n, std::string_view, const char* why) override {
        dropped += n;
        drop_reasons.emplace_back(why);
    }
};

Outbound msg(std::string topic, QoS qos = QoS::kAtLeastOnce, bool retain = false) {
    auto m = std::make_shared<broker::Message>();
    m->topic = topic;
    m->payload = "payload of " + topic;
    m->qos = qos;
    Outbound o;
    o.msg = std::move(m);
    o.topic = std::move(topic);
    o.qos = qos;
    o.retain = retain;
    return o;
}

class ClientSessionTest : public ::testing::Test {
  protected:
    ClientOptions options;
    FakeWire wire;
    Recorder events;
    std::unique_ptr<ClientSession> session;
    Clock::time_point now = Clock::now();

    void make(Version v = Version::kV311) {
        options.version = v;
        options.client_id = "edge1";
        options.keep_alive = 10;
        if (options.subscriptions.empty())
            options.subscriptions.push_back({"cmd/#", {QoS::kAtLeastOnce, false, false, 0}});
        session = std::make_unique<ClientSession>(options, events);
    }

    // Every packet written since the last call.
    std::vector<mqtt::Packet> written() {
        std::vector<mqtt::Packet> out;
        std::string_view data = wire.out;
        while (!data.empty()) {
            mqtt::FixedHeader h;
            EXPECT_EQ(mqtt::parse_fixed_header(data, h), mqtt::FrameStatus::kComplete);
            auto r = mqtt::decode(h.first_byte, data.substr(h.header_size, h.remaining_length),
                                  options.version);
            EXPECT_TRUE(r.ok()) << r.error().what;
            if (!r.ok()) break;
            out.push_back(std::move(r.value()));
            data.remove_prefix(h.packet_size());
        }
        wire.out.clear();
        return out;
    }
    template <class P>
    bool feed(const P& p) {
        std::string bytes;
        mqtt::encode(p, options.version, bytes);
        return session->on_bytes(bytes);
    }
    void connect(bool present = false, mqtt::Properties props = {}) {
        session->link_up(wire, now);
        auto connect = written();
        ASSERT_EQ(connect.size(), 1u);
        ASSERT_TRUE(std::holds_alternative<mqtt::Connect>(connect[0]));
        mqtt::Connack ack;
        ack.session_present = present;
        ack.props = std::move(props);
        ASSERT_TRUE(feed(ack));
    }
    static std::vector<mqtt::Publish> publishes(const std::vector<mqtt::Packet>& ps) {
        std::vector<mqtt::Publish> out;
        for (const auto& p : ps)
            if (auto* pub = std::get_if<mqtt::Publish>(&p)) out.push_back(*pub);
        return out;
    }
    static std::size_t count_subscribes(const std::vector<mqtt::Packet>& ps) {
        std::size_t n = 0;
        for (const auto& p : ps)
            n += std::holds_alternative<mqtt::Subscribe>(p);
        return n;
    }
};

TEST_F(ClientSessionTest, ConnectCarriesTheBridgesSettings) {
    options.clean_start = false;
    options.username = "user";
    options.password = "secret";
    options.connect_props.session_expiry_interval = 300;
    make(Version::kV5);
    session->link_up(wire, now);
    auto ps = written();
    ASSERT_EQ(ps.size(), 1u);
    const auto& c = std::get<mqtt::Connect>(ps[0]);
    EXPECT_EQ(c.version, Version::kV5);
    EXPECT_EQ(c.client_id, "edge1");
    EXPECT_EQ(c.keep_alive, 10);
    EXPECT_FALSE(c.clean_start);
    EXPECT_EQ(c.username, "user");
    EXPECT_EQ(c.password, "secret");
    EXPECT_EQ(c.props.session_expiry_interval, 300u);
    EXPECT_EQ(session->state(), ClientSession::State::kAwaitConnack);
}

TEST_F(ClientSessionTest, SubscribesAgainOnEveryConnection) {
    make();
    connect();
    auto ps = written();
    ASSERT_EQ(count_subscribes(ps), 1u);
    const auto& s = std::get<mqtt::Subscribe>(ps[0]);
    ASSERT_EQ(s.topics.size(), 1u);
    EXPECT_EQ(s.topics[0].filter, "cmd/#");
    ASSERT_TRUE(feed(mqtt::Suback{s.packet_id, {ReasonCode::kGrantedQos1}, {}}));
    ASSERT_EQ(events.subscribed.size(), 1u);
    session->link_down();
    connect(/*present=*/true);
    EXPECT_EQ(count_subscribes(written()), 1u);
    EXPECT_EQ(events.connected, (std::vector<bool>{false, true}));
}

TEST_F(ClientSessionTest, QueuesWhileOfflineAndDrainsInOrderWhenConnackArrives) {
    make();
    EXPECT_TRUE(session->publish(msg("a")));
    EXPECT_FALSE(session->publish(msg("zero", QoS::kAtMostOnce)));  // QoS 0 is not kept offline
    EXPECT_TRUE(session->publish(msg("b", QoS::kExactlyOnce)));
    EXPECT_EQ(events.dropped, 1u);
    session->link_up(wire, now);
    // Nothing but CONNECT before the CONNACK.
    auto before = written();
    ASSERT_EQ(before.size(), 1u);
    ASSERT_TRUE(feed(mqtt::Connack{}));
    auto pubs = publishes(written());
    ASSERT_EQ(pubs.size(), 2u);
    EXPECT_EQ(pubs[0].topic, "a");
    EXPECT_EQ(pubs[0].qos, QoS::kAtLeastOnce);
    EXPECT_EQ(pubs[0].payload, "payload of a");
    EXPECT_FALSE(pubs[0].dup);
    EXPECT_EQ(pubs[1].topic, "b");
    EXPECT_EQ(pubs[1].qos, QoS::kExactlyOnce);
    EXPECT_NE(pubs[0].packet_id, pubs[1].packet_id);
    EXPECT_EQ(session->queue().inflight(), 2u);
    EXPECT_EQ(session->sent(), 2u);
}

TEST_F(ClientSessionTest, RespectsTheRemotesReceiveMaximum) {
    make(Version::kV5);
    mqtt::Properties props;
    props.receive_maximum = 2;
    connect(false, props);
    written();
    for (int i = 0; i < 5; ++i)
        session->publish(msg("t/" + std::to_string(i)));
    auto pubs = publishes(written());
    ASSERT_EQ(pubs.size(), 2u);  // [MQTT-4.9.0-2]
    EXPECT_EQ(session->queue().waiting(), 3u);
    ASSERT_TRUE(
        feed(mqtt::PubResponse{PacketType::kPuback, pubs[0].packet_id, ReasonCode::kSuccess, {}}));
    auto next = publishes(written());
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].topic, "t/2");
    // QoS 0 waits its turn behind them, but needs no window of its own.
    session->publish(msg("zero", QoS::kAtMostOnce));
    EXPECT_TRUE(publishes(written()).empty());
}

TEST_F(ClientSessionTest, OurOwnWindowBoundsA311Remote) {
    options.max_inflight = 3;
    make();
    connect();
    written();
    for (int i = 0; i < 10; ++i)
        session->publish(msg("t"));
    EXPECT_EQ(publishes(written()).size(), 3u);
    EXPECT_EQ(session->window(), 3);
}

TEST_F(ClientSessionTest, SessionPresentRepeatsUnacknowledgedWithDupAndTheSameIds) {
    options.clean_start = false;
    make();
    connect();
    written();
    for (const char* t : {"1", "2", "3"})
        session->publish(msg(t));
    auto pubs = publishes(written());
    ASSERT_EQ(pubs.size(), 3u);
    ASSERT_TRUE(
        feed(mqtt::PubResponse{PacketType::kPuback, pubs[0].packet_id, ReasonCode::kSuccess, {}}));
    session->publish(msg("4"));
    written();
    session->link_down();        // the remote restarts
    session->publish(msg("5"));  // while it is down
    connect(/*present=*/true);
    auto again = publishes(written());
    ASSERT_EQ(again.size(), 4u);
    // [MQTT-4.4.0-1] the same packet ids, in the first order, DUP set [MQTT-3.3.1-1]...
    EXPECT_EQ(again[0].topic, "2");
    EXPECT_EQ(again[0].packet_id, pubs[1].packet_id);
    EXPECT_TRUE(again[0].dup);
    EXPECT_EQ(again[1].topic, "3");
    EXPECT_EQ(again[1].packet_id, pubs[2].packet_id);
    EXPECT_EQ(again[2].topic, "4");
    EXPECT_TRUE(again[2].dup);
    // ...then what waited.
    EXPECT_EQ(again[3].topic, "5");
    EXPECT_FALSE(again[3].dup);
    EXPECT_EQ(events.last_resent, 3u);
    EXPECT_EQ(session->resent(), 3u);
}

TEST_F(ClientSessionTest, WhenTheRemoteLostOurSessionUnacknowledgedGoAgainAsNewInOrder) {
    make();
    connect();
    written();
    session->publish(msg("1"));
    session->publish(msg("2", QoS::kExactlyOnce));
    session->publish(msg("3", QoS::kExactlyOnce));
    auto pubs = publishes(written());
    ASSERT_EQ(pubs.size(), 3u);
    // "2" reached the remote (PUBREC): it must not be delivered twice.
    ASSERT_TRUE(
        feed(mqtt::PubResponse{PacketType::kPubrec, pubs[1].packet_id, ReasonCode::kSuccess, {}}));
    written();  // PUBREL
    session->link_down();
    session->publish(msg("4"));
    connect(/*present=*/false);
    auto again = publishes(written());
    ASSERT_EQ(again.size(), 3u);
    EXPECT_EQ(again[0].topic, "1");
    EXPECT_FALSE(again[0].dup);
    EXPECT_EQ(again[1].topic, "3");
    EXPECT_EQ(again[2].topic, "4");
    EXPECT_EQ(events.last_requeued, 3u);
    EXPECT_EQ(session->queue().inflight(), 3u);
    EXPECT_EQ(session->sent(), 4u);    // 1, 2, 3 and then 4
    EXPECT_EQ(session->resent(), 2u);  // 1 and 3 again
}

TEST_F(ClientSessionTest, Qos2FlowRepeatsPubrelAfterAReconnect) {
    options.clean_start = false;
    make();
    connect();
    written();
    session->publish(msg("q2", QoS::kExactlyOnce));
    auto pub = publishes(written()).at(0);
    ASSERT_TRUE(
        feed(mqtt::PubResponse{PacketType::kPubrec, pub.packet_id, ReasonCode::kSuccess, {}}));
    auto rel = written();
    ASSERT_EQ(rel.size(), 1u);
    EXPECT_EQ(std::get<mqtt::PubResponse>(rel[0]).type, PacketType::kPubrel);
    session->link_down();
    connect(/*present=*/true);
    auto ps = written();
    std::size_t pubrels = 0;
    for (const auto& p : ps) {
        if (auto* r = std::get_if<mqtt::PubResponse>(&p)) {
            EXPECT_EQ(r->type, PacketType::kPubrel);
            EXPECT_EQ(r->packet_id, pub.packet_id);
            ++pubrels;
        }
    }
    EXPECT_EQ(pubrels, 1u);
    EXPECT_TRUE(publishes(ps).empty());
    ASSERT_TRUE(
        feed(mqtt::PubResponse{PacketType::kPubcomp, pub.packet_id, ReasonCode::kSuccess, {}}));
    EXPECT_EQ(session->queue().inflight(), 0u);
}

TEST_F(ClientSessionTest, InboundMessagesAreDeliveredOnceAndAcknowledged) {
    make();
    connect();
    written();
    mqtt::Publish p1;
    p1.topic = "cmd/a";
    p1.qos = QoS::kAtLeastOnce;
    p1.packet_id = 7;
    p1.payload = "x";
    ASSERT_TRUE(feed(p1));
    auto ack = written();
    ASSERT_EQ(ack.size(), 1u);
    EXPECT_EQ(std::get<mqtt::PubResponse>(ack[0]).type, PacketType::kPuback);
    EXPECT_EQ(std::get<mqtt::PubResponse>(ack[0]).packet_id, 7);

    mqtt::Publish p2 = p1;
    p2.qos = QoS::kExactlyOnce;
    p2.packet_id = 8;
    ASSERT_TRUE(feed(p2));
    p2.dup = true;
    ASSERT_TRUE(feed(p2));  // repeated before PUBREL: not delivered again (method B)
    auto recs = written();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(std::get<mqtt::PubResponse>(recs[1]).type, PacketType::kPubrec);
    ASSERT_TRUE(feed(mqtt::PubResponse{PacketType::kPubrel, 8, ReasonCode::kSuccess, {}}));
    auto comp = written();
    ASSERT_EQ(comp.size(), 1u);
    EXPECT_EQ(std::get<mqtt::PubResponse>(comp[0]).type, PacketType::kPubcomp);
    EXPECT_EQ(events.messages.size(), 2u);
}

TEST_F(ClientSessionTest, ARefusingConnackEndsTheLink) {
    make();
    session->link_up(wire, now);
    written();
    mqtt::Connack refuse;
    refuse.reason = ReasonCode::kBadUserNameOrPassword;
    EXPECT_FALSE(feed(refuse));
    ASSERT_EQ(events.refused.size(), 1u);
    EXPECT_EQ(events.refused[0], ReasonCode::kBadUserNameOrPassword);
    EXPECT_NE(session->error().find("Bad User Name or Password"), std::string::npos)
        << session->error();
    EXPECT_TRUE(events.connected.empty());
}

TEST_F(ClientSessionTest, FirstPacketMustBeConnack) {
    make();
    session->link_up(wire, now);
    written();
    EXPECT_FALSE(feed(mqtt::Pingresp{}));
}

TEST_F(ClientSessionTest, KeepAlivePingsAndGivesUpOnASilentRemote) {
    make();
    connect();
    written();
    // Packets only set flags; the next tick stamps them (ticks come every 250 ms).
    EXPECT_TRUE(session->tick(now + 100ms));
    EXPECT_TRUE(session->tick(now + 9s));
    EXPECT_TRUE(written().empty());
    EXPECT_TRUE(session->tick(now + 10200ms));  // [MQTT-3.1.2-23]
    auto ping = written();
    ASSERT_EQ(ping.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<mqtt::Pingreq>(ping[0]));
    EXPECT_TRUE(session->tick(now + 15s));
    EXPECT_FALSE(session->tick(now + 15300ms));  // nothing heard for 1.5 keep-alives
    EXPECT_NE(session->error().find("no answer"), std::string::npos);
}

TEST_F(ClientSessionTest, AMissingConnackTimesOut) {
    options.connect_timeout = 3s;
    make();
    session->link_up(wire, now);
    EXPECT_TRUE(session->tick(now + 2s));
    EXPECT_FALSE(session->tick(now + 4s));
}

TEST_F(ClientSessionTest, FollowsTheRemotesMaximumQosAndRetainAvailable) {
    make(Version::kV5);
    mqtt::Properties props;
    props.maximum_qos = 0;
    props.retain_available = 0;
    connect(false, props);
    written();
    session->publish(msg("r", QoS::kAtLeastOnce, /*retain=*/true));
    auto pubs = publishes(written());
    ASSERT_EQ(pubs.size(), 1u);
    EXPECT_EQ(pubs[0].qos, QoS::kAtMostOnce);  // [MQTT-3.2.2-11]
    EXPECT_FALSE(pubs[0].retain);              // [MQTT-3.2.2-14]
    EXPECT_EQ(session->queue().inflight(), 0u);
}

TEST_F(ClientSessionTest, AFullQueueDropsAndCounts) {
    options.max_queue = 2;
    make();
    EXPECT_TRUE(session->publish(msg("1")));
    EXPECT_TRUE(session->publish(msg("2")));
    EXPECT_FALSE(session->publish(msg("3")));
    EXPECT_EQ(events.dropped, 1u);
    EXPECT_EQ(events.drop_reasons.back(), "the bridge's queue is full");
}

TEST_F(ClientSessionTest, ASlowLinkKeepsMessagesQueuedUntilItDrains) {
    make();
    connect();
    written();
    wire.can_write = false;
    session->publish(msg("1"));
    session->publish(msg("2", QoS::kAtMostOnce));
    EXPECT_TRUE(written().empty());
    EXPECT_EQ(session->queue().waiting(), 2u);
    wire.can_write = true;
    session->pump();
    auto pubs = publishes(written());
    ASSERT_EQ(pubs.size(), 2u);
    EXPECT_EQ(pubs[0].topic, "1");
    EXPECT_EQ(pubs[1].topic, "2");
}

TEST_F(ClientSessionTest, AFailedPubackIsADropNotARetry) {
    make(Version::kV5);
    connect();
    written();
    session->publish(msg("denied"));
    auto pub = publishes(written()).at(0);
    ASSERT_TRUE(feed(
        mqtt::PubResponse{PacketType::kPuback, pub.packet_id, ReasonCode::kNotAuthorized, {}}));
    EXPECT_EQ(events.dropped, 1u);
    EXPECT_EQ(session->queue().inflight(), 0u);
}

TEST_F(ClientSessionTest, MessagesThatExpireWhileQueuedAreNotSent) {
    make(Version::kV5);
    auto stale = msg("stale");
    auto m = std::make_shared<broker::Message>(broker::Message{});
    m->topic = "stale";
    m->qos = QoS::kAtLeastOnce;
    mqtt::Properties p;
    p.message_expiry_interval = 1;
    m->props = std::make_unique<mqtt::Properties>(p);
    m->received = Clock::now() - 2s;  // waited past its expiry [MQTT-3.3.2-5]
    stale.msg = m;
    session->publish(std::move(stale));
    session->publish(msg("fresh"));
    connect();
    auto pubs = publishes(written());
    ASSERT_EQ(pubs.size(), 1u);
    EXPECT_EQ(pubs[0].topic, "fresh");
    EXPECT_EQ(events.dropped, 1u);
}

TEST_F(ClientSessionTest, MalformedInputEndsTheLink) {
    make();
    connect();
    written();
    EXPECT_FALSE(session->on_bytes(std::string("\x30\xff\xff\xff\xff\x01", 6)));
    EXPECT_FALSE(session->error().empty());
}

}  // namespace
}  // namespace nmq::bridge
