#pragma once
// Bridge: one connection to a remote MQTT broker, living on one broker worker.
//
// Up: the bridge subscribes to its forwards' filters inside the broker as a Sink (no network
// session), so local messages reach it through the same routing as any subscriber; it
// rewrites their topics and hands them to its ClientSession, which sends them or keeps them
// (ordered, bounded, until acknowledged). Down: messages from the remote get their local topic
// and are published on the bridge's worker exactly as a local PUBLISH would be, marked
// from_bridge so that no bridge sends them back up.
//
// The link is reconnected with exponential backoff and jitter (1s doubling to backoff_max);
// every connection subscribes again and drains the queue as soon as CONNACK arrives.
//
// THREADING WARNING: everything runs on the worker the bridge was created for, except
// counters(), whose fields are atomics readable from any thread.
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bridge/client_session.hpp"
#include "bridge/link.hpp"
#include "bridge/topic_map.hpp"
#include "broker/sink.hpp"
#include "config/bridges.hpp"

namespace nmq::broker {
class Worker;
}

namespace nmq::bridge {

// The bridge's state for the log, $SYS and the management API: written by the bridge's
// worker with relaxed stores, read by anyone.
struct BridgeCounters {
    std::atomic<bool> connected{false};
    std::atomic<std::uint64_t> connects{0};  // CONNACKs accepted
    std::atomic<std::uint64_t> queued{0};    // waiting now (link down or window full)
    std::atomic<std::uint64_t> inflight{0};  // sent, not yet acknowledged, now
    std::atomic<std::uint64_t> sent{0};      // PUBLISHes sent up for the first time
    std::atomic<std::uint64_t> resent{0};    // repeated after a reconnect
    std::atomic<std::uint64_t> received{0};  // PUBLISHes from the remote, published here
    std::atomic<std::uint64_t> dropped{0};   // given up (queue full, QoS 0 offline, refused)
};

class Bridge final : public broker::Sink,
                     public ClientSession::Events,
                     public Link::Handler,
                     public std::enable_shared_from_this<Bridge> {
  public:
    // Builds the topic maps and the link factory; throws std::runtime_error when they cannot
    // be made (a TLS file that cannot be read).
    Bridge(broker::Worker& worker, boost::asio::io_context& io, config::Bridge config);
    ~Bridge() override;

    // Persistence of what the bridge owes its remote; call before start(). The messages
    // `store` kept (from before a restart, or from an earlier bridge of the same name) are
    // queued first, their remote topics recomputed from the current forwards (one that no
    // longer maps is dropped and logged).
    void set_queue_store(std::unique_ptr<QueueStore> store);

    // On the worker's thread: subscribe the forwards, connect.
    void start();
    // On the worker's thread: DISCONNECT, close, unsubscribe. No reconnect after it.
    void stop();
    // On the worker's thread, after stop(): what this bridge still owes its remote, in order,
    // for the bridge that replaces it (live reconfiguration).
    std::vector<Outbound> take_owed();
    // On the worker's thread, before start(), instead of set_queue_store(): messages a
    // predecessor of the same name still owed (take_owed), queued ahead of anything new with
    // their remote topics mapped by this bridge's forwards (a message no forward maps any more
    // is dropped, counted and released), kept in `store` (may be null) under the rows the
    // predecessor wrote: nothing is deleted and written again, nothing read back. Its counters
    // carry on from the predecessor's.
    void adopt(std::vector<Outbound> owed, const BridgeCounters& before,
               std::unique_ptr<QueueStore> store);

    const config::Bridge& config() const noexcept { return config_; }
    const BridgeCounters& counters() const noexcept { return counters_; }
    const std::string& client_id() const noexcept { return client_id_; }
    std::uint32_t worker_index() const noexcept;

    // broker::Sink: a local message matched a forward.
    void deliver(broker::Outgoing&& out) override;

    // Link::Handler
    void on_link_up() override;
    void on_link_data(std::string_view data) override;
    void on_link_drained() override;
    void on_link_down(const std::string& why) override;

    // ClientSession::Events
    void on_connected(bool session_present, std::size_t resent, std::size_t requeued) override;
    void on_refused(ReasonCode reason, const std::string& reason_string) override;
    void on_subscribed(std::size_t index, ReasonCode granted) override;
    void on_message(mqtt::Publish&& p) override;
    void on_dropped(std::size_t count, std::string_view topic, const char* why) override;

  private:
    struct Io;
    class LinkWire;

    void connect();
    void lost(const std::string& why);
    void schedule_reconnect();
    void schedule_tick();
    void on_tick();
    void update_counters();
    void log_state(Clock::time_point now);
    ClientOptions client_options() const;

    broker::Worker& worker_;
    config::Bridge config_;
    config::BridgeServer server_;
    std::string where_;  // "host:port" for the log
    std::string client_id_;
    std::vector<TopicMap> forwards_;
    std::vector<TopicMap> subscriptions_;
    std::unique_ptr<Io> io_;
    std::unique_ptr<LinkFactory> links_;
    std::shared_ptr<Link> link_;
    std::unique_ptr<LinkWire> wire_;
    std::unique_ptr<QueueStore> queue_store_;  // before session_, which uses it
    std::unique_ptr<ClientSession> session_;
    broker::SessionId sink_id_ = 0;
    BridgeCounters counters_;
    std::mt19937 rng_;
    std::uint32_t attempts_ = 0;  // failed connections in a row, for the backoff
    Clock::time_point connected_at_{};
    Clock::time_point link_opened_at_{};
    bool link_up_ = false;
    bool refused_ = false;  // the last attempt ended with a refusing CONNACK (logged)
    bool stopped_ = true;
    bool congested_ = false;  // told the broker (Broker::bridge_congestion)
    // The remote's last sign of life: bytes from it, or a backlog of ours it has taken.
    Clock::time_point last_progress_{};
    std::uint64_t backlog_at_connect_ = 0;  // queued when CONNACK came, to log the drain
    std::uint64_t sent_before_ = 0;         // counted by a predecessor (adopt)
    std::uint64_t resent_before_ = 0;
    // The state line of the log: written every minute when something moved.
    Clock::time_point state_logged_at_{};
    std::uint64_t state_logged_sum_ = 0;
    // Drops are logged at most every few seconds, with how many there were.
    std::uint64_t drops_unlogged_ = 0;
    Clock::time_point drop_logged_at_{};
};

}  // namespace nmq::bridge
