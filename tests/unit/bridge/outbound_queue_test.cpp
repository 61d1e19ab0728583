// The queue of what a bridge owes its remote: order, bounds, flows in flight, what happens to
// them when the remote keeps or loses our session, and the persistence hooks.
#include "bridge/outbound_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace nmq::bridge {
namespace {

using mqtt::QoS;

Outbound msg(std::string topic, QoS qos = QoS::kAtLeastOnce, std::string payload = "p") {
    auto m = std::make_shared<broker::Message>();
    m->topic = topic;
    m->payload = std::move(payload);
    m->qos = qos;
    Outbound o;
    o.msg = std::move(m);
    o.topic = std::move(topic);
    o.qos = qos;
    return o;
}

TEST(OutboundQueue, KeepsArrivalOrder) {
    OutboundQueue q(10, 1 << 20);
    for (int i = 0; i < 5; ++i) {
        auto m = msg("t/" + std::to_string(i));
        ASSERT_TRUE(q.push(std::move(m)));
    }
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(q.has_waiting());
        EXPECT_EQ(q.pop().topic, "t/" + std::to_string(i));
    }
    EXPECT_FALSE(q.has_waiting());
}

TEST(OutboundQueue, IsBoundedInMessagesAndBytesAndLeavesARefusedMessageAlone) {
    OutboundQueue by_count(2, 1 << 20);
    auto a = msg("a"), b = msg("b"), c = msg("c");
    EXPECT_TRUE(by_count.push(std::move(a)));
    EXPECT_TRUE(by_count.push(std::move(b)));
    EXPECT_FALSE(by_count.push(std::move(c)));
    EXPECT_EQ(c.topic, "c");  // still the caller's, to count as dropped
    ASSERT_NE(c.msg, nullptr);
    EXPECT_EQ(by_count.waiting(), 2u);

    OutboundQueue by_bytes(100, 10);                   // topic + payload bytes
    auto d = msg("t", QoS::kAtLeastOnce, "12345678");  // 9 bytes
    auto e = msg("t", QoS::kAtLeastOnce, "12");        // 3 more: over 10
    EXPECT_TRUE(by_bytes.push(std::move(d)));
    EXPECT_EQ(by_bytes.waiting_bytes(), 9u);
    EXPECT_FALSE(by_bytes.push(std::move(e)));
    by_bytes.pop();
    EXPECT_EQ(by_bytes.waiting_bytes(), 0u);
}

TEST(OutboundQueue, FlowsEndOnlyWithTheRightAcknowledgement) {
    OutboundQueue q(10, 1 << 20);
    q.sent(1, msg("q1", QoS::kAtLeastOnce));
    q.sent(2, msg("q2", QoS::kExactlyOnce));
    EXPECT_EQ(q.inflight(), 2u);
    EXPECT_FALSE(q.complete(1, /*pubcomp=*/true));   // QoS 1 ends with PUBACK
    EXPECT_FALSE(q.complete(2, /*pubcomp=*/false));  // QoS 2 does not end with PUBACK
    EXPECT_FALSE(q.complete(2, /*pubcomp=*/true));   // ...nor with PUBCOMP before PUBREC
    EXPECT_FALSE(q.received(1));                     // no PUBREC for QoS 1
    EXPECT_TRUE(q.complete(1, false));
    EXPECT_TRUE(q.received(2));
    EXPECT_TRUE(q.received(2));  // a repeated PUBREC is answered again
    EXPECT_TRUE(q.complete(2, true));
    EXPECT_FALSE(q.complete(2, true));  // stray PUBCOMP
    EXPECT_EQ(q.inflight(), 0u);
    EXPECT_FALSE(q.complete(99, false));
}

