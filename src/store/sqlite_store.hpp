#pragma once
// SqliteStore: broker::Store on an embedded SQLite database in WAL mode. Records handed over by
// the workers are queued under a short lock and written by one thread of its own, in one
// transaction per batch; sync() callbacks run once their batch is committed. A write that
// fails (a full disk) is retried and its sync() callbacks wait: the broker acknowledges
// nothing that is not stored.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "broker/store.hpp"

struct sqlite3;

namespace nmq::store {

enum class Durability {
    kSync,      // every commit is fsynced before its acknowledgements go out
    kInterval,  // commits every `interval`; safe from a broker crash, not from a power cut
};

// One message a bridge owes its remote broker (see bridge_queue_store.hpp), as stored.
struct StoredBridgeMessage {
    std::uint64_t seq = 0;          // the bridge's order
    broker::StoredMessage message;  // the local message, with its local topic; id unused
    std::uint8_t qos = 1;           // towards the remote
    bool retain = false;            // towards the remote
    bool operator==(const StoredBridgeMessage&) const = default;
};

struct SqliteOptions {
    std::string path;  // the database file
    Durability durability = Durability::kSync;
    std::chrono::milliseconds interval{100};  // kInterval: time between commits
};

class SqliteStore final : public broker::Store {
  public:
    // Opens (or creates) the database. A file that is not a database or fails its integrity
    // check is renamed to "<path>.corrupt-<time>" and a new one is made; `moved_aside` tells.
    // Throws std::runtime_error when no database can be opened at all.
    explicit SqliteStore(SqliteOptions options);
    ~SqliteStore() override;

    const std::string& moved_aside() const { return moved_aside_; }

    std::uint64_t next_message_id() override { return next_id_.fetch_add(1); }
    void put_session(const broker::StoredSession& s) override;
    void delete_session(std::string_view client_id) override;
    void put_subscription(const broker::StoredSubscription& s) override;
    void delete_subscription(std::string_view client_id, std::string_view filter) override;
    void put_delivery(const broker::StoredDelivery& d, broker::MessagePtr msg) override;
    void update_delivery(const broker::StoredDelivery& d) override;
    void delete_delivery(std::string_view client_id, std::uint64_t message_id) override;
    void put_retained(broker::MessagePtr msg) override;
    void delete_retained(std::string_view topic) override;
    void put_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) override;
    void delete_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) override;
    void put_will(std::string_view client_id, const mqtt::Will& will,
                  std::int64_t due_at_ms) override;
    void delete_will(std::string_view client_id) override;
    void sync(std::function<void()> done) override;
    std::size_t backlog() const override { return backlog_.load(std::memory_order_relaxed); }
    broker::Restored restore() override;

    // Writes everything handed over so far and waits for it (tests, shutdown).
    void flush();

    // Bridge queues, one per bridge name: a QoS 1/2 message a bridge accepted for its remote
    // (by seq, replacing a row with the same seq), and its release. Cheap, like every write.
    void put_bridge_message(std::string_view bridge, std::uint64_t seq, broker::MessagePtr msg,
                            std::uint8_t qos, bool retain);
    void delete_bridge_message(std::string_view bridge, std::uint64_t seq);
    // What `bridge` still owes, in seq order, with everything handed over before this call
    // written. Blocks the caller until the store's thread has read it (start-up, or a bridge
    // being made again); never call it from a sync() callback.
    std::vector<StoredBridgeMessage> bridge_queue(std::string_view bridge);

  private:
    struct DeleteSession {
        std::string client_id;
    };
    struct DeleteSubscription {
        std::string client_id, filter;
    };
    struct PutDelivery {
        broker::StoredDelivery delivery;
        broker::MessagePtr message;
    };
    struct DeleteDelivery {
        std::string client_id;
        std::uint64_t message_id;
    };
    struct PutRetained {
        broker::MessagePtr message;
    };
    struct DeleteRetained {
        std::string topic;
    };
    struct Qos2 {
        std::string client_id;
        std::uint16_t packet_id;
        bool put;
    };
    struct PutWill {
        std::string client_id;
        mqtt::Will will;
        std::int64_t due_at_ms;
    };
    struct DeleteWill {
        std::string client_id;
    };
    struct PutBridgeMessage {
        std::string bridge;
        std::uint64_t seq;
        broker::MessagePtr message;
        std::uint8_t qos;
        bool retain;
    };
    struct DeleteBridgeMessage {
        std::string bridge;
        std::uint64_t seq;
    };
    struct Sync {
        std::function<void()> done;
    };
    using Op = std::variant<broker::StoredSession, DeleteSession, broker::StoredSubscription,
                            DeleteSubscription, PutDelivery, broker::StoredDelivery, DeleteDelivery,
                            PutRetained, DeleteRetained, Qos2, PutWill, DeleteWill,
                            PutBridgeMessage, DeleteBridgeMessage, Sync>;

    void push(Op op);
    void run();
    bool stopping();                     // under the lock
    bool write(std::vector<Op>& batch);  // one transaction; false: rolled back
    bool put_message(const broker::Message& msg);
    bool put_delivery(const broker::StoredDelivery& d);
    bool write_will(const PutWill& w);
    bool write_bridge_message(const PutBridgeMessage& m);
    std::vector<StoredBridgeMessage> read_bridge_queue(const std::string& bridge);
    void open_database();

    SqliteOptions options_;
    std::string moved_aside_;
    sqlite3* db_ = nullptr;
    struct Statements;
    std::unique_ptr<Statements> st_;
    std::atomic<std::uint64_t> next_id_{1};
    std::atomic<std::size_t> backlog_{0};

    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Op> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace nmq::store
