#include "bridge/bridge.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/broker.hpp"
#include "broker/worker.hpp"
#include "core/log.hpp"
#include "mqtt/topic.hpp"

namespace nmq::bridge {

namespace {

namespace asio = boost::asio;
using mqtt::QoS;
using mqtt::Version;

constexpr auto kTickInterval = std::chrono::milliseconds(250);
constexpr auto kFirstBackoff = std::chrono::milliseconds(1000);
// A connection that lasted this long was healthy: the next failure starts the backoff over.
constexpr auto kHealthyConnection = std::chrono::seconds(10);
constexpr auto kDropLogInterval = std::chrono::seconds(5);
constexpr auto kStateLogInterval = std::chrono::seconds(60);
// Queued messages (with the link up) above which local publishers are slowed; they are let go
// again below a quarter of it.
constexpr std::size_t kCongestionHigh = 2000;
constexpr auto kProgressWindow = std::chrono::seconds(1);

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("bridge");
    return l;
}

std::string random_hex(std::mt19937& rng) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rng()));
    return buf;
}

std::string seconds_text(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

mqtt::QoS qos_of(std::uint8_t q) {
    return static_cast<QoS>(std::min<std::uint8_t>(q, 2));
}

}  // namespace

struct Bridge::Io {
    explicit Io(asio::io_context& io) : context(io), reconnect(io), tick(io) {}
    asio::io_context& context;
    asio::steady_timer reconnect;
    asio::steady_timer tick;
};

// The session writes through this to whichever link is current.
class Bridge::LinkWire final : public Wire {
  public:
    explicit LinkWire(Link& link) : link_(link) {}
    std::string& output() override { return link_.output(); }
    void flush() override { link_.flush(); }
    bool writable() const override { return link_.writable(); }

  private:
    Link& link_;
};

Bridge::Bridge(broker::Worker& worker, asio::io_context& io, config::Bridge config)
    : worker_(worker),
      config_(std::move(config)),
      io_(std::make_unique<Io>(io)),
      rng_(std::random_device{}()) {
    std::string error;
    auto server = config::parse_bridge_server(config_.server, &error);
    if (!server)
        throw std::runtime_error("bridges.mqtt." + config_.name + ".server: expected " + error);
    server_ = *server;
    where_ =
        (server_.host.find(':') != std::string::npos ? "[" + server_.host + "]" : server_.host) +
        ":" + std::to_string(server_.port);
    client_id_ = config_.clientid.empty() ? "nmq_bridge_" + config_.name + "_" + random_hex(rng_)
                                          : config_.clientid;
    for (const auto& f : config_.forwards) {
        auto m = TopicMap::make(f.local_topic, f.remote_topic, f.prefix, f.suffix, &error);
        if (!m)
            throw std::runtime_error("bridges.mqtt." + config_.name + ".forwards." + f.key + ": " +
                                     error);
        forwards_.push_back(std::move(*m));
    }
    for (const auto& s : config_.subscriptions) {
        auto m = TopicMap::make(s.remote_topic, s.local_topic, s.prefix, s.suffix, &error);
        if (!m)
            throw std::runtime_error("bridges.mqtt." + config_.name + ".subscription." + s.key +
                                     ": " + error);
        subscriptions_.push_back(std::move(*m));
    }
    links_ = make_link_factory(io, config_);
    session_ = std::make_unique<ClientSession>(client_options(), *this);
}

Bridge::~Bridge() = default;

std::uint32_t Bridge::worker_index() const noexcept {
    return worker_.index;
}

