#pragma once
// Bridges: every configured bridge to a remote broker, each on one of the broker's workers
// (spread round-robin), started and stopped with the server. The management API reads their
// state through status(); Asio stays out of this header.
//
// THREADING WARNING: start(), stop(), reconfigure() and status() may be called from any
// thread; the list of bridges is guarded by a mutex, each bridge runs on its own worker
// (Bridge), and status() reads only atomics.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/bridges.hpp"

namespace boost::asio {
class io_context;
}

namespace nmq::broker {
class Broker;
}

namespace nmq::bridge {

class Bridge;
class QueueStore;

// One bridge as the log, $SYS and the management API show it.
struct BridgeStatus {
    std::string name;
    std::string server;
    std::string client_id;
    bool connected = false;
    std::uint64_t connects = 0;
    std::uint64_t queued = 0;
    std::uint64_t inflight = 0;
    std::uint64_t sent = 0;
    std::uint64_t resent = 0;
    std::uint64_t received = 0;
    std::uint64_t dropped = 0;
};

class Bridges {
  public:
    // One bridge per enabled bridges.mqtt entry; `ios[w]` is the io_context of worker w.
    // Throws std::runtime_error when a bridge cannot be set up (a TLS file that cannot be
    // read), so that start-up fails loudly.
    Bridges(broker::Broker& broker, std::vector<boost::asio::io_context*> ios,
            const config::Bridges& config);
    ~Bridges();
    Bridges(const Bridges&) = delete;
    Bridges& operator=(const Bridges&) = delete;

    // Where each bridge keeps what it owes its remote across restarts, by bridge name, so
    // that a bridge made again under the same name finds the same messages. Call before
    // start(); without it the queues live in memory only.
    using QueueStores = std::function<std::unique_ptr<QueueStore>(const std::string& name)>;
    void set_queue_stores(QueueStores make);

    void start();
    // Each bridge sends DISCONNECT and closes on its worker (posted: give the workers a
    // moment before stopping them).
    void stop();
    // Applies a new configuration live (SIGHUP, `nanomq reload`, the API's req 12): a bridge
    // whose settings did not change keeps its connection; a changed one disconnects and
    // connects again with its new settings, keeping every message it still owes the remote
    // (in order); a removed or disabled one stops; a new one starts. Every new bridge is set
    // up before anything changes: when one cannot be (a TLS file that cannot be read), this
    // throws std::runtime_error and the running bridges are left as they were.
    void reconfigure(const config::Bridges& config);
    std::vector<BridgeStatus> status() const;
    std::size_t size() const;

  private:
    std::shared_ptr<Bridge> make(const config::Bridge& config, std::uint32_t worker);

    broker::Broker& broker_;
    std::vector<boost::asio::io_context*> ios_;
    mutable std::mutex mutex_;  // guards everything below
    std::vector<std::shared_ptr<Bridge>> bridges_;
    bool started_ = false;
    std::uint32_t next_worker_ = 0;               // round-robin placement of new bridges
    std::map<std::string, std::uint32_t> homes_;  // bridge name -> the worker it runs on
    QueueStores queue_stores_;
};

}  // namespace nmq::bridge
