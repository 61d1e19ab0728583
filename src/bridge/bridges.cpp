#include "bridge/bridges.hpp"

#include <stdexcept>

#include "bridge/bridge.hpp"
#include "broker/broker.hpp"
#include "core/log.hpp"

namespace nmq::bridge {

Bridges::Bridges(broker::Broker& broker, std::vector<boost::asio::io_context*> ios,
                 const config::Bridges& config)
    : broker_(broker) {
    std::uint32_t next = 0;
    for (const auto& b : config.mqtt) {
        if (!b.enable) {
            log::get("bridge")->info("bridge '{}' is disabled", b.name);
            continue;
        }
        std::uint32_t w = next++ % broker.worker_count();
        bridges_.push_back(std::make_shared<Bridge>(broker.worker(w), *ios.at(w), b));
    }
}

Bridges::~Bridges() = default;

void Bridges::set_queue_stores(QueueStores make) {
    queue_stores_ = std::move(make);
    if (!queue_stores_) return;
    for (auto& b : bridges_)
        b->set_queue_store(queue_stores_(b->config().name));
}

void Bridges::start() {
    for (auto& b : bridges_)
        broker_.worker(b->worker_index()).post([b] { b->start(); });
}

void Bridges::stop() {
    for (auto& b : bridges_)
        broker_.worker(b->worker_index()).post([b] { b->stop(); });
}

std::vector<BridgeStatus> Bridges::status() const {
    std::vector<BridgeStatus> out;
    out.reserve(bridges_.size());
    for (const auto& b : bridges_) {
        const auto& c = b->counters();
        BridgeStatus s;
        s.name = b->config().name;
        s.server = b->config().server;
        s.client_id = b->client_id();
        s.connected = c.connected.load(std::memory_order_relaxed);
        s.connects = c.connects.load(std::memory_order_relaxed);
        s.queued = c.queued.load(std::memory_order_relaxed);
        s.inflight = c.inflight.load(std::memory_order_relaxed);
        s.sent = c.sent.load(std::memory_order_relaxed);
        s.resent = c.resent.load(std::memory_order_relaxed);
        s.received = c.received.load(std::memory_order_relaxed);
        s.dropped = c.dropped.load(std::memory_order_relaxed);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace nmq::bridge
