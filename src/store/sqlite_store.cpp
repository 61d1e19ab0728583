#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include <ctime>
#include <filesystem>
#include <future>
#include <set>
#include <stdexcept>

#include "broker/persistence.hpp"
#include "core/log.hpp"

namespace nmq::store {
namespace {

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("store");
    return l;
}

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS sessions(
    client_id TEXT PRIMARY KEY, username TEXT NOT NULL, version INTEGER NOT NULL,
    expiry INTEGER NOT NULL, disconnected_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions(
    client_id TEXT NOT NULL, filter TEXT NOT NULL, options INTEGER NOT NULL,
    sub_id INTEGER NOT NULL, PRIMARY KEY(client_id, filter));
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL,
    retain INTEGER NOT NULL, props BLOB NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, message_id INTEGER NOT NULL,
    qos INTEGER NOT NULL, state INTEGER NOT NULL, packet_id INTEGER NOT NULL,
    UNIQUE(client_id, message_id));
CREATE INDEX IF NOT EXISTS deliveries_by_message ON deliveries(message_id);
CREATE TABLE IF NOT EXISTS retained(topic TEXT PRIMARY KEY, message_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS inbound_qos2(
    client_id TEXT NOT NULL, packet_id INTEGER NOT NULL, PRIMARY KEY(client_id, packet_id));
CREATE TABLE IF NOT EXISTS wills(
    client_id TEXT PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL,
    retain INTEGER NOT NULL, props BLOB NOT NULL, due_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bridge_queue(
    bridge TEXT NOT NULL, seq INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,
    qos INTEGER NOT NULL, retain INTEGER NOT NULL, props BLOB NOT NULL,
    expires_at INTEGER NOT NULL, out_qos INTEGER NOT NULL, out_retain INTEGER NOT NULL,
    PRIMARY KEY(bridge, seq));
)";

std::string now_stamp() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
    return buf;
}

class Stmt {
  public:
    Stmt(sqlite3* db, const char* sql) {
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("SQLite: ") + sqlite3_errmsg(db) + " in " + sql);
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& text(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& blob(int i, std::string_view v) {
        sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& num(int i, std::int64_t v) {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    // Runs a statement that returns no rows; false on error.
    bool run() {
        int rc = sqlite3_step(s_);
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
        return rc == SQLITE_DONE;
    }
    bool step() { return sqlite3_step(s_) == SQLITE_ROW; }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    std::int64_t col_num(int i) { return sqlite3_column_int64(s_, i); }
    std::string col_text(int i) {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(s_, i));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
                 : std::string();
    }

  private:
    sqlite3_stmt* s_ = nullptr;
};

bool exec(sqlite3* db, const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK) return true;
    logger()->error("SQLite: {} ({})", error ? error : "error", sql);
    sqlite3_free(error);
    return false;
}

}  // namespace

struct SqliteStore::Statements {
    explicit Statements(sqlite3* db)
        : put_session(db,
                      "INSERT OR REPLACE INTO sessions(client_id, username, version, expiry, "
                      "disconnected_at) VALUES(?1, ?2, ?3, ?4, ?5)"),
          delete_session(db, "DELETE FROM sessions WHERE client_id = ?1"),
          delete_session_subs(db, "DELETE FROM subscriptions WHERE client_id = ?1"),
          delete_session_deliveries(db, "DELETE FROM deliveries WHERE client_id = ?1"),
          delete_session_qos2(db, "DELETE FROM inbound_qos2 WHERE client_id = ?1"),
          put_subscription(db,
                           "INSERT OR REPLACE INTO subscriptions(client_id, filter, options, "
                           "sub_id) VALUES(?1, ?2, ?3, ?4)"),
          delete_subscription(db, "DELETE FROM subscriptions WHERE client_id = ?1 AND filter = ?2"),
          put_message(db,
                      "INSERT OR IGNORE INTO messages(id, topic, payload, qos, retain, props, "
                      "expires_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
          put_delivery(db,
                       "INSERT INTO deliveries(client_id, message_id, qos, state, packet_id) "
                       "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(client_id, message_id) DO UPDATE "
                       "SET qos = excluded.qos, state = excluded.state, "
                       "packet_id = excluded.packet_id"),
          delete_delivery(db, "DELETE FROM deliveries WHERE client_id = ?1 AND message_id = ?2"),
          retained_of(db, "SELECT message_id FROM retained WHERE topic = ?1"),
          put_retained(db, "INSERT OR REPLACE INTO retained(topic, message_id) VALUES(?1, ?2)"),
          delete_retained(db, "DELETE FROM retained WHERE topic = ?1"),
          put_qos2(db, "INSERT OR IGNORE INTO inbound_qos2(client_id, packet_id) VALUES(?1, ?2)"),
          delete_qos2(db, "DELETE FROM inbound_qos2 WHERE client_id = ?1 AND packet_id = ?2"),
          drop_if_unused(db,
                         "DELETE FROM messages WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM "
                         "deliveries WHERE message_id = ?1) AND NOT EXISTS (SELECT 1 FROM "
                         "retained WHERE message_id = ?1)"),
          drop_all_unused(db,
                          "DELETE FROM messages WHERE NOT EXISTS (SELECT 1 FROM deliveries "
                          "WHERE message_id = messages.id) AND NOT EXISTS (SELECT 1 FROM "
                          "retained WHERE message_id = messages.id)"),
          put_will(db,
                   "INSERT OR REPLACE INTO wills(client_id, topic, payload, qos, retain, props, "
                   "due_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
          delete_will(db, "DELETE FROM wills WHERE client_id = ?1"),
          put_bridge(db,
                     "INSERT OR REPLACE INTO bridge_queue(bridge, seq, topic, payload, qos, "
                     "retain, props, expires_at, out_qos, out_retain) VALUES(?1, ?2, ?3, ?4, ?5, "
                     "?6, ?7, ?8, ?9, ?10)"),
          delete_bridge(db, "DELETE FROM bridge_queue WHERE bridge = ?1 AND seq = ?2") {}

    Stmt put_session, delete_session, delete_session_subs, delete_session_deliveries,
        delete_session_qos2, put_subscription, delete_subscription, put_message, put_delivery,
        delete_delivery, retained_of, put_retained, delete_retained, put_qos2, delete_qos2,
        drop_if_unused, drop_all_unused, put_will, delete_will, put_bridge, delete_bridge;
};

SqliteStore::SqliteStore(SqliteOptions options) : options_(std::move(options)) {
    open_database();
    {
        Stmt max(db_, "SELECT COALESCE(MAX(id), 0) FROM messages");
        if (max.step()) next_id_ = static_cast<std::uint64_t>(max.col_num(0)) + 1;
    }
    thread_ = std::thread([this] { run(); });
}

SqliteStore::~SqliteStore() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    st_.reset();
    if (db_) sqlite3_close_v2(db_);
}

void SqliteStore::open_database() {
    const auto& path = options_.path;
    if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
    }
    auto try_open = [&]() -> std::string {
        if (db_) sqlite3_close_v2(db_);
        db_ = nullptr;
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK) {
            std::string e = db_ ? sqlite3_errmsg(db_) : "cannot open";
            return e;
        }
        sqlite3_busy_timeout(db_, 5000);
        // An unreadable file shows itself at the first read: check the whole thing now.
        Stmt check(db_, "PRAGMA quick_check");
        if (!check.step()) return sqlite3_errmsg(db_);
        std::string verdict = check.col_text(0);
        check.reset();
        if (verdict != "ok") return "integrity check: " + verdict;
        if (!exec(db_, "PRAGMA journal_mode = WAL")) return sqlite3_errmsg(db_);
        if (!exec(db_, options_.durability == Durability::kSync ? "PRAGMA synchronous = FULL"
                                                                : "PRAGMA synchronous = NORMAL"))
            return sqlite3_errmsg(db_);
        if (!exec(db_, kSchema)) return sqlite3_errmsg(db_);
        return "";
    };
    std::string error;
    try {
        error = try_open();
    } catch (const std::exception& e) {
        error = e.what();
    }
    if (!error.empty()) {
        if (db_) sqlite3_close_v2(db_);
        db_ = nullptr;
        if (!std::filesystem::exists(path))
            throw std::runtime_error("cannot create the database " + path + ": " + error);
        // Moved aside, never deleted: somebody may want to look at it.
        moved_aside_ = path + ".corrupt-" + now_stamp();
        std::error_code ec;
        std::filesystem::rename(path, moved_aside_, ec);
        if (ec)
            throw std::runtime_error("cannot move the damaged database " + path +
                                     " aside: " + ec.message());
        for (const char* suffix : {"-wal", "-shm"}) {
            std::filesystem::rename(path + suffix, moved_aside_ + suffix, ec);
        }
        logger()->error("database {} is damaged ({}); moved aside to {}, starting empty", path,
                        error, moved_aside_);
        error = try_open();
        if (!error.empty())
            throw std::runtime_error("cannot create the database " + path + ": " + error);
    }
    st_ = std::make_unique<Statements>(db_);
}