TEST(OutboundQueue, ResendsInTheOrderFirstSentWhateverTheIds) {
    OutboundQueue q(10, 1 << 20);
    for (const char* t : {"first", "second", "third"}) {
        auto m = msg(t, QoS::kExactlyOnce);
        ASSERT_TRUE(q.push(std::move(m)));
    }
    q.sent(500, q.pop());
    q.sent(7, q.pop());
    q.sent(65535, q.pop());
    ASSERT_TRUE(q.received(7));  // now waits for PUBCOMP: only PUBREL is resent
    auto order = q.inflight_in_order();
    ASSERT_EQ(order.size(), 3u);
    EXPECT_EQ(order[0].id, 500);
    EXPECT_EQ(order[0].m->topic, "first");
    EXPECT_EQ(order[1].id, 7);
    EXPECT_EQ(order[1].flow, OutboundQueue::Flow::kAwaitPubcomp);
    EXPECT_EQ(order[2].id, 65535);
}

TEST(OutboundQueue, WhenTheRemoteLostOurSessionUnackedMessagesGoFirstAgain) {
    OutboundQueue q(10, 1 << 20);
    for (const char* t : {"a", "b", "c", "d"}) {
        auto m = msg(t, std::string(t) == "b" ? QoS::kExactlyOnce : QoS::kAtLeastOnce);
        ASSERT_TRUE(q.push(std::move(m)));
    }
    q.sent(3, q.pop());          // a
    q.sent(1, q.pop());          // b (QoS 2)
    q.sent(2, q.pop());          // c
    ASSERT_TRUE(q.received(1));  // b reached the remote: it must not be delivered twice
    auto ids = q.requeue_inflight();
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(q.inflight(), 0u);
    ASSERT_EQ(q.waiting(), 3u);
    EXPECT_EQ(q.pop().topic, "a");
    EXPECT_EQ(q.pop().topic, "c");
    EXPECT_EQ(q.pop().topic, "d");
}

TEST(OutboundQueue, RefusedFlowsAreOverAndReturned) {
    OutboundQueue q(10, 1 << 20);
    q.sent(4, msg("nope"));
    auto m = q.refused(4);
    EXPECT_EQ(m.topic, "nope");
    EXPECT_FALSE(q.in_flight(4));
}

TEST(OutboundQueue, LinkDownDropsOnlyQos0) {
    OutboundQueue q(10, 1 << 20);
    for (auto qos : {QoS::kAtMostOnce, QoS::kAtLeastOnce, QoS::kAtMostOnce, QoS::kExactlyOnce}) {
        auto m = msg("t", qos);
        ASSERT_TRUE(q.push(std::move(m)));
    }
    EXPECT_EQ(q.drop_qos0(), 2u);
    EXPECT_EQ(q.waiting(), 2u);
    EXPECT_EQ(q.pop().qos, QoS::kAtLeastOnce);
    EXPECT_EQ(q.pop().qos, QoS::kExactlyOnce);
    EXPECT_EQ(q.waiting_bytes(), 0u);
}

// What persistence (issue 7) sees: QoS 1/2 messages stored when accepted and released when
// acknowledged, refused or finished; what it still holds comes back first, in order.
class RecordingStore : public QueueStore {
  public:
    std::vector<std::uint64_t> stored_seqs;
    std::vector<std::uint64_t> released_seqs;
    std::vector<Outbound> saved;
    void stored(const Outbound& m) override { stored_seqs.push_back(m.seq); }
    void released(std::uint64_t seq) override { released_seqs.push_back(seq); }
    std::vector<Outbound> load() override { return saved; }
};

