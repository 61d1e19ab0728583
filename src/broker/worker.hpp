#pragma once
// Worker: the broker state that belongs to one I/O thread: the sessions whose client ids hash
// to it, their connected clients, and the hand-over of deliveries to and from other workers.
//
// THREADING WARNING: everything here is touched only by the worker's own thread, except
// enqueue_remote(), which other workers call; it is guarded by inbox_mutex_.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker/message.hpp"
#include "broker/session.hpp"
#include "broker/sink.hpp"
#include "broker/stats.hpp"
#include "broker/subscription_trie.hpp"
#include "config/config.hpp"
#include "core/string_hash.hpp"

namespace nmq::broker {

class Broker;
class Client;

// A message for a session on some worker.
struct Delivery {
    SessionId session = 0;
    Outgoing out;
};

class Worker {
  public:
    using Post = std::function<void(std::function<void()>)>;

    Worker(Broker& broker, std::uint32_t index, Post post);
    ~Worker();

    Broker& broker;
    const std::uint32_t index;
    WorkerCounters counters;

    // The live configuration as this worker sees it: a copy of its own, replaced on reload by
    // a post to this worker, so readers on the hot path take no lock.
    const config::Config& config() const noexcept { return config_; }
    void set_config(config::Config c) { config_ = std::move(c); }

    // Routes an application message that entered the broker on this worker: retained store,
    // subscription match, delivery to every matching session. Returns the number of sessions
    // it was delivered to (for 5.0's "No matching subscribers").
    std::size_t publish(MessagePtr msg, bool count_in = true);

    // Publishes the session's will now and forgets it [MQTT-3.1.2-8].
    void publish_will(Session& s);

    // Sessions of this worker.
    Session* find_session(std::string_view client_id);
    Session& create_session(const std::string& client_id);
    // Removes the session, its subscriptions and messages. Its client must be detached.
    void destroy_session(Session& s);
    // A client disconnected from `s`: start its expiry (or destroy it now).
    void session_offline(Session& s);

    void client_attached(Client& c) { clients_.insert(&c); }
    void client_detached(Client& c) { clients_.erase(&c); }

    // Subscriptions of a session of this worker: applied to this worker's trie replica at once
    // and posted to every other worker's. subscribe() returns whether the subscription existed.
    bool subscribe(Session& s, const std::string& filter, const SubscriptionEntry& e);
    bool unsubscribe(Session& s, const std::string& filter);
    // Runs `done` on this worker once every change posted so far has reached every replica
    // (at once when there is one worker). SUBACK and UNSUBACK wait for it, so that a client
    // that has its SUBACK gets every message published afterwards, on any worker.
    void after_subscriptions_settle(std::function<void()> done);
    // Persistence on: runs `done` on this worker once every record handed to the store before
    // (by any worker, for the messages routed so far) is durable. Acknowledgements of QoS 1/2
    // PUBLISHes wait for this, so none is sent for a message a crash would lose. Calls made
    // in one turn of the loop share one round.
    void after_stored(std::function<void()> done);
    // Persistence on and the store more than kStoreBacklogLimit records behind, or a connected
    // bridge falling behind its remote (Broker::bridge_congestion): connections pause reading
    // until it catches up (back-pressure instead of an unbounded backlog or dropped messages).
    bool congested() const noexcept;
    static constexpr std::size_t kStoreBacklogLimit = 20000;
    Session* find_session_by_id(SessionId id) {
        auto it = sessions_.find(id);
        return it == sessions_.end() ? nullptr : it->second.get();
    }

    // Internal subscribers (bridges), on this worker's thread. add_sink() gives the id the
    // sink subscribes under (a session id, never reused); remove_sink() drops its
    // subscriptions too. The sink must outlive its registration.
    SessionId add_sink(Sink& sink);
    void remove_sink(SessionId id);
    void subscribe_sink(SessionId id, const std::string& filter,
                        const mqtt::SubscribeOptions& options);

    // Called by other workers: deliveries for sessions of this worker (moved out of `batch`).
    void enqueue_remote(std::vector<Delivery>& batch);

    // Server shutdown: every client gets DISCONNECT "Server shutting down" (5.0) and is closed.
    void shutdown_clients();

    // Periodic housekeeping (keep-alive, will delay, session expiry), a few times a second.
    void tick(Clock::time_point now);

    // Posts `fn` to run on this worker's thread.
    void post(std::function<void()> fn) { post_(std::move(fn)); }

    // Snapshot helpers for the API (run on this worker's thread).
    template <class F>
    void for_each_session(F&& f) const {
        for (auto& [id, s] : sessions_)
            f(*s);
    }
    std::size_t connection_count() const noexcept { return clients_.size(); }

  private:
    void deliver_local(Delivery& d);
    // Applies `change` to every other worker's trie replica, in posting order.
    void replicate(std::function<void(SubscriptionTrie&)> change);
    void flush_outboxes();
    void drain_inbox();

    Post post_;
    config::Config config_;
    std::unordered_map<SessionId, std::unique_ptr<Session>> sessions_;
    // Keyed by a view of the session's own client_id (no second copy of the string).
    std::unordered_map<std::string_view, Session*, StringHash> by_client_id_;
    std::unordered_set<Client*> clients_;
    std::unordered_set<Session*> offline_timed_;  // offline sessions with an expiry or a will due
    struct SinkEntry {
        Sink* sink;
        std::vector<std::string> filters;
    };
    std::unordered_map<SessionId, SinkEntry> sinks_;

    std::vector<std::function<void()>> stored_waiters_;  // see after_stored
    bool stored_round_posted_ = false;
    void start_stored_round();

    std::vector<std::vector<Delivery>> outboxes_;  // per destination worker
    bool flush_posted_ = false;
    std::vector<Subscriber> matches_;  // reused by publish()

    std::mutex inbox_mutex_;
    std::vector<Delivery> inbox_;
    std::vector<Delivery> inbox_work_;
};

}  // namespace nmq::broker