void SqliteStore::push(Op op) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(op));
    }
    backlog_.fetch_add(1, std::memory_order_relaxed);
    wake_.notify_one();
}

void SqliteStore::put_session(const broker::StoredSession& s) {
    push(s);
}
void SqliteStore::delete_session(std::string_view id) {
    push(DeleteSession{std::string(id)});
}
void SqliteStore::put_subscription(const broker::StoredSubscription& s) {
    push(s);
}
void SqliteStore::delete_subscription(std::string_view id, std::string_view filter) {
    push(DeleteSubscription{std::string(id), std::string(filter)});
}
void SqliteStore::put_delivery(const broker::StoredDelivery& d, broker::MessagePtr msg) {
    push(PutDelivery{d, std::move(msg)});
}
void SqliteStore::update_delivery(const broker::StoredDelivery& d) {
    push(d);
}
void SqliteStore::delete_delivery(std::string_view id, std::uint64_t message_id) {
    push(DeleteDelivery{std::string(id), message_id});
}
void SqliteStore::put_retained(broker::MessagePtr msg) {
    push(PutRetained{std::move(msg)});
}
void SqliteStore::delete_retained(std::string_view topic) {
    push(DeleteRetained{std::string(topic)});
}
void SqliteStore::put_inbound_qos2(std::string_view id, std::uint16_t pid) {
    push(Qos2{std::string(id), pid, true});
}
void SqliteStore::delete_inbound_qos2(std::string_view id, std::uint16_t pid) {
    push(Qos2{std::string(id), pid, false});
}
void SqliteStore::put_will(std::string_view id, const mqtt::Will& will, std::int64_t due_at_ms) {
    push(PutWill{std::string(id), will, due_at_ms});
}
void SqliteStore::delete_will(std::string_view id) {
    push(DeleteWill{std::string(id)});
}
void SqliteStore::sync(std::function<void()> done) {
    push(Sync{std::move(done)});
}
void SqliteStore::put_bridge_message(std::string_view bridge, std::uint64_t seq,
                                     broker::MessagePtr msg, std::uint8_t qos, bool retain) {
    push(PutBridgeMessage{std::string(bridge), seq, std::move(msg), qos, retain});
}
void SqliteStore::delete_bridge_message(std::string_view bridge, std::uint64_t seq) {
    push(DeleteBridgeMessage{std::string(bridge), seq});
}

