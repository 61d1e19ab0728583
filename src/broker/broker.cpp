#include "broker/broker.hpp"

#include <mutex>

namespace nmq::broker {

Broker::Broker(const config::Config& config, std::vector<Worker::Post> posts) : config_(config) {
    workers_.reserve(posts.size());
    for (std::uint32_t i = 0; i < posts.size(); ++i) {
        tries_.push_back(std::make_unique<SubscriptionTrie>());
        workers_.push_back(std::make_unique<Worker>(*this, i, std::move(posts[i])));
    }
}

Broker::~Broker() = default;

std::uint32_t Broker::home_of(std::string_view client_id) const noexcept {
    // FNV-1a: stable across runs, so a session's home does not depend on the process.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : client_id) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return static_cast<std::uint32_t>(h % workers_.size());
}

void Broker::retain(const MessagePtr& msg) {
    std::unique_lock lock(retained_mutex_);
    retained_.set(msg);
}

void Broker::find_retained(std::string_view filter, std::vector<MessagePtr>& out) const {
    std::shared_lock lock(retained_mutex_);
    retained_.find(filter, out);
}

Stats Broker::counters() const {
    Stats s;
    for (auto& w : workers_) {
        s.message_in += w->counters.message_in.load(std::memory_order_relaxed);
        s.message_out += w->counters.message_out.load(std::memory_order_relaxed);
        s.message_drop += w->counters.message_drop.load(std::memory_order_relaxed);
    }
    return s;
}

void Broker::publish_sys(std::uint32_t worker, std::string topic, std::string payload) {
    auto msg = std::make_shared<Message>();
    msg->topic = std::move(topic);
    msg->payload = std::move(payload);
    msg->received = Clock::now();
    msg->sys = true;
    workers_[worker]->publish(std::move(msg), /*count_in=*/false);
}

}  // namespace nmq::broker
