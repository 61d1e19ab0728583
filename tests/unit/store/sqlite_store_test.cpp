// The SQLite store: what is handed over comes back after reopening, in order; unused
// messages go; a damaged file is moved aside.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sqlite3.h>
#include <unistd.h>

#include "broker/persistence.hpp"
#include "store/sqlite_store.hpp"

namespace nmq::store {
namespace {

using broker::StoredDelivery;
using broker::StoredMessage;
using broker::StoredSession;
using broker::StoredSubscription;
using broker::StoredWill;

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

std::vector<std::uint64_t> seqs(const std::vector<StoredBridgeMessage>& rows) {
    std::vector<std::uint64_t> out;
    for (const auto& r : rows)
        out.push_back(r.seq);
    return out;
}

TEST_F(SqliteStoreTest, BridgeQueuesComeBackInSeqOrderWithoutReleasedRows) {
    {
        SqliteStore s(options());
        auto m = message(0, "local/1", std::string("a\0b", 3), true);
        s.put_bridge_message("cloud", 3, message(0, "local/3", "three"), 1, false);
        s.put_bridge_message("cloud", 1, m, 2, true);
        s.put_bridge_message("cloud", 2, message(0, "local/2", "two"), 1, false);
        s.put_bridge_message("other", 1, message(0, "o/1", "elsewhere"), 1, false);
        s.delete_bridge_message("cloud", 2);  // acknowledged by the remote
        s.flush();
    }
    SqliteStore s(options());
    auto rows = s.bridge_queue("cloud");
    ASSERT_EQ(seqs(rows), (std::vector<std::uint64_t>{1, 3}));
    EXPECT_EQ(rows[0].message.topic, "local/1");  // the local topic, not the remote one
    EXPECT_EQ(rows[0].message.payload, std::string("a\0b", 3));
    EXPECT_EQ(rows[0].message.qos, 1);
    EXPECT_TRUE(rows[0].message.retain);
    EXPECT_EQ(rows[0].qos, 2);  // towards the remote
    EXPECT_TRUE(rows[0].retain);
    EXPECT_EQ(rows[1].message.payload, "three");
    EXPECT_FALSE(rows[1].retain);
    // Queues are per bridge name; an unknown bridge owes nothing.
    ASSERT_EQ(s.bridge_queue("other").size(), 1u);
    EXPECT_EQ(s.bridge_queue("other")[0].message.payload, "elsewhere");
    EXPECT_TRUE(s.bridge_queue("nobody").empty());
    // Nothing of the bridges' leaks into what the broker restores.
    auto r = s.restore();
    EXPECT_TRUE(r.messages.empty());
    EXPECT_TRUE(r.deliveries.empty());
}

TEST_F(SqliteStoreTest, BridgeQueueReadSeesEverythingHandedOverBefore) {
    SqliteStore s(options(Durability::kInterval));
    for (std::uint64_t seq = 1; seq <= 50; ++seq)
        s.put_bridge_message("b", seq, message(0, "t", std::to_string(seq)), 1, false);
    for (std::uint64_t seq = 1; seq <= 50; seq += 2)
        s.delete_bridge_message("b", seq);
    // A row written again under the same seq replaces it.
    s.put_bridge_message("b", 50, message(0, "t", "again"), 1, false);
    auto rows = s.bridge_queue("b");  // no flush(): the read waits for the writes
    ASSERT_EQ(rows.size(), 25u);
    EXPECT_EQ(rows.front().seq, 2u);
    EXPECT_EQ(rows.back().seq, 50u);
    EXPECT_EQ(rows.back().message.payload, "again");
}

TEST_F(SqliteStoreTest, BridgeMessagePropertiesAndExpiryRoundTrip) {
    auto m = std::make_shared<broker::Message>();
    m->topic = "p";
    m->payload = "x";
    m->qos = mqtt::QoS::kAtLeastOnce;
    auto props = std::make_unique<mqtt::Properties>();
    props->content_type = "text/plain";
    props->message_expiry_interval = 100;
    m->props = std::move(props);
    m->received_wall_ms = broker::wall_ms() - 40'000;  // 40 s ago
    {
        SqliteStore s(options());
        s.put_bridge_message("b", 1, m, 1, false);
        s.flush();
    }
    SqliteStore s(options());
    auto rows = s.bridge_queue("b");
    ASSERT_EQ(rows.size(), 1u);
    auto back = broker::from_stored(rows[0].message);
    ASSERT_TRUE(back && back->props);
    EXPECT_EQ(back->props->content_type, "text/plain");
    // [MQTT-3.3.2-6] what is left: about 60 s.
    EXPECT_GE(back->props->message_expiry_interval.value_or(0), 59u);
    EXPECT_LE(back->props->message_expiry_interval.value_or(0), 61u);
}

mqtt::Will will(std::string topic, std::string payload) {
    mqtt::Will w;
    w.topic = std::move(topic);
    w.payload = std::move(payload);
    w.qos = mqtt::QoS::kAtLeastOnce;
    w.retain = true;
    return w;
}

TEST_F(SqliteStoreTest, PendingWillsComeBackUntilPublishedCancelledOrTheirSessionEnds) {
    auto w1 = will("will/1", "gone");
    w1.props.will_delay_interval = 30;
    w1.props.content_type = "text/plain";
    w1.props.user_properties = {{"k", "v"}};
    {
        SqliteStore s(options());
        s.put_will("c1", will("will/old", "replaced"), 1000);
        s.put_will("c1", w1, 123456789);  // one per session: the later one counts
        s.put_will("c2", will("will/2", "cancelled"), 5);
        s.delete_will("c2");  // the client came back in time
        s.put_session({"c3", "", 5, 60, 1});
        s.put_will("c3", will("will/3", "x"), 7);
        s.delete_session("c3");  // its session ended: the will goes with it
        s.flush();
    }
    SqliteStore s(options());
    auto r = s.restore();
    ASSERT_EQ(r.wills.size(), 1u);
    const StoredWill& got = r.wills[0];
    EXPECT_EQ(got.client_id, "c1");
    EXPECT_EQ(got.due_at_ms, 123456789);
    auto back = broker::will_from_stored(got.message);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, w1);  // Will Properties included
}

// The schema before bridge queues and wills were kept (the first persistence release).
constexpr const char* kFirstSchema = R"(
CREATE TABLE sessions(
    client_id TEXT PRIMARY KEY, username TEXT NOT NULL, version INTEGER NOT NULL,
    expiry INTEGER NOT NULL, disconnected_at INTEGER NOT NULL);
CREATE TABLE subscriptions(
    client_id TEXT NOT NULL, filter TEXT NOT NULL, options INTEGER NOT NULL,
    sub_id INTEGER NOT NULL, PRIMARY KEY(client_id, filter));
CREATE TABLE messages(
    id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL,
    retain INTEGER NOT NULL, props BLOB NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE deliveries(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, message_id INTEGER NOT NULL,
    qos INTEGER NOT NULL, state INTEGER NOT NULL, packet_id INTEGER NOT NULL,
    UNIQUE(client_id, message_id));
CREATE INDEX deliveries_by_message ON deliveries(message_id);
CREATE TABLE retained(topic TEXT PRIMARY KEY, message_id INTEGER NOT NULL);
CREATE TABLE inbound_qos2(
    client_id TEXT NOT NULL, packet_id INTEGER NOT NULL, PRIMARY KEY(client_id, packet_id));
PRAGMA journal_mode = WAL;
INSERT INTO sessions VALUES('old', 'u', 4, 4294967295, 1000);
INSERT INTO subscriptions VALUES('old', 'a/#', 1, 0);
INSERT INTO messages VALUES(7, 'a/1', 'kept', 1, 0, '', 0);
INSERT INTO deliveries(client_id, message_id, qos, state, packet_id) VALUES('old', 7, 1, 0, 0);
)";

TEST_F(SqliteStoreTest, DatabaseWithoutTheNewTablesIsUpgradedInPlace) {
    auto path = dir_ / "nanomq.db";
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, kFirstSchema, nullptr, nullptr, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db);
        sqlite3_close(db);
    }
    {
        SqliteStore s(options());
        EXPECT_TRUE(s.moved_aside().empty());  // upgraded, not taken for damaged
        auto r = s.restore();
        ASSERT_EQ(r.sessions.size(), 1u);
        EXPECT_EQ(r.sessions[0].client_id, "old");
        ASSERT_EQ(r.deliveries.size(), 1u);
        ASSERT_EQ(r.messages.size(), 1u);
        EXPECT_EQ(r.messages[0].payload, "kept");
        EXPECT_TRUE(r.wills.empty());
        EXPECT_TRUE(s.bridge_queue("b").empty());
        EXPECT_GT(s.next_message_id(), 7u);
        s.put_bridge_message("b", 1, message(0, "t", "new"), 1, false);
        s.put_will("old", will("w", "x"), 42);
        s.flush();
    }
    SqliteStore s(options());
    EXPECT_EQ(s.bridge_queue("b").size(), 1u);
    auto r = s.restore();
    EXPECT_EQ(r.wills.size(), 1u);
    EXPECT_EQ(r.sessions.size(), 1u);
    EXPECT_EQ(r.subscriptions.size(), 1u);
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