std::vector<StoredBridgeMessage> SqliteStore::bridge_queue(std::string_view bridge) {
    // Read on the store's thread, after everything queued before is committed: the
    // connection is never used by two threads, and the rows are the latest.
    std::promise<std::vector<StoredBridgeMessage>> rows;
    auto got = rows.get_future();
    sync([this, &rows, name = std::string(bridge)] { rows.set_value(read_bridge_queue(name)); });
    return got.get();
}

std::vector<StoredBridgeMessage> SqliteStore::read_bridge_queue(const std::string& bridge) {
    std::vector<StoredBridgeMessage> out;
    Stmt q(db_,
           "SELECT seq, topic, payload, qos, retain, props, expires_at, out_qos, out_retain FROM "
           "bridge_queue WHERE bridge = ?1 ORDER BY seq");
    q.text(1, bridge);
    while (q.step()) {
        StoredBridgeMessage m;
        m.seq = static_cast<std::uint64_t>(q.col_num(0));
        m.message.topic = q.col_text(1);
        m.message.payload = q.col_text(2);
        m.message.qos = static_cast<std::uint8_t>(q.col_num(3));
        m.message.retain = q.col_num(4) != 0;
        m.message.properties = q.col_text(5);
        m.message.expires_at_ms = q.col_num(6);
        m.qos = static_cast<std::uint8_t>(q.col_num(7));
        m.retain = q.col_num(8) != 0;
        out.push_back(std::move(m));
    }
    return out;
}

