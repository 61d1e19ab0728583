#include "broker/broker.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "broker/persistence.hpp"

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
    {
        std::unique_lock lock(retained_mutex_);
        retained_.set(msg);
    }
    if (store_ && !msg->sys) {
        // An empty payload clears the topic's retained message [MQTT-3.3.1-10].
        if (msg->payload.empty()) {
            store_->delete_retained(msg->topic);
        } else if (msg->store_id != 0) {
            store_->put_retained(msg);
        }
    }
}

std::size_t Broker::restore(Store& store) {
    // Read back with store_ still null: rebuilding the sessions writes nothing back.
    const Restored r = store.restore();
    struct Attach {
        Store*& to;
        Store& store;
        ~Attach() { to = &store; }
    } attach{store_, store};
    const auto now_wall = wall_ms();
    const auto now = Clock::now();
    std::unordered_map<std::string_view, const StoredWill*> wills;
    for (const auto& w : r.wills)
        wills.emplace(w.client_id, &w);
    std::unordered_map<std::string_view, Session*> sessions;
    for (const auto& stored : r.sessions) {
        auto offline_ms = stored.disconnected_at_ms == 0
                              ? std::int64_t{0}  // the broker stopped while it was connected
                              : std::max<std::int64_t>(0, now_wall - stored.disconnected_at_ms);
        if (stored.expiry_interval != 0xFFFFFFFF &&
            offline_ms >= std::int64_t{stored.expiry_interval} * 1000 &&
            !wills.count(stored.client_id)) {
            store.delete_session(stored.client_id);  // expired while the broker was down
            continue;
        }
        // An expired session with a pending will comes back just long enough for the first
        // tick to publish the will and end it [MQTT-3.1.3-9].
        Worker& w = worker(home_of(stored.client_id));
        Session& s = w.create_session(stored.client_id);
        s.username = stored.username;
        s.version = static_cast<mqtt::Version>(stored.version);
        s.expiry_interval = stored.expiry_interval;
        s.in_store = true;
        w.session_offline(s);
        s.disconnected_at = now - std::chrono::milliseconds(offline_ms);
        sessions.emplace(s.client_id, &s);
        if (auto w = wills.find(stored.client_id); w != wills.end()) {
            // [MQTT-3.1.3-9] the delayed will is still owed: due when it was due (at the
            // first tick if that time passed while the broker was down).
            if ((s.will = will_from_stored(w->second->message))) {
                auto left_ms = std::max<std::int64_t>(0, w->second->due_at_ms - now_wall);
                s.will_due = now + std::chrono::milliseconds(left_ms);
            } else {
                store.delete_will(stored.client_id);
            }
        }
    }
    for (const auto& w : r.wills) {
        if (!sessions.count(w.client_id)) store.delete_will(w.client_id);  // its session is gone
    }
    for (const auto& sub : r.subscriptions) {
        auto it = sessions.find(sub.client_id);
        if (it == sessions.end()) continue;
        SubscriptionEntry e;
        e.options.qos = static_cast<mqtt::QoS>(std::min(sub.options & 0x03, 2));
        e.options.no_local = (sub.options & 0x04) != 0;
        e.options.retain_as_published = (sub.options & 0x08) != 0;
        e.options.retain_handling = static_cast<std::uint8_t>((sub.options >> 4) & 0x03);
        e.subscription_id = sub.subscription_id;
        it->second->worker.subscribe(*it->second, sub.filter, e);
    }
    std::unordered_map<std::uint64_t, MessagePtr> messages;
    for (const auto& m : r.messages) {
        if (auto msg = from_stored(m)) messages.emplace(m.id, std::move(msg));
    }
    for (const auto& d : r.deliveries) {
        auto s = sessions.find(d.client_id);
        auto m = messages.find(d.message_id);
        if (s == sessions.end() || m == messages.end()) {
            store.delete_delivery(d.client_id, d.message_id);
            continue;
        }
        Outgoing out;
        out.msg = m->second;
        out.qos = static_cast<mqtt::QoS>(std::min<int>(d.qos, 2));
        s->second->restore_owed(std::move(out), d.state, d.packet_id);
    }
    for (const auto& [client_id, packet_id] : r.inbound_qos2) {
        if (auto s = sessions.find(client_id); s != sessions.end())
            s->second->inbound_qos2.insert(packet_id);
    }
    {
        std::unique_lock lock(retained_mutex_);
        for (const auto& m : r.retained) {
            if (auto msg = from_stored(m)) retained_.set(std::move(msg));
        }
    }
    return sessions.size();
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
