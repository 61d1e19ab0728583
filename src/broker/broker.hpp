#pragma once
// Broker: owns everything one MQTT broker needs, so several can run in one process (tests):
// the workers' broker state, the subscription trie, the retained store and the configuration.
// No process globals.
//
// THREADING WARNING: every worker has its own replica of the subscription trie, touched only by
// that worker's thread, so the publish path takes no lock; Worker applies each change to every
// replica (see Worker::subscribe). The retained store is shared, behind a shared_mutex.
// Workers are touched only by their own thread (see worker.hpp). The configuration is read-only
// after construction.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string_view>
#include <vector>

#include "broker/retained_store.hpp"
#include "broker/snapshot.hpp"
#include "broker/stats.hpp"
#include "broker/store.hpp"
#include "broker/subscription_trie.hpp"
#include "broker/worker.hpp"
#include "config/config.hpp"

namespace nmq::broker {

class Broker {
  public:
    // One Post per worker: runs a function on that worker's thread.
    Broker(const config::Config& config, std::vector<Worker::Post> posts);
    ~Broker();

    // The configuration the broker started with. Live values are per worker (Worker::config),
    // replaced by reconfigure().
    const config::Config& config() const noexcept { return config_; }
    // Hands a new configuration to every worker (each takes it on its own thread).
    void reconfigure(const config::Config& config);
    std::uint32_t worker_count() const noexcept {
        return static_cast<std::uint32_t>(workers_.size());
    }
    Worker& worker(std::uint32_t i) { return *workers_[i]; }

    // The worker that owns the session of `client_id`.
    std::uint32_t home_of(std::string_view client_id) const noexcept;
    SessionId next_session_id() noexcept { return next_session_id_.fetch_add(1) + 1; }

    // The subscription trie replica of worker `w`: only that worker's thread may touch it.
    SubscriptionTrie& trie(std::uint32_t w) { return *tries_[w]; }

    // The shared retained store, with its lock taken inside.
    void retain(const MessagePtr& msg);
    void find_retained(std::string_view filter, std::vector<MessagePtr>& out) const;

    // Counters summed over the workers (monotonic, read without stopping anyone).
    Stats counters() const;

    // Gathers a snapshot from every worker, each on its own thread, and calls `done` with it
    // on one of the worker threads. Safe to call from any thread.
    void snapshot(std::function<void(BrokerSnapshot)> done);

    // Persistence, or null when it is off.
    Store* store() const noexcept { return store_; }
    // Start-up, before the workers run: reads back sessions, subscriptions, owed messages and
    // retained messages, then keeps `store` for everything that follows (it must outlive the
    // broker's workers). Returns how many sessions came back.
    std::size_t restore(Store& store);

    // Publishes a broker-generated message ($SYS events); not counted as message_in.
    void publish_sys(std::uint32_t worker, std::string topic, std::string payload);

    // A bridge whose remote is connected but takes messages more slowly than they arrive
    // says so (true), and again when it has caught up (false): connections then pause
    // reading (Worker::congested), so publishers slow to what the remote takes instead of the
    // bridge's queue overflowing. Safe to call from any thread.
    void bridge_congestion(bool congested) noexcept {
        congested_bridges_.fetch_add(congested ? 1 : -1, std::memory_order_relaxed);
    }
    bool bridges_congested() const noexcept {
        return congested_bridges_.load(std::memory_order_relaxed) > 0;
    }

  private:
    std::atomic<int> congested_bridges_{0};
    config::Config config_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<SessionId> next_session_id_{0};

    std::vector<std::unique_ptr<SubscriptionTrie>> tries_;  // one replica per worker
    mutable std::shared_mutex retained_mutex_;
    RetainedStore retained_;
    Store* store_ = nullptr;
};

}  // namespace nmq::broker