void SqliteStore::flush() {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    sync([&] {
        std::lock_guard lock(m);
        done = true;
        cv.notify_one();
    });
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
}

void SqliteStore::run() {
    std::vector<Op> batch;
    const bool interval = options_.durability == Durability::kInterval;
    // Interval durability: every batch is committed at once without fsync (a broker crash
    // loses nothing acknowledged), and the disk is synced by a WAL checkpoint at most
    // options_.interval after the first commit since the last one (a power cut loses at most
    // that much).
    bool unsynced = false;
    auto last_sync = std::chrono::steady_clock::now();
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            auto ready = [&] { return stopping_ || !queue_.empty() || !batch.empty(); };
            if (interval && unsynced) {
                wake_.wait_until(lock, last_sync + options_.interval, ready);
            } else {
                wake_.wait(lock, ready);
            }
            for (auto& op : queue_)
                batch.push_back(std::move(op));
            queue_.clear();
        }
        if (interval && unsynced &&
            (stopping() || std::chrono::steady_clock::now() >= last_sync + options_.interval)) {
            if (!exec(db_, "PRAGMA wal_checkpoint(PASSIVE)"))
                logger()->warn("sync to disk failed: {}", sqlite3_errmsg(db_));
            unsynced = false;
            last_sync = std::chrono::steady_clock::now();
        }
        if (batch.empty()) {
            if (stopping()) return;
            continue;
        }
        if (!write(batch)) {
            // Kept, with its acknowledgements, and tried again: nothing is confirmed that is
            // not written.
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping_; });
            if (stopping_) {
                logger()->error("stopping with {} records that could not be written", batch.size());
                return;
            }
            continue;
        }
        if (interval && !unsynced) {
            unsynced = true;
            last_sync = std::chrono::steady_clock::now();  // the interval starts now
        }
        backlog_.fetch_sub(batch.size(), std::memory_order_relaxed);
        for (auto& op : batch) {
            if (auto* s = std::get_if<Sync>(&op)) s->done();
        }
        batch.clear();
    }
}

bool SqliteStore::stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
}

bool SqliteStore::put_message(const broker::Message& msg) {
    auto m = broker::to_stored(msg);
    return st_->put_message.num(1, static_cast<std::int64_t>(m.id))
        .text(2, m.topic)
        .blob(3, m.payload)
        .num(4, m.qos)
        .num(5, m.retain)
        .blob(6, m.properties)
        .num(7, m.expires_at_ms)
        .run();
}

bool SqliteStore::put_delivery(const broker::StoredDelivery& d) {
    return st_->put_delivery.text(1, d.client_id)
        .num(2, static_cast<std::int64_t>(d.message_id))
        .num(3, d.qos)
        .num(4, d.state)
        .num(5, d.packet_id)
        .run();
}

bool SqliteStore::write_will(const PutWill& w) {
    auto m = broker::will_to_stored(w.will);
    return st_->put_will.text(1, w.client_id)
        .text(2, m.topic)
        .blob(3, m.payload)
        .num(4, m.qos)
        .num(5, m.retain)
        .blob(6, m.properties)
        .num(7, w.due_at_ms)
        .run();
}

