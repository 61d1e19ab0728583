#pragma once
// Bridges: every configured bridge to a remote broker, each on one of the broker's workers
// (spread round-robin), started and stopped with the server. The management API reads their
// state through status(); Asio stays out of this header.
//
// THREADING WARNING: start(), stop() and status() may be called from any thread; each bridge
// runs on its own worker (Bridge), and status() reads only atomics.
#include <cstdint>
#include <functional>
#include <memory>
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
    std::vector<BridgeStatus> status() const;
    std::size_t size() const noexcept { return bridges_.size(); }

  private:
    broker::Broker& broker_;
    std::vector<std::shared_ptr<Bridge>> bridges_;
    QueueStores queue_stores_;
};

}  // namespace nmq::bridge
