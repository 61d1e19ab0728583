#include "bridge/bridges.hpp"

#include <algorithm>
#include <stdexcept>

#include "bridge/bridge.hpp"
#include "broker/broker.hpp"
#include "core/log.hpp"

namespace nmq::bridge {

Bridges::Bridges(broker::Broker& broker, std::vector<boost::asio::io_context*> ios,
                 const config::Bridges& config)
    : broker_(broker), ios_(std::move(ios)) {
    for (const auto& b : config.mqtt) {
        if (!b.enable) {
            log::get("bridge")->info("bridge '{}' is disabled", b.name);
            continue;
        }
        bridges_.push_back(make(b, next_worker_++ % broker.worker_count()));
        homes_[b.name] = bridges_.back()->worker_index();
    }
}

Bridges::~Bridges() = default;

std::shared_ptr<Bridge> Bridges::make(const config::Bridge& config, std::uint32_t worker) {
    return std::make_shared<Bridge>(broker_.worker(worker), *ios_.at(worker), config);
}

void Bridges::set_queue_stores(QueueStores make) {
    std::lock_guard lock(mutex_);
    queue_stores_ = std::move(make);
    if (!queue_stores_) return;
    for (auto& b : bridges_)
        b->set_queue_store(queue_stores_(b->config().name));
}

void Bridges::start() {
    std::lock_guard lock(mutex_);
    started_ = true;
    for (auto& b : bridges_)
        broker_.worker(b->worker_index()).post([b] { b->start(); });
}

void Bridges::stop() {
    std::lock_guard lock(mutex_);
    started_ = false;
    for (auto& b : bridges_)
        broker_.worker(b->worker_index()).post([b] { b->stop(); });
}

void Bridges::reconfigure(const config::Bridges& config) {
    auto log = log::get("bridge");
    std::lock_guard lock(mutex_);
    // A replacement runs on its predecessor's worker, so that one posted step stops the one,
    // hands its messages over and starts the other.
    struct Step {
        std::shared_ptr<Bridge> old;
        std::shared_ptr<Bridge> next;
    };
    std::vector<Step> steps;
    std::vector<std::shared_ptr<Bridge>> next_list;
    std::vector<std::shared_ptr<Bridge>> left = bridges_;
    std::uint32_t next_worker = next_worker_;
    for (const auto& b : config.mqtt) {
        if (!b.enable) continue;
        auto it = std::find_if(left.begin(), left.end(),
                               [&](const auto& x) { return x->config().name == b.name; });
        std::shared_ptr<Bridge> old;
        if (it != left.end()) {
            old = std::move(*it);
            left.erase(it);
        }
        if (old && old->config() == b) {
            next_list.push_back(std::move(old));
            continue;
        }
        // A name always runs on the same worker, so a bridge put back after its removal runs
        // after the removal's step there, never beside it.
        std::uint32_t w;
        if (old) {
            w = old->worker_index();
        } else if (auto home = homes_.find(b.name); home != homes_.end()) {
            w = home->second;
        } else {
            w = next_worker++ % broker_.worker_count();
        }
        auto fresh = make(b, w);  // throws: nothing has changed yet
        next_list.push_back(fresh);
        steps.push_back({std::move(old), std::move(fresh)});
    }
    for (auto& gone : left)
        steps.push_back({std::move(gone), nullptr});

    next_worker_ = next_worker;
    bridges_ = std::move(next_list);
    for (const auto& b : bridges_)
        homes_[b->config().name] = b->worker_index();
    const bool started = started_;
    for (auto& step : steps) {
        if (step.old && step.next)
            log->info("bridge '{}': settings changed; reconnecting with the new ones",
                      step.next->config().name);
        else if (step.old)
            log->info("bridge '{}': removed or disabled by the new configuration; stopping",
                      step.old->config().name);
        else
            log->info("bridge '{}': added by the new configuration", step.next->config().name);
        const auto w = (step.old ? step.old : step.next)->worker_index();
        broker_.worker(w).post([step = std::move(step), started, stores = queue_stores_] {
            if (step.old) step.old->stop();
            if (!step.next) return;  // removed: what it owes stays stored for its return
            auto store = stores ? stores(step.next->config().name) : nullptr;
            if (step.old) {
                // Replaced: its messages and their rows pass to the successor as they are.
                step.next->adopt(step.old->take_owed(), step.old->counters(), std::move(store));
            } else if (store) {
                step.next->set_queue_store(std::move(store));  // what an earlier run left
            }
            if (started) step.next->start();
        });
    }
}

std::size_t Bridges::size() const {
    std::lock_guard lock(mutex_);
    return bridges_.size();
}

std::vector<BridgeStatus> Bridges::status() const {
    std::lock_guard lock(mutex_);
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