bool SqliteStore::write_bridge_message(const PutBridgeMessage& b) {
    auto m = broker::to_stored(*b.message);
    return st_->put_bridge.text(1, b.bridge)
        .num(2, static_cast<std::int64_t>(b.seq))
        .text(3, m.topic)
        .blob(4, m.payload)
        .num(5, m.qos)
        .num(6, m.retain)
        .blob(7, m.properties)
        .num(8, m.expires_at_ms)
        .num(9, b.qos)
        .num(10, b.retain)
        .run();
}

bool SqliteStore::write(std::vector<Op>& batch) {
    if (!exec(db_, "BEGIN IMMEDIATE")) return false;
    auto& s = *st_;
    bool ok = true;
    bool sweep = false;
    std::set<std::int64_t> maybe_unused;
    for (auto& op : batch) {
        if (!ok) break;
        if (auto* x = std::get_if<broker::StoredSession>(&op)) {
            ok = s.put_session.text(1, x->client_id)
                     .text(2, x->username)
                     .num(3, x->version)
                     .num(4, x->expiry_interval)
                     .num(5, x->disconnected_at_ms)
                     .run();
        } else if (auto* x = std::get_if<DeleteSession>(&op)) {
            ok = s.delete_session.text(1, x->client_id).run() &&
                 s.delete_session_subs.text(1, x->client_id).run() &&
                 s.delete_session_deliveries.text(1, x->client_id).run() &&
                 s.delete_session_qos2.text(1, x->client_id).run() &&
                 s.delete_will.text(1, x->client_id).run();
            sweep = true;
        } else if (auto* x = std::get_if<broker::StoredSubscription>(&op)) {
            ok = s.put_subscription.text(1, x->client_id)
                     .text(2, x->filter)
                     .num(3, x->options)
                     .num(4, x->subscription_id)
                     .run();
        } else if (auto* x = std::get_if<DeleteSubscription>(&op)) {
            ok = s.delete_subscription.text(1, x->client_id).text(2, x->filter).run();
        } else if (auto* x = std::get_if<PutDelivery>(&op)) {
            ok = put_message(*x->message) && put_delivery(x->delivery);
        } else if (auto* x = std::get_if<broker::StoredDelivery>(&op)) {
            ok = put_delivery(*x);
        } else if (auto* x = std::get_if<DeleteDelivery>(&op)) {
            ok = s.delete_delivery.text(1, x->client_id)
                     .num(2, static_cast<std::int64_t>(x->message_id))
                     .run();
            maybe_unused.insert(static_cast<std::int64_t>(x->message_id));
        } else if (auto* x = std::get_if<PutRetained>(&op);
                   x || std::holds_alternative<DeleteRetained>(op)) {
            const std::string& topic = x ? x->message->topic : std::get<DeleteRetained>(op).topic;
            s.retained_of.text(1, topic);
            if (s.retained_of.step()) maybe_unused.insert(s.retained_of.col_num(0));
            s.retained_of.reset();
            if (x) {
                const auto& m = *x->message;
                ok = put_message(m) && s.put_retained.text(1, m.topic)
                                           .num(2, static_cast<std::int64_t>(m.store_id))
                                           .run();
            } else {
                ok = s.delete_retained.text(1, topic).run();
            }
        } else if (auto* x = std::get_if<Qos2>(&op)) {
            ok = x->put ? s.put_qos2.text(1, x->client_id).num(2, x->packet_id).run()
                        : s.delete_qos2.text(1, x->client_id).num(2, x->packet_id).run();
        } else if (auto* x = std::get_if<PutWill>(&op)) {
            ok = write_will(*x);
        } else if (auto* x = std::get_if<DeleteWill>(&op)) {
            ok = s.delete_will.text(1, x->client_id).run();
        } else if (auto* x = std::get_if<PutBridgeMessage>(&op)) {
            ok = write_bridge_message(*x);
        } else if (auto* x = std::get_if<DeleteBridgeMessage>(&op)) {
            ok = s.delete_bridge.text(1, x->bridge).num(2, static_cast<std::int64_t>(x->seq)).run();
        }
    }
    if (ok && sweep) ok = s.drop_all_unused.run();
    for (auto id : maybe_unused) {
        if (!ok) break;
        ok = s.drop_if_unused.num(1, id).run();
    }
    if (ok && exec(db_, "COMMIT")) return true;
    logger()->error("writing {} records failed: {}; retrying", batch.size(), sqlite3_errmsg(db_));
    exec(db_, "ROLLBACK");
    return false;
}