TEST(OutboundQueue, TakeAllHandsOverEverythingOwedInOrderWithItsRowsKept) {
    RecordingStore store;
    OutboundQueue q(10, 1 << 20, &store);
    for (const char* t : {"a", "b", "c", "d"}) {
        auto m = msg(t, std::string(t) == "b" ? QoS::kExactlyOnce : QoS::kAtLeastOnce);
        ASSERT_TRUE(q.push(std::move(m)));
    }
    q.sent(7, q.pop());          // a
    q.sent(8, q.pop());          // b (QoS 2)
    ASSERT_TRUE(q.received(8));  // the remote has b: only PUBREL was left
    auto owed = q.take_all();
    ASSERT_EQ(owed.size(), 3u);
    EXPECT_EQ(owed[0].topic, "a");
    EXPECT_TRUE(owed[0].again);  // sent once already: a repeat for the successor
    EXPECT_EQ(owed[1].topic, "c");
    EXPECT_EQ(owed[2].topic, "d");
    EXPECT_EQ(q.waiting(), 0u);
    EXPECT_EQ(q.inflight(), 0u);
    EXPECT_EQ(q.waiting_bytes(), 0u);
    // Only b's flow is over; the others keep their rows, under their seqs.
    EXPECT_EQ(store.released_seqs, (std::vector<std::uint64_t>{2}));
    EXPECT_EQ((std::vector<std::uint64_t>{owed[0].seq, owed[1].seq, owed[2].seq}),
              (std::vector<std::uint64_t>{1, 3, 4}));
    // The successor takes them over as they are: nothing stored again, new seqs above them.
    const auto stored_before = store.stored_seqs.size();
    OutboundQueue next(2, 1 << 20);  // bounds do not apply to what was already accepted
    next.use_store(&store);
    for (auto& m : owed)
        next.push_adopted(std::move(m));
    EXPECT_EQ(next.waiting(), 3u);
    EXPECT_EQ(store.stored_seqs.size(), stored_before);
    EXPECT_EQ(next.pop().seq, 1u);
    EXPECT_EQ(next.pop().seq, 3u);
    ASSERT_TRUE(next.push(msg("e")));
    EXPECT_EQ(store.stored_seqs.back(), 5u);
}

TEST(OutboundQueue, TellsItsStoreWhatItOwesAndWhatIsDone) {
    RecordingStore store;
    auto old = msg("from-before-restart");
    old.seq = 41;
    store.saved.push_back(old);
    OutboundQueue q(10, 1 << 20, &store);
    EXPECT_EQ(q.waiting(), 1u);
    auto a = msg("a", QoS::kAtLeastOnce), z = msg("zero", QoS::kAtMostOnce);
    ASSERT_TRUE(q.push(std::move(a)));
    ASSERT_TRUE(q.push(std::move(z)));
    EXPECT_EQ(store.stored_seqs, (std::vector<std::uint64_t>{42}));  // not QoS 0
    auto first = q.pop();
    EXPECT_EQ(first.topic, "from-before-restart");
    q.sent(1, std::move(first));
    q.sent(2, q.pop());
    EXPECT_TRUE(q.complete(2, false));
    EXPECT_TRUE(q.complete(1, false));
    EXPECT_EQ(store.released_seqs, (std::vector<std::uint64_t>{42, 41}));
}

TEST(OutboundQueue, AttachedStoreGoesFirstAndSeqsContinueAboveEveryStoredOne) {
    RecordingStore store;
    for (std::uint64_t seq : {5, 7, 9}) {
        auto m = msg("old/" + std::to_string(seq));
        m.seq = seq;
        store.saved.push_back(m);
    }
    OutboundQueue q(10, 1 << 20);
    // The adopter gives each its remote topic and refuses the one it can no longer map.
    auto kept = q.attach_store(&store, [](Outbound& o) {
        if (o.topic == "old/9") return false;
        o.topic = "remote/" + o.topic;
        return true;
    });
    EXPECT_EQ(kept, 2u);
    EXPECT_EQ(store.released_seqs, (std::vector<std::uint64_t>{9}));
    auto fresh = msg("new");
    ASSERT_TRUE(q.push(std::move(fresh)));
    // Above the dropped 9 too: its row may not be gone yet when the new one is written.
    EXPECT_EQ(store.stored_seqs, (std::vector<std::uint64_t>{10}));
    EXPECT_EQ(q.pop().topic, "remote/old/5");
    EXPECT_EQ(q.pop().topic, "remote/old/7");
    EXPECT_EQ(q.pop().topic, "new");
}

}  // namespace
}  // namespace nmq::bridge
