// A bridge's queue on the SQLite store, through the same OutboundQueue the bridge uses: what
// it accepted and the remote did not acknowledge comes back after a restart, in order, ahead
// of anything new, and new seqs continue above the stored ones.
#include "app/bridge_queue_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "broker/persistence.hpp"

namespace nmq::app {
namespace {

using bridge::Outbound;
using bridge::OutboundQueue;
using mqtt::QoS;

class SqliteBridgeQueueTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("nmq_bridge_queue_" +
                std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
                std::to_string(::getpid()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    store::SqliteOptions options() {
        return {(dir_ / "nanomq.db").string(), store::Durability::kSync,
                std::chrono::milliseconds(20)};
    }
    std::filesystem::path dir_;
};

Outbound outbound(const std::string& topic, QoS qos = QoS::kAtLeastOnce) {
    auto m = std::make_shared<broker::Message>();
    m->topic = topic;
    m->payload = "payload of " + topic;
    m->qos = qos;
    Outbound o;
    o.msg = std::move(m);
    o.topic = "remote/" + topic;
    o.qos = qos;
    return o;
}

// What the bridge does when it loads: the remote topic again from the local one.
bool adopt(Outbound& o) {
    o.topic = "remote/" + o.msg->topic;
    return true;
}

std::vector<std::string> drain(OutboundQueue& q) {
    std::vector<std::string> out;
    while (q.has_waiting())
        out.push_back(q.pop().topic);
    return out;
}

TEST_F(SqliteBridgeQueueTest, UnacknowledgedMessagesComeBackFirstInOrder) {
    {
        store::SqliteStore db(options());
        SqliteBridgeQueue store(db, "cloud");
        OutboundQueue q(100, 1 << 20, &store);
        for (auto t : {"a", "b", "c", "d"})
            ASSERT_TRUE(q.push(outbound(t)));
        ASSERT_TRUE(q.push(outbound("zero", QoS::kAtMostOnce)));  // never stored
        q.sent(1, q.pop());                                       // a: in flight, not acknowledged
        q.sent(2, q.pop());                                       // b: acknowledged below
        ASSERT_TRUE(q.complete(2, false));
        // A message sent at once, without waiting in the line, is stored when it goes out.
        q.sent(3, outbound("e"));
        db.flush();
    }  // the broker dies: nothing is released on the way out
    store::SqliteStore db(options());
    SqliteBridgeQueue store(db, "cloud");
    OutboundQueue q(100, 1 << 20);
    EXPECT_EQ(q.attach_store(&store, adopt), 4u);
    auto fresh = outbound("new");
    ASSERT_TRUE(q.push(std::move(fresh)));
    EXPECT_EQ(drain(q), (std::vector<std::string>{"remote/a", "remote/c", "remote/d", "remote/e",
                                                  "remote/new"}));
}

TEST_F(SqliteBridgeQueueTest, SeqsContinueAboveTheStoredOnesAcrossRestarts) {
    std::uint64_t last_before = 0;
    {
        store::SqliteStore db(options());
        SqliteBridgeQueue store(db, "cloud");
        OutboundQueue q(100, 1 << 20, &store);
        for (int i = 0; i < 5; ++i)
            ASSERT_TRUE(q.push(outbound("m" + std::to_string(i))));
        // The first three are acknowledged: the highest seqs are what is left.
        for (std::uint16_t id = 1; id <= 3; ++id) {
            q.sent(id, q.pop());
            ASSERT_TRUE(q.complete(id, false));
        }
        db.flush();
        last_before = 5;
    }
    for (int restart = 0; restart < 2; ++restart) {
        store::SqliteStore db(options());
        SqliteBridgeQueue store(db, "cloud");
        OutboundQueue q(100, 1 << 20);
        q.attach_store(&store, adopt);
        auto m = outbound("after-restart-" + std::to_string(restart));
        ASSERT_TRUE(q.push(std::move(m)));
        db.flush();
        auto rows = db.bridge_queue("cloud");
        ASSERT_FALSE(rows.empty());
        // The new row did not overwrite an old one: it went above the highest stored seq.
        EXPECT_GT(rows.back().seq, last_before);
        EXPECT_EQ(rows.back().message.topic, "after-restart-" + std::to_string(restart));
        EXPECT_EQ(rows.size(), 3u + restart);
        last_before = rows.back().seq;
    }
    store::SqliteStore db(options());
    SqliteBridgeQueue store(db, "cloud");
    OutboundQueue q(100, 1 << 20);
    q.attach_store(&store, adopt);
    EXPECT_EQ(drain(q),
              (std::vector<std::string>{"remote/m3", "remote/m4", "remote/after-restart-0",
                                        "remote/after-restart-1"}));
}

TEST_F(SqliteBridgeQueueTest, BridgesOfOtherNamesAndDroppedOrExpiredMessagesStayOut) {
    {
        store::SqliteStore db(options());
        SqliteBridgeQueue cloud(db, "cloud");
        SqliteBridgeQueue edge(db, "edge");
        OutboundQueue qc(100, 1 << 20, &cloud);
        OutboundQueue qe(100, 1 << 20, &edge);
        ASSERT_TRUE(qc.push(outbound("keep")));
        ASSERT_TRUE(qc.push(outbound("unmapped")));
        auto expiring = outbound("expired");
        auto m = std::make_shared<broker::Message>();
        m->topic = "expired";
        m->qos = QoS::kAtLeastOnce;
        auto props = std::make_unique<mqtt::Properties>();
        props->message_expiry_interval = 1;
        m->props = std::move(props);
        m->received_wall_ms = broker::wall_ms() - 5'000;  // ran out while the broker was down
        expiring.msg = std::move(m);
        ASSERT_TRUE(qc.push(std::move(expiring)));
        ASSERT_TRUE(qe.push(outbound("edge-only")));
        db.flush();
    }
    {
        store::SqliteStore db(options());
        SqliteBridgeQueue store(db, "cloud");
        OutboundQueue q(100, 1 << 20);
        // The forward for "unmapped" is gone from the configuration.
        auto kept = q.attach_store(&store, [](Outbound& o) {
            if (o.msg->topic == "unmapped") return false;
            return adopt(o);
        });
        EXPECT_EQ(kept, 1u);
        EXPECT_EQ(drain(q), (std::vector<std::string>{"remote/keep"}));
        db.flush();
    }
    // Dropped and expired rows were released, not just skipped.
    store::SqliteStore db(options());
    auto rows = db.bridge_queue("cloud");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].message.topic, "keep");
    EXPECT_EQ(db.bridge_queue("edge").size(), 1u);
}

}  // namespace
}  // namespace nmq::app