broker::Restored SqliteStore::restore() {
    flush();  // everything handed over so far is in the database
    broker::Restored r;
    // The writer thread is idle after flush() and nothing else is queued during start-up;
    // reads share the connection.
    std::lock_guard lock(mutex_);
    {
        Stmt q(db_, "SELECT client_id, username, version, expiry, disconnected_at FROM sessions");
        while (q.step())
            r.sessions.push_back({q.col_text(0), q.col_text(1),
                                  static_cast<std::uint8_t>(q.col_num(2)),
                                  static_cast<std::uint32_t>(q.col_num(3)), q.col_num(4)});
    }
    {
        Stmt q(db_, "SELECT client_id, filter, options, sub_id FROM subscriptions ORDER BY rowid");
        while (q.step())
            r.subscriptions.push_back({q.col_text(0), q.col_text(1),
                                       static_cast<std::uint8_t>(q.col_num(2)),
                                       static_cast<std::uint32_t>(q.col_num(3))});
    }
    auto read_message = [](Stmt& q, int from) {
        broker::StoredMessage m;
        m.id = static_cast<std::uint64_t>(q.col_num(from));
        m.topic = q.col_text(from + 1);
        m.payload = q.col_text(from + 2);
        m.qos = static_cast<std::uint8_t>(q.col_num(from + 3));
        m.retain = q.col_num(from + 4) != 0;
        m.properties = q.col_text(from + 5);
        m.expires_at_ms = q.col_num(from + 6);
        return m;
    };
    {
        Stmt q(db_,
               "SELECT id, topic, payload, qos, retain, props, expires_at FROM messages WHERE id "
               "IN (SELECT message_id FROM deliveries) ORDER BY id");
        while (q.step())
            r.messages.push_back(read_message(q, 0));
    }
    {
        Stmt q(db_,
               "SELECT client_id, message_id, qos, state, packet_id FROM deliveries ORDER BY seq");
        while (q.step())
            r.deliveries.push_back({q.col_text(0), static_cast<std::uint64_t>(q.col_num(1)),
                                    static_cast<std::uint8_t>(q.col_num(2)),
                                    static_cast<broker::StoredDelivery::State>(q.col_num(3)),
                                    static_cast<std::uint16_t>(q.col_num(4))});
    }
    {
        Stmt q(db_,
               "SELECT m.id, m.topic, m.payload, m.qos, m.retain, m.props, m.expires_at FROM "
               "retained r JOIN messages m ON m.id = r.message_id ORDER BY r.topic");
        while (q.step())
            r.retained.push_back(read_message(q, 0));
    }
    {
        Stmt q(db_, "SELECT client_id, packet_id FROM inbound_qos2");
        while (q.step())
            r.inbound_qos2.emplace_back(q.col_text(0), static_cast<std::uint16_t>(q.col_num(1)));
    }
    {
        Stmt q(db_, "SELECT client_id, topic, payload, qos, retain, props, due_at FROM wills");
        while (q.step()) {
            broker::StoredWill w;
            w.client_id = q.col_text(0);
            w.message.topic = q.col_text(1);
            w.message.payload = q.col_text(2);
            w.message.qos = static_cast<std::uint8_t>(q.col_num(3));
            w.message.retain = q.col_num(4) != 0;
            w.message.properties = q.col_text(5);
            w.due_at_ms = q.col_num(6);
            r.wills.push_back(std::move(w));
        }
    }
    return r;
}

}  // namespace nmq::store
