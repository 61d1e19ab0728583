#include "broker/worker.hpp"

#include <algorithm>
#include <atomic>

#include "broker/broker.hpp"
#include "broker/client.hpp"
#include "broker/persistence.hpp"
#include "core/log.hpp"
#include "mqtt/topic.hpp"

namespace nmq::broker {

namespace {
constexpr std::uint32_t kNeverExpires = 0xFFFFFFFF;

mqtt::QoS min_qos(mqtt::QoS a, mqtt::QoS b) {
    return a < b ? a : b;
}

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("mqtt");
    return l;
}
}  // namespace

Worker::Worker(Broker& b, std::uint32_t i, Post post)
    : broker(b), index(i), post_(std::move(post)), config_(b.config()) {}

Worker::~Worker() = default;

std::size_t Worker::publish(MessagePtr msg, bool count_in) {
    if (count_in && !msg->sys) counters.add(counters.message_in);
    if (msg->retain) broker.retain(msg);

    matches_.clear();
    broker.trie(index).match(msg->topic, matches_);
    // [MQTT-3.8.3-3] No Local: not back to the publishing session.
    std::erase_if(matches_, [&](const Subscriber& s) {
        return s.options.no_local && s.session == msg->publisher;
    });
    if (matches_.empty()) {
        if (!msg->sys) counters.add(counters.message_drop);
        return 0;
    }
    // A session with several matching subscriptions gets the message once, at the highest
    // granted QoS, with every Subscription Identifier [MQTT-3.3.4-2] [MQTT-3.3.4-3].
    // A copy through a shared subscription stays separate from the session's own copy
    // [MQTT-4.8.2] (non-normative note on shared and non-shared subscriptions).
    if (matches_.size() > 1)
        std::sort(matches_.begin(), matches_.end(), [](const Subscriber& a, const Subscriber& b) {
            return a.session != b.session ? a.session < b.session : a.shared < b.shared;
        });

    std::size_t sessions = 0;
    for (std::size_t i = 0; i < matches_.size();) {
        const Subscriber& first = matches_[i];
        Delivery d;
        d.session = first.session;
        d.out.msg = msg;
        mqtt::QoS granted = first.options.qos;
        bool retain_as_published = first.options.retain_as_published;
        std::size_t j = i;
        for (; j < matches_.size() && matches_[j].session == first.session &&
               matches_[j].shared == first.shared;
             ++j) {
            granted = std::max(granted, matches_[j].options.qos);
            retain_as_published = retain_as_published || matches_[j].options.retain_as_published;
            if (matches_[j].subscription_id)
                d.out.subscription_ids.push_back(matches_[j].subscription_id);
        }
        d.out.qos = min_qos(msg->qos, granted);
        // [MQTT-3.3.1-12] [MQTT-3.3.1-13] RETAIN is cleared on live deliveries unless Retain As
        // Published is set.
        d.out.retain = msg->retain && retain_as_published;
        std::uint32_t dest = first.worker;
        if (dest == index) {
            deliver_local(d);
        } else {
            outboxes_.resize(broker.worker_count());
            outboxes_[dest].push_back(std::move(d));
            if (!flush_posted_) {
                flush_posted_ = true;
                post_([this] { flush_outboxes(); });
            }
        }
        ++sessions;
        i = j;
    }
    return sessions;
}

void Worker::deliver_local(Delivery& d) {
    auto it = sessions_.find(d.session);
    if (it == sessions_.end()) {
        // Not a session: a sink (looked up only here, so deliveries to sessions pay nothing).
        if (!sinks_.empty()) {
            if (auto s = sinks_.find(d.session); s != sinks_.end()) {
                s->second.sink->deliver(std::move(d.out));
                return;
            }
        }
        // ended while the delivery was on its way
        if (!d.out.msg->sys) counters.add(counters.message_drop);
        return;
    }
    it->second->deliver(std::move(d.out));
}

SessionId Worker::add_sink(Sink& sink) {
    SessionId id = broker.next_session_id();
    sinks_.emplace(id, SinkEntry{&sink, {}});
    return id;
}

void Worker::subscribe_sink(SessionId id, const std::string& filter,
                            const mqtt::SubscribeOptions& options) {
    auto it = sinks_.find(id);
    if (it == sinks_.end()) return;
    Subscriber sub{id, index, options, 0, mqtt::parse_shared_filter(filter).has_value()};
    if (std::find(it->second.filters.begin(), it->second.filters.end(), filter) ==
        it->second.filters.end())
        it->second.filters.push_back(filter);
    broker.trie(index).subscribe(filter, sub);
    replicate([filter, sub](SubscriptionTrie& t) { t.subscribe(filter, sub); });
}