ClientOptions Bridge::client_options() const {
    ClientOptions o;
    o.version = static_cast<Version>(config_.proto_ver);
    o.client_id = client_id_;
    o.keep_alive = static_cast<std::uint16_t>(
        std::chrono::duration_cast<std::chrono::seconds>(config_.keepalive).count());
    o.clean_start = config_.clean_start;
    if (config_.has_username) o.username = config_.username;
    if (config_.has_password) o.password = config_.password;
    const bool v5 = o.version == Version::kV5;
    if (config_.will.enable) {
        const auto& w = config_.will;
        mqtt::Will will;
        will.topic = w.topic;
        will.payload = w.payload;
        will.qos = qos_of(w.qos);
        will.retain = w.retain;
        if (v5) {
            if (w.payload_format_indicator) will.props.payload_format_indicator = 1;
            if (w.message_expiry_interval)
                will.props.message_expiry_interval = w.message_expiry_interval;
            if (!w.content_type.empty()) will.props.content_type = w.content_type;
            if (!w.response_topic.empty()) will.props.response_topic = w.response_topic;
            if (!w.correlation_data.empty()) will.props.correlation_data = w.correlation_data;
            if (w.will_delay_interval) will.props.will_delay_interval = w.will_delay_interval;
            will.props.user_properties = w.user_properties;
        }
        o.will = std::move(will);
    }
    if (v5) {
        const auto& c = config_.conn_properties;
        auto& p = o.connect_props;
        if (c.maximum_packet_size) p.maximum_packet_size = c.maximum_packet_size;
        if (c.receive_maximum != 65535) p.receive_maximum = c.receive_maximum;
        if (c.topic_alias_maximum) p.topic_alias_maximum = c.topic_alias_maximum;
        if (c.request_problem_information != 1)
            p.request_problem_information = c.request_problem_information;
        if (c.request_response_information)
            p.request_response_information = c.request_response_information;
        if (c.session_expiry_interval) p.session_expiry_interval = c.session_expiry_interval;
        p.user_properties = c.user_properties;
        if (config_.sub_identifier)
            o.subscribe_props.subscription_identifiers.push_back(config_.sub_identifier);
        o.subscribe_props.user_properties = config_.sub_user_properties;
    }
    for (const auto& s : config_.subscriptions) {
        mqtt::TopicSubscription t;
        t.filter = s.remote_topic;
        t.options.qos = qos_of(s.qos);
        if (v5) {
            // [MQTT-3.8.3-4] No Local is a protocol error on a shared subscription.
            t.options.no_local = s.no_local && !mqtt::parse_shared_filter(s.remote_topic);
            t.options.retain_as_published = s.retain_as_published;
            t.options.retain_handling = s.retain_handling;
        }
        o.subscriptions.push_back(std::move(t));
    }
    o.max_inflight =
        static_cast<std::uint16_t>(std::clamp<std::uint32_t>(config_.max_inflight, 1, 65535));
    o.max_queue = config_.max_send_queue_len;
    o.max_queue_bytes = config_.max_send_queue_size;
    return o;
}

void Bridge::start() {
    stopped_ = false;
    state_logged_at_ = Clock::now();
    sink_id_ = worker_.add_sink(*this);
    // QoS 2 so that the message's own QoS passes; Retain As Published so that its RETAIN flag
    // does; No Local so that what this bridge publishes here is not offered back to it.
    mqtt::SubscribeOptions options;
    options.qos = QoS::kExactlyOnce;
    options.retain_as_published = true;
    options.no_local = true;
    std::string what;
    for (const auto& f : forwards_) {
        worker_.subscribe_sink(sink_id_, f.filter(), options);
        what += (what.empty() ? "" : ", ") + f.filter();
    }
    std::string down;
    for (const auto& s : config_.subscriptions)
        down += (down.empty() ? "" : ", ") + s.remote_topic;
    logger()->info("bridge '{}': {}://{} as '{}' (MQTT {}), forwarding [{}], subscribing [{}]",
                   config_.name, links_->transport(), where_, client_id_,
                   config_.proto_ver == 5   ? "5.0"
                   : config_.proto_ver == 4 ? "3.1.1"
                                            : "3.1",
                   what, down);
    connect();
    schedule_tick();
}

void Bridge::stop() {
    if (stopped_) return;
    stopped_ = true;
    io_->reconnect.cancel();
    io_->tick.cancel();
    if (link_) {
        session_->disconnect();
        session_->link_down();
        link_->close();
        link_.reset();
        wire_.reset();
    }
    counters_.connected.store(false, std::memory_order_relaxed);
    worker_.remove_sink(sink_id_);
    update_counters();
    logger()->info("bridge '{}': stopped; {} message(s) still queued, {} in flight", config_.name,
                   session_->queue().waiting(), session_->queue().inflight());
}

std::vector<Outbound> Bridge::take_owed() {
    auto owed = session_->take_owed();
    update_counters();
    return owed;
}

