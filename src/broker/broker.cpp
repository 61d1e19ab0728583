#include "broker/broker.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace nmq::broker {

Broker::Broker(const config::Config& config, std::vector<Worker::Post> posts) : config_(config) {
    workers_.reserve(posts.size());
    for (std::uint32_t i = 0; i < posts.size(); ++i) {
        tries_.push_back(std::make_unique<SubscriptionTrie>());
        workers_.push_back(std::make_unique<Worker>(*this, i, std::move(posts[i])));
    }
}

Broker::~Broker() = default;

void Broker::reconfigure(const config::Config& config) {
    for (auto& w : workers_) {
        Worker* wp = w.get();
        wp->post([wp, config] { wp->set_config(config); });
    }
}

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

void Broker::snapshot(std::function<void(BrokerSnapshot)> done) {
    struct RawNode {
        TopicNodeInfo info;
        std::vector<SessionId> sessions;
    };
    struct Gather {
        std::mutex mutex;
        std::uint32_t remaining = 0;
        BrokerSnapshot snap;
        std::unordered_map<SessionId, std::string> names;  // session -> client id
        std::vector<std::vector<RawNode>> tree;
        std::function<void(BrokerSnapshot)> done;
    };
    auto g = std::make_shared<Gather>();
    g->remaining = worker_count();
    g->done = std::move(done);
    g->snap.stats = counters();
    for (std::uint32_t i = 0; i < worker_count(); ++i) {
        workers_[i]->post([this, g, i] {
            Worker& w = *workers_[i];
            std::vector<ClientInfo> part;
            std::vector<std::pair<SessionId, std::string>> names;
            std::uint64_t subscribing = 0;
            w.for_each_session([&](const Session& s) {
                ClientInfo c;
                c.client_id = s.client_id;
                c.username = s.username;
                c.keepalive = s.keep_alive;
                c.protocol = static_cast<std::uint8_t>(s.version);
                c.connected = s.client != nullptr;
                c.message_receive = s.delivered;
                for (auto& [filter, e] : s.subscriptions)
                    c.subscriptions.push_back({filter, static_cast<std::uint8_t>(e.options.qos)});
                if (c.connected && !c.subscriptions.empty()) ++subscribing;
                names.emplace_back(s.id, s.client_id);
                part.push_back(std::move(c));
            });
            // The topic tree comes from worker 0's replica; all replicas agree once settled.
            std::vector<std::vector<RawNode>> tree;
            if (i == 0) {
                trie(0).walk([&](const SubscriptionTrie::NodeView& n) {
                    if (tree.size() <= n.level) tree.resize(n.level + 1);
                    RawNode node;
                    node.info.topic = std::string(n.segment);
                    node.info.cld_cnt = n.children;
                    node.sessions = n.sessions;
                    tree[n.level].push_back(std::move(node));
                });
            }
            std::size_t connections = w.connection_count();

            std::lock_guard lock(g->mutex);
            auto& snap = g->snap;
            snap.stats.connections += connections;
            snap.stats.subscribing_clients += subscribing;
            snap.stats.sessions += part.size();
            for (auto& c : part)
                snap.clients.push_back(std::move(c));
            for (auto& [id, name] : names)
                g->names.emplace(id, std::move(name));
            if (i == 0) g->tree = std::move(tree);
            if (--g->remaining > 0) return;
            std::sort(
                snap.clients.begin(), snap.clients.end(),
                [](const ClientInfo& a, const ClientInfo& b) { return a.client_id < b.client_id; });
            for (auto& level : g->tree) {
                std::vector<TopicNodeInfo> out;
                for (auto& n : level) {
                    for (auto sid : n.sessions) {
                        auto it = g->names.find(sid);
                        if (it != g->names.end()) n.info.client_ids.push_back(it->second);
                    }
                    out.push_back(std::move(n.info));
                }
                snap.topic_tree.push_back(std::move(out));
            }
            g->done(std::move(snap));
        });
    }
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