void Worker::remove_sink(SessionId id) {
    auto it = sinks_.find(id);
    if (it == sinks_.end()) return;
    for (auto& filter : it->second.filters) {
        broker.trie(index).unsubscribe(filter, id);
        replicate([f = filter, id](SubscriptionTrie& t) { t.unsubscribe(f, id); });
    }
    sinks_.erase(it);
}

void Worker::flush_outboxes() {
    flush_posted_ = false;
    for (std::uint32_t w = 0; w < outboxes_.size(); ++w) {
        if (outboxes_[w].empty()) continue;
        broker.worker(w).enqueue_remote(outboxes_[w]);
        outboxes_[w].clear();  // keeps its capacity for the next batch
    }
}

void Worker::enqueue_remote(std::vector<Delivery>& batch) {
    bool was_empty;
    {
        std::lock_guard lock(inbox_mutex_);
        was_empty = inbox_.empty();
        inbox_.insert(inbox_.end(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
    }
    if (was_empty) post_([this] { drain_inbox(); });
}

void Worker::drain_inbox() {
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_work_.swap(inbox_);
    }
    for (auto& d : inbox_work_)
        deliver_local(d);
    inbox_work_.clear();
}

void Worker::publish_will(Session& s) {
    if (s.will_due) {
        s.will_due.reset();
        if (Store* store = broker.store()) store->delete_will(s.client_id);  // pending no more
    }
    if (!s.will) return;
    mqtt::Will w = std::move(*s.will);
    s.will.reset();
    // A will is published for its client: the ACL applies as to any PUBLISH.
    if (const auto& a = config().auth; a.acl_configured) {
        auto verdict =
            auth::check_acl(a, {s.client_id, s.username.empty() ? nullptr : &s.username, s.address},
                            auth::Action::kPublish, w.topic);
        if (!verdict.allow) {
            logger()->warn("will of client '{}' (user '{}') to '{}' not published: denied by {}",
                           s.client_id, s.username, w.topic, auth::describe(verdict));
            return;
        }
    }
    auto msg = std::make_shared<Message>();
    msg->topic = std::move(w.topic);
    msg->payload = std::move(w.payload);
    msg->qos = w.qos;
    msg->retain = w.retain;
    msg->received = Clock::now();
    msg->publisher = s.id;
    if (Store* store = broker.store();
        store && (msg->qos != mqtt::QoS::kAtMostOnce || msg->retain)) {
        msg->store_id = store->next_message_id();
        msg->received_wall_ms = wall_ms();
    }
    // Will Properties travel with the message, except the Will Delay Interval itself.
    w.props.will_delay_interval.reset();
    if (!w.props.empty()) msg->props = std::make_unique<mqtt::Properties>(std::move(w.props));
    publish(std::move(msg));
}

Session* Worker::find_session(std::string_view client_id) {
    auto it = by_client_id_.find(client_id);
    return it == by_client_id_.end() ? nullptr : it->second;
}

Session& Worker::create_session(const std::string& client_id) {
    auto id = broker.next_session_id();
    auto s = std::make_unique<Session>(*this, id, client_id);
    Session& ref = *s;
    sessions_.emplace(id, std::move(s));
    by_client_id_[ref.client_id] = &ref;
    return ref;
}

void Worker::destroy_session(Session& s) {
    if (s.in_store) broker.store()->delete_session(s.client_id);
    for (auto& [filter, entry] : s.subscriptions) {
        broker.trie(index).unsubscribe(filter, s.id);
        replicate([f = filter, id = s.id](SubscriptionTrie& t) { t.unsubscribe(f, id); });
    }
    offline_timed_.erase(&s);
    by_client_id_.erase(s.client_id);
    auto it = sessions_.find(s.id);
    if (it != sessions_.end()) sessions_.erase(it);  // destroys s
}

bool Worker::congested() const noexcept {
    if (broker.bridges_congested()) return true;
    const Store* store = broker.store();
    return store != nullptr && store->backlog() > kStoreBacklogLimit;
}

void Worker::after_stored(std::function<void()> done) {
    stored_waiters_.push_back(std::move(done));
    if (stored_round_posted_) return;
    stored_round_posted_ = true;
    post([this] { start_stored_round(); });
}

void Worker::start_stored_round() {
    stored_round_posted_ = false;
    Store* store = broker.store();
    auto waiters = std::make_shared<std::vector<std::function<void()>>>();
    waiters->swap(stored_waiters_);
    if (!store) {
        for (auto& fn : *waiters)
            fn();
        return;
    }
    // Deliveries of this turn go out first, so each worker's marker below runs after it has
    // handed their records to the store.
    flush_outboxes();
    auto left = std::make_shared<std::atomic<std::uint32_t>>(broker.worker_count());
    for (std::uint32_t i = 0; i < broker.worker_count(); ++i) {
        broker.worker(i).post([this, store, left, waiters] {
            store->sync([this, left, waiters] {
                if (left->fetch_sub(1) != 1) return;
                post([waiters] {
                    for (auto& fn : *waiters)
                        fn();
                });
            });
        });
    }
}

void Worker::session_offline(Session& s) {
    if (s.persistent()) {
        broker.store()->put_session({s.client_id, s.username, static_cast<std::uint8_t>(s.version),
                                     s.expiry_interval, wall_ms()});
        s.in_store = true;
    }
    s.disconnected_at = Clock::now();
    bool expires_now = s.expiry_interval == 0;
    if (expires_now && !s.will_due) {
        destroy_session(s);
        return;
    }
    offline_timed_.insert(&s);
}

bool Worker::subscribe(Session& s, const std::string& filter, const SubscriptionEntry& e) {
    Subscriber sub{s.id, index, e.options, e.subscription_id,
                   mqtt::parse_shared_filter(filter).has_value()};
    s.subscriptions[filter] = e;
    if (s.persistent()) {
        const auto& o = e.options;
        broker.store()->put_subscription(
            {s.client_id, filter,
             static_cast<std::uint8_t>(static_cast<unsigned>(o.qos) | (o.no_local ? 0x04 : 0) |
                                       (o.retain_as_published ? 0x08 : 0) |
                                       (o.retain_handling << 4)),
             e.subscription_id});
    }
    bool existed = broker.trie(index).subscribe(filter, sub);
    replicate([filter, sub](SubscriptionTrie& t) { t.subscribe(filter, sub); });
    return existed;
}

bool Worker::unsubscribe(Session& s, const std::string& filter) {
    auto it = s.subscriptions.find(filter);
    if (it == s.subscriptions.end()) return false;
    s.subscriptions.erase(it);
    if (s.persistent()) broker.store()->delete_subscription(s.client_id, filter);
    broker.trie(index).unsubscribe(filter, s.id);
    replicate([filter, id = s.id](SubscriptionTrie& t) { t.unsubscribe(filter, id); });
    return true;
}

void Worker::replicate(std::function<void(SubscriptionTrie&)> change) {
    auto shared = std::make_shared<std::function<void(SubscriptionTrie&)>>(std::move(change));
    for (std::uint32_t w = 0; w < broker.worker_count(); ++w) {
        if (w == index) continue;
        broker.worker(w).post([shared, w, b = &broker] { (*shared)(b->trie(w)); });
    }
}

void Worker::after_subscriptions_settle(std::function<void()> done) {
    const std::uint32_t others = broker.worker_count() - 1;
    if (others == 0) {
        done();
        return;
    }
    // Posts to one worker run in order, so a marker posted after the changes finds them
    // applied; when every other worker has seen its marker, `done` runs back here.
    struct Barrier {
        std::atomic<std::uint32_t> remaining;
        std::function<void()> done;
    };
    auto barrier = std::make_shared<Barrier>();
    barrier->remaining = others;
    barrier->done = std::move(done);
    for (std::uint32_t w = 0; w < broker.worker_count(); ++w) {
        if (w == index) continue;
        broker.worker(w).post([this, barrier] {
            if (barrier->remaining.fetch_sub(1) == 1) post_([barrier] { barrier->done(); });
        });
    }
}

void Worker::shutdown_clients() {
    std::vector<Client*> clients(clients_.begin(), clients_.end());
    for (Client* c : clients)
        c->disconnect(ReasonCode::kServerShuttingDown, "server shutting down");
}

void Worker::tick(Clock::time_point now) {
    // Keep-alive: copy first, since a disconnect changes clients_.
    std::vector<Client*> clients(clients_.begin(), clients_.end());
    for (Client* c : clients)
        if (!c->stopped()) c->tick(now);

    auto expired = [now](const Session* s) {
        return s->expiry_interval != kNeverExpires &&
               now - s->disconnected_at >= std::chrono::seconds(s->expiry_interval);
    };
    auto will_due = [now](const Session* s) { return s->will_due && now >= *s->will_due; };
    std::vector<Session*> due;
    for (Session* s : offline_timed_)
        if (will_due(s) || expired(s)) due.push_back(s);
    for (Session* s : due) {
        bool gone = expired(s);
        // [MQTT-3.1.3-9] a delayed will goes out when its delay passes or the session ends.
        if (s->will && (gone || will_due(s))) publish_will(*s);
        if (gone) {
            destroy_session(*s);
        } else if (!s->will_due && s->expiry_interval == kNeverExpires) {
            offline_timed_.erase(s);
        }
    }
}

}  // namespace nmq::broker