void Bridge::adopt(std::vector<Outbound> owed, const BridgeCounters& before,
                   std::unique_ptr<QueueStore> store) {
    constexpr auto r = std::memory_order_relaxed;
    counters_.connects.fetch_add(before.connects.load(r), r);
    counters_.received.fetch_add(before.received.load(r), r);
    counters_.dropped.fetch_add(before.dropped.load(r), r);
    sent_before_ = before.sent.load(r);
    resent_before_ = before.resent.load(r);
    queue_store_ = std::move(store);
    const std::size_t total = owed.size();
    std::vector<Outbound> kept;
    kept.reserve(total);
    for (auto& o : owed) {
        const TopicMap* m = find_map(forwards_, o.msg->topic);
        std::optional<std::string> remote;
        if (m)
            remote =
                m->identity() ? std::optional<std::string>(o.msg->topic) : m->map(o.msg->topic);
        if (!remote) {
            on_dropped(
                1, o.msg->topic,
                m ? "maps to no valid remote topic" : "no forward of the new settings selects it");
            if (queue_store_ && o.qos != mqtt::QoS::kAtMostOnce) queue_store_->released(o.seq);
            continue;
        }
        o.topic = std::move(*remote);
        kept.push_back(std::move(o));
    }
    const std::size_t n = kept.size();
    session_->take_over(std::move(kept), queue_store_.get());
    update_counters();
    if (total > 0)
        logger()->info(
            "bridge '{}': {} of {} message(s) owed by its previous settings carried over",
            config_.name, n, total);
}

void Bridge::connect() {
    if (stopped_) return;
    link_ = links_->make();
    wire_ = std::make_unique<LinkWire>(*link_);
    link_up_ = false;
    link_opened_at_ = Clock::now();
    link_->open(server_.host, server_.port, weak_from_this());
}

void Bridge::on_link_up() {
    link_up_ = true;
    session_->link_up(*wire_, Clock::now());
}

void Bridge::on_link_data(std::string_view data) {
    last_progress_ = Clock::now();
    if (!session_->on_bytes(data)) lost(session_->error());
    update_counters();
}

void Bridge::on_link_drained() {
    last_progress_ = Clock::now();
    session_->pump();
    update_counters();
}

void Bridge::on_link_down(const std::string& why) {
    lost(why);
}

// The connection failed or ended: keep what is owed, try again later.
void Bridge::lost(const std::string& why) {
    if (!link_) return;
    const bool was_connected = session_->connected();
    session_->link_down();
    link_->close();
    link_.reset();
    wire_.reset();
    counters_.connected.store(false, std::memory_order_relaxed);
    if (was_connected && Clock::now() - connected_at_ >= kHealthyConnection) attempts_ = 0;
    update_counters();
    if (stopped_) return;
    const auto& q = session_->queue();
    if (refused_) {
        refused_ = false;  // on_refused() said why
    } else if (was_connected) {
        logger()->warn("bridge '{}': link to {} lost: {}; {} queued and {} unacknowledged kept",
                       config_.name, where_, why, q.waiting(), q.inflight());
    } else {
        logger()->warn("bridge '{}': {}: {}", config_.name, where_,
                       why.empty() ? "connection failed" : why);
    }
    schedule_reconnect();
}

void Bridge::schedule_reconnect() {
    // 1s, 2s, 4s ... up to backoff_max, each with jitter in [half, full] so that many edge
    // brokers restarting together do not reconnect in step.
    auto ceiling = std::max(config_.backoff_max, kFirstBackoff);
    auto full = kFirstBackoff * (1ll << std::min<std::uint32_t>(attempts_, 20));
    if (full > ceiling) full = ceiling;
    std::uniform_int_distribution<long long> jitter(full.count() / 2, full.count());
    auto delay = std::chrono::milliseconds(jitter(rng_));
    ++attempts_;
    logger()->info("bridge '{}': reconnecting to {} in {} (attempt {})", config_.name, where_,
                   seconds_text(delay), attempts_);
    io_->reconnect.expires_after(delay);
    io_->reconnect.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->stopped_) return;
        self->connect();
    });
}

void Bridge::schedule_tick() {
    io_->tick.expires_after(kTickInterval);
    io_->tick.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->stopped_) return;
        self->on_tick();
        self->schedule_tick();
    });
}

