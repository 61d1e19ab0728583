// The SQLite store: what is handed over comes back after reopening, in order; unused
// messages go; a damaged file is moved aside.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "broker/persistence.hpp"
#include "store/sqlite_store.hpp"

namespace nmq::store {
namespace {

using broker::StoredDelivery;
using broker::StoredMessage;
using broker::StoredSession;
using broker::StoredSubscription;

class SqliteStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("nmq_store_" +
                std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
                std::to_string(::getpid()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    SqliteOptions options(Durability d = Durability::kSync) {
        return {(dir_ / "nanomq.db").string(), d, std::chrono::milliseconds(20)};
    }
    std::filesystem::path dir_;
};

broker::MessagePtr message(std::uint64_t id, std::string topic, std::string payload,
                           bool retain = false) {
    auto m = std::make_shared<broker::Message>();
    m->store_id = id;
    m->topic = std::move(topic);
    m->payload = std::move(payload);
    m->qos = mqtt::QoS::kAtLeastOnce;
    m->retain = retain;
    return m;
}

TEST_F(SqliteStoreTest, SessionsSubscriptionsAndDeliveriesComeBack) {
    {
        SqliteStore s(options());
        s.put_session({"c1", "alice", 5, 3600, 0});
        s.put_subscription({"c1", "a/#", 1, 7});
        s.put_subscription({"c1", "b", 2, 0});
        auto id1 = s.next_message_id();
        auto id2 = s.next_message_id();
        auto m1 = message(id1, "a/1", std::string("x\0y", 3));
        auto m2 = message(id2, "a/2", "two");
        s.put_delivery({"c1", id2, 1, StoredDelivery::kQueued, 0}, m2);
        s.put_delivery({"c1", id1, 2, StoredDelivery::kQueued, 0}, m1);
        s.update_delivery({"c1", id1, 2, StoredDelivery::kPubrecReceived, 9});
        s.put_inbound_qos2("c1", 42);
        s.put_session({"c1", "alice", 5, 3600, 1234});
        s.flush();
    }
    SqliteStore s(options());
    auto r = s.restore();
    ASSERT_EQ(r.sessions.size(), 1u);
    EXPECT_EQ(r.sessions[0], (StoredSession{"c1", "alice", 5, 3600, 1234}));
    EXPECT_EQ(r.subscriptions,
              (std::vector<StoredSubscription>{{"c1", "a/#", 1, 7}, {"c1", "b", 2, 0}}));
    ASSERT_EQ(r.deliveries.size(), 2u);
    // In the order they were owed, an update keeping its place.
    EXPECT_EQ(r.deliveries[0].message_id, 2u);
    EXPECT_EQ(r.deliveries[1], (StoredDelivery{"c1", 1, 2, StoredDelivery::kPubrecReceived, 9}));
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[0].payload, std::string("x\0y", 3));
    EXPECT_EQ(r.inbound_qos2.size(), 1u);
    // Ids continue after the highest stored one.
    EXPECT_GT(s.next_message_id(), 2u);
}

TEST_F(SqliteStoreTest, MessagesGoWhenNothingRefersToThem) {
    {
        SqliteStore s(options());
        auto m = message(1, "t", "p");
        s.put_delivery({"c1", 1, 1, StoredDelivery::kQueued, 0}, m);
        s.put_delivery({"c2", 1, 1, StoredDelivery::kQueued, 0}, m);
        s.delete_delivery("c1", 1);
        s.flush();
    }
    {
        SqliteStore s(options());
        EXPECT_EQ(s.restore().messages.size(), 1u);  // c2 still waits for it
        s.delete_delivery("c2", 1);
        s.flush();
    }
    SqliteStore s(options());
    auto r = s.restore();
    EXPECT_TRUE(r.messages.empty());
    EXPECT_TRUE(r.deliveries.empty());
}

TEST_F(SqliteStoreTest, RetainedReplacedAndCleared) {
    {
        SqliteStore s(options(Durability::kInterval));
        s.put_retained(message(1, "r/1", "old", true));
        s.put_retained(message(2, "r/1", "new", true));
        s.put_retained(message(3, "r/2", "other", true));
        s.delete_retained("r/2");
        s.flush();
    }
    SqliteStore s(options());
    auto r = s.restore();
    ASSERT_EQ(r.retained.size(), 1u);
    EXPECT_EQ(r.retained[0].payload, "new");
    EXPECT_TRUE(r.retained[0].retain);
    // The replaced message is gone with its retained entry.
    EXPECT_TRUE(r.messages.empty());
}

TEST_F(SqliteStoreTest, PropertiesAndExpiryRoundTrip) {
    auto m = std::make_shared<broker::Message>();
    m->store_id = 5;
    m->topic = "p";
    m->qos = mqtt::QoS::kExactlyOnce;
    auto props = std::make_unique<mqtt::Properties>();
    props->content_type = "text/plain";
    props->user_properties = {{"k", "v"}};
    props->message_expiry_interval = 100;
    m->props = std::move(props);
    m->received_wall_ms = broker::wall_ms() - 30'000;  // 30 s ago
    {
        SqliteStore s(options());
        s.put_delivery({"c", 5, 2, StoredDelivery::kQueued, 0}, m);
        s.flush();
    }
    SqliteStore s(options());
    auto r = s.restore();
    ASSERT_EQ(r.messages.size(), 1u);
    auto back = broker::from_stored(r.messages[0]);
    ASSERT_TRUE(back);
    ASSERT_TRUE(back->props);
    EXPECT_EQ(back->props->content_type, "text/plain");
    ASSERT_EQ(back->props->user_properties.size(), 1u);
    // [MQTT-3.3.2-6] what is left of the interval: about 70 s.
    auto left = back->props->message_expiry_interval.value_or(0);
    EXPECT_GE(left, 69u);
    EXPECT_LE(left, 71u);
    EXPECT_EQ(back->qos, mqtt::QoS::kExactlyOnce);
    // Expired while stored: not delivered.
    auto gone = r.messages[0];
    gone.expires_at_ms = broker::wall_ms() - 1;
    EXPECT_FALSE(broker::from_stored(gone));
}

TEST_F(SqliteStoreTest, DeletingASessionDropsEverythingItOwned) {
    {
        SqliteStore s(options());
        s.put_session({"c1", "", 4, 0xFFFFFFFF, 0});
        s.put_subscription({"c1", "x", 0, 0});
        s.put_delivery({"c1", 1, 1, StoredDelivery::kSent, 3}, message(1, "x", "p"));
        s.put_inbound_qos2("c1", 5);
        s.delete_session("c1");
        s.flush();
    }
    SqliteStore s(options());
    auto r = s.restore();
    EXPECT_TRUE(r.sessions.empty());
    EXPECT_TRUE(r.subscriptions.empty());
    EXPECT_TRUE(r.deliveries.empty());
    EXPECT_TRUE(r.messages.empty());
    EXPECT_TRUE(r.inbound_qos2.empty());
}

TEST_F(SqliteStoreTest, SyncCallbacksRunAfterTheirRecordsAreWritten) {
    SqliteStore s(options(Durability::kInterval));
    std::atomic<int> done{0};
    for (int i = 0; i < 100; ++i) {
        s.put_session({"c" + std::to_string(i), "", 4, 10, 0});
        s.sync([&] { ++done; });
    }
    s.flush();
    EXPECT_EQ(done.load(), 100);
    EXPECT_EQ(s.backlog(), 0u);
    EXPECT_EQ(s.restore().sessions.size(), 100u);
}

TEST_F(SqliteStoreTest, DamagedFileIsMovedAsideAndTheStoreStartsEmpty) {
    auto path = dir_ / "nanomq.db";
    std::ofstream(path, std::ios::binary) << std::string(8192, 'Z');
    SqliteStore s(options());
    EXPECT_FALSE(s.moved_aside().empty());
    EXPECT_TRUE(std::filesystem::exists(s.moved_aside()));
    EXPECT_NE(s.moved_aside().find("nanomq.db.corrupt-"), std::string::npos);
    EXPECT_TRUE(s.restore().sessions.empty());
    s.put_session({"c", "", 4, 1, 0});
    s.flush();
}

TEST_F(SqliteStoreTest, UnwritableLocationIsAnError) {
    std::ofstream(dir_ / "file") << "x";
    EXPECT_THROW(SqliteStore((SqliteOptions{(dir_ / "file" / "nanomq.db").string()})),
                 std::runtime_error);
}

}  // namespace
}  // namespace nmq::store