void Bridge::on_tick() {
    auto now = Clock::now();
    if (link_ && !link_up_ && now - link_opened_at_ > std::chrono::seconds(10)) {
        lost("cannot connect: no answer within 10s");
        return;
    }
    if (link_ && !session_->tick(now)) {
        lost(session_->error());
        return;
    }
    if (drops_unlogged_ > 0 && now - drop_logged_at_ >= kDropLogInterval) {
        logger()->warn("bridge '{}': {} more message(s) dropped; {} dropped in total", config_.name,
                       drops_unlogged_, counters_.dropped.load());
        drops_unlogged_ = 0;
        drop_logged_at_ = now;
    }
    log_state(now);
    update_counters();  // a remote gone quiet stops holding local publishers up
    if (backlog_at_connect_ > 0 && session_->connected() && session_->queue().waiting() == 0 &&
        session_->queue().inflight() == 0) {
        logger()->info("bridge '{}': backlog of {} message(s) delivered to {}", config_.name,
                       backlog_at_connect_, where_);
        backlog_at_connect_ = 0;
    }
}

void Bridge::log_state(Clock::time_point now) {
    if (now - state_logged_at_ < kStateLogInterval) return;
    state_logged_at_ = now;
    constexpr auto r = std::memory_order_relaxed;
    const auto& c = counters_;
    const std::uint64_t sum = c.connects.load(r) + c.queued.load(r) + c.inflight.load(r) +
                              c.sent.load(r) + c.received.load(r) + c.dropped.load(r);
    if (sum == state_logged_sum_) return;  // nothing moved since the last line
    state_logged_sum_ = sum;
    logger()->info(
        "bridge '{}': {}; queued {}, in flight {}, sent {} (again {}), received {}, dropped {}",
        config_.name, c.connected.load(r) ? "connected to " + where_ : "not connected",
        c.queued.load(r), c.inflight.load(r), c.sent.load(r), c.resent.load(r), c.received.load(r),
        c.dropped.load(r));
}

void Bridge::update_counters() {
    const auto& q = session_->queue();
    // Back-pressure while the remote is connected, answering, but slower than the local
    // publishers. With the link down, or a remote that has gone quiet (stuck: nothing heard
    // from it and nothing taken for kProgressWindow), the queue fills (and then drops) without
    // holding local traffic up.
    // The marks scale down for a small queue (a batch read from each connection overshoots
    // them before reading pauses).
    const std::size_t high = std::max<std::size_t>(
        1, std::min<std::size_t>(kCongestionHigh, config_.max_send_queue_len / 8));
    const bool congested =
        !stopped_ && session_->connected() &&
        q.waiting() >= (congested_ ? std::max<std::size_t>(1, high / 4) : high) &&
        Clock::now() - last_progress_ < kProgressWindow;
    if (congested != congested_) {
        congested_ = congested;
        worker_.broker.bridge_congestion(congested);
    }
    counters_.queued.store(q.waiting(), std::memory_order_relaxed);
    counters_.inflight.store(q.inflight(), std::memory_order_relaxed);
    counters_.sent.store(sent_before_ + session_->sent(), std::memory_order_relaxed);
    counters_.resent.store(resent_before_ + session_->resent(), std::memory_order_relaxed);
}

void Bridge::on_connected(bool session_present, std::size_t resent, std::size_t requeued) {
    connected_at_ = Clock::now();
    counters_.connected.store(true, std::memory_order_relaxed);
    counters_.connects.fetch_add(1, std::memory_order_relaxed);
    const auto& q = session_->queue();
    backlog_at_connect_ = q.waiting() + q.inflight();
    logger()->info(
        "bridge '{}': connected to {} (session present: {}); {} unacknowledged sent again, {} "
        "resent as new, {} queued; sent {}, received {}, dropped {} so far",
        config_.name, where_, session_present ? "yes" : "no", resent, requeued, q.waiting(),
        counters_.sent.load(std::memory_order_relaxed),
        counters_.received.load(std::memory_order_relaxed),
        counters_.dropped.load(std::memory_order_relaxed));
}

void Bridge::on_refused(ReasonCode reason, const std::string& reason_string) {
    refused_ = true;
    logger()->warn("bridge '{}': {} refused the connection: {} (0x{:02x}){}", config_.name, where_,
                   reason_name(reason), static_cast<unsigned>(reason),
                   reason_string.empty() ? "" : ": " + reason_string);
}

void Bridge::on_subscribed(std::size_t index, ReasonCode granted) {
    if (index >= config_.subscriptions.size()) return;
    const auto& s = config_.subscriptions[index];
    if (is_failure(granted)) {
        logger()->warn("bridge '{}': {} refused the subscription to '{}': {}", config_.name, where_,
                       s.remote_topic, reason_name(granted));
    } else {
        logger()->info("bridge '{}': subscribed to '{}' at {} (QoS {})", config_.name,
                       s.remote_topic, where_, static_cast<int>(granted));
    }
}

void Bridge::on_message(mqtt::Publish&& p) {
    auto msg = std::make_shared<broker::Message>();
    std::uint8_t retain_rule = 2;
    if (const TopicMap* m = find_map(subscriptions_, p.topic)) {
        std::size_t i = static_cast<std::size_t>(m - subscriptions_.data());
        retain_rule = config_.subscriptions[i].retain;
        if (m->identity()) {
            msg->topic = std::move(p.topic);
        } else if (auto t = m->map(p.topic)) {
            msg->topic = std::move(*t);
        }
    } else {
        msg->topic = std::move(p.topic);  // no rule selects it: the topic is kept
    }
    if (msg->topic.empty() || !mqtt::is_valid_topic_name(msg->topic)) {
        counters_.dropped.fetch_add(1, std::memory_order_relaxed);
        logger()->warn("bridge '{}': message on '{}' from {} maps to no valid local topic; dropped",
                       config_.name, p.topic, where_);
        return;
    }
    msg->payload = std::move(p.payload);
    msg->qos = p.qos;
    msg->retain = retain_rule == 2 ? p.retain : retain_rule == 1;
    msg->publisher = sink_id_;
    msg->from_bridge = true;
    if (session_->version() == Version::kV5) {
        p.props.subscription_identifiers.clear();
        p.props.topic_alias.reset();
        if (p.props.message_expiry_interval) msg->received = Clock::now();
        if (!p.props.empty()) msg->props = std::make_unique<mqtt::Properties>(std::move(p.props));
    }
    counters_.received.fetch_add(1, std::memory_order_relaxed);
    // The same path as a local PUBLISH: retained store, routing, delivery.
    worker_.publish(std::move(msg));
}

void Bridge::on_dropped(std::size_t count, std::string_view topic, const char* why) {
    counters_.dropped.fetch_add(count, std::memory_order_relaxed);
    auto now = Clock::now();
    if (now - drop_logged_at_ >= kDropLogInterval) {
        logger()->warn("bridge '{}': {} message(s){} dropped: {}", config_.name, count,
                       topic.empty() ? std::string() : " to '" + std::string(topic) + "'", why);
        drop_logged_at_ = now;
    } else {
        drops_unlogged_ += count;
    }
}

void Bridge::deliver(broker::Outgoing&& out) {
    const broker::Message& msg = *out.msg;
    // A message that came down a bridge never goes back up: no loops between brokers.
    if (msg.from_bridge || stopped_) return;
    const TopicMap* m = find_map(forwards_, msg.topic);
    if (!m) return;  // a subscription being removed
    Outbound o;
    std::size_t i = static_cast<std::size_t>(m - forwards_.data());
    if (m->identity()) {
        o.topic = msg.topic;
    } else if (auto t = m->map(msg.topic)) {
        o.topic = std::move(*t);
    } else {
        on_dropped(1, msg.topic, "maps to no valid remote topic");
        return;
    }
    auto retain_rule = config_.forwards[i].retain;
    o.retain = retain_rule == 2 ? out.retain : retain_rule == 1;
    o.qos = out.qos;
    o.msg = std::move(out.msg);
    session_->publish(std::move(o));
    update_counters();
}

void Bridge::set_queue_store(std::unique_ptr<QueueStore> store) {
    queue_store_ = std::move(store);
    std::size_t unmapped = 0;
    std::string first_unmapped;
    auto adopt = [&](Outbound& o) {
        if (!o.msg) return false;
        const std::string& local = o.msg->topic;
        std::optional<std::string> remote;
        if (const TopicMap* m = find_map(forwards_, local))
            remote = m->identity() ? std::optional<std::string>(local) : m->map(local);
        if (!remote) {
            if (unmapped++ == 0) first_unmapped = local;
            return false;
        }
        o.topic = std::move(*remote);
        return true;
    };
    auto kept = session_->attach_queue_store(queue_store_.get(), adopt);
    if (unmapped > 0) {
        counters_.dropped.fetch_add(unmapped, std::memory_order_relaxed);
        logger()->warn(
            "bridge '{}': {} stored message(s) (the first on '{}') match no forward any more; "
            "dropped",
            config_.name, unmapped, first_unmapped);
    }
    if (kept > 0)
        logger()->info("bridge '{}': {} stored message(s) queued again for {}", config_.name, kept,
                       where_);
    update_counters();
}

}  // namespace nmq::bridge
