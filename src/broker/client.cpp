#include "broker/client.hpp"

#include <algorithm>
#include <random>

#include "broker/broker.hpp"
#include "broker/persistence.hpp"
#include "broker/sys_events.hpp"
#include "broker/worker.hpp"
#include "core/log.hpp"
#include "mqtt/topic.hpp"

namespace nmq::broker {

namespace {

using mqtt::PacketType;
using mqtt::QoS;
using mqtt::Version;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr std::uint32_t kNeverExpires = 0xFFFFFFFF;

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("mqtt");
    return l;
}

// A client identifier we assign [MQTT-3.2.2-16], chosen so its home is `worker`.
std::string assign_client_id(const Broker& broker, std::uint32_t worker) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    for (;;) {
        char buf[32];
        auto n =
            std::snprintf(buf, sizeof buf, "nmq-%016llx", static_cast<unsigned long long>(rng()));
        std::string id(buf, static_cast<std::size_t>(n));
        if (broker.home_of(id) == worker) return id;
    }
}

}  // namespace

Client::Client(Worker& worker, Transport& transport) : worker_(worker), transport_(transport) {
    keep_alive_timer_.start(static_cast<std::uint16_t>(kConnectTimeout.count()), 1.0, Clock::now());
    worker_.client_attached(*this);
}

Client::~Client() {
    if (state_ != State::kMigrating) on_closed();
    worker_.client_detached(*this);
}

template <class P>
void Client::send(const P& packet) {
    mqtt::encode(packet, version_, transport_.output());
    transport_.flush();
}

void Client::on_packet(const mqtt::FixedHeader& h, std::string_view body) {
    if (stopped()) return;
    keep_alive_timer_.on_packet();
    if (state_ == State::kAwaitConnect) {
        if (h.type() != PacketType::kConnect) {
            // [MQTT-3.1.0-1] the first packet must be CONNECT.
            logger()->info("{}: first packet is not CONNECT; closing", transport_.remote_address());
            state_ = State::kClosing;
            transport_.close();
            return;
        }
        handle_connect(h.flags(), body);
        return;
    }
    switch (h.type()) {
        case PacketType::kPublish:
            handle_publish(h.flags(), body);
            break;
        case PacketType::kPuback:
        case PacketType::kPubrec:
        case PacketType::kPubrel:
        case PacketType::kPubcomp:
            handle_pub_response(h, body);
            break;
        case PacketType::kSubscribe:
            handle_subscribe(h.flags(), body);
            break;
        case PacketType::kUnsubscribe:
            handle_unsubscribe(h.flags(), body);
            break;
        case PacketType::kPingreq:
            if (h.flags() != 0 || !body.empty()) {
                protocol_violation({ReasonCode::kMalformedPacket, "malformed PINGREQ"});
                break;
            }
            send(mqtt::Pingresp{});
            break;
        case PacketType::kDisconnect:
            handle_disconnect(h.flags(), body);
            break;
        case PacketType::kConnect:
            // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
            protocol_violation({ReasonCode::kProtocolError, "second CONNECT"});
            break;
        case PacketType::kAuth:
            protocol_violation(
                {ReasonCode::kProtocolError, "AUTH without an authentication method"});
            break;
        default:
            // CONNACK, SUBACK, UNSUBACK, PINGRESP are never sent to a server.
            protocol_violation(
                {ReasonCode::kProtocolError, "packet type not allowed from a client"});
            break;
    }
}

void Client::on_frame_error(ReasonCode reason) {
    if (stopped()) return;
    if (state_ == State::kAwaitConnect) {
        state_ = State::kClosing;
        transport_.close();
        return;
    }
    protocol_violation(
        {reason, reason == ReasonCode::kPacketTooLarge ? "packet too large" : "malformed packet"});
}

void Client::protocol_violation(const Error& e) {
    logger()->info("{} {}: {} ({}); closing", transport_.remote_address(),
                   session_ ? session_->client_id : std::string(), e.what, reason_name(e.code));
    disconnect(e.code, e.what, true);
}

void Client::disconnect(ReasonCode reason, const char* why, bool publish_will) {
    if (stopped()) return;
    close_reason_ = reason;
    if (state_ == State::kConnected && version_ == Version::kV5) {
        mqtt::Disconnect d;
        d.reason = reason;
        if (why && *why && request_problem_information_) d.props.reason_string = why;
        send(d);
    }
    detach(publish_will);
    state_ = State::kClosing;
    transport_.close();
}

void Client::taken_over(bool session_continues) {
    if (stopped()) return;
    logger()->info("{}: session taken over", session_ ? session_->client_id : std::string());
    if (version_ == Version::kV5) send(mqtt::Disconnect{ReasonCode::kSessionTakenOver, {}});
    // The will is published unless it has a delay and the session goes on [MQTT-3.1.3-9].
    if (session_ && session_->will) {
        bool delayed = session_->will->props.will_delay_interval.value_or(0) > 0;
        if (!(delayed && session_continues)) worker_.publish_will(*session_);
        session_->will.reset();
    }
    if (session_) {
        session_->client = nullptr;
        sys_disconnected(worker_, *session_, ReasonCode::kSessionTakenOver);
    }
    session_ = nullptr;
    state_ = State::kClosing;
    transport_.close();
}

// Unbinds from the session: publishes or schedules the will, starts the session's expiry.
void Client::detach(bool publish_will) {
    if (!session_) return;
    Session& s = *session_;
    session_ = nullptr;
    s.client = nullptr;
    if (will_cleared_ || !publish_will) s.will.reset();
    if (s.will) {
        auto delay = s.will->props.will_delay_interval.value_or(0);
        if (version_ == Version::kV5 && delay > 0 && s.expiry_interval > 0) {
            auto wait = std::chrono::seconds(std::min(delay, s.expiry_interval));
            s.will_due = Clock::now() + wait;
            // Pending across a restart too: kept with the wall-clock time it is due.
            if (Store* store = worker_.broker.store(); store && s.persistent())
                store->put_will(s.client_id, *s.will,
                                wall_ms() + std::chrono::milliseconds(wait).count());
        } else {
            worker_.publish_will(s);
        }
    }
    sys_disconnected(worker_, s, close_reason_);
    worker_.session_offline(s);  // may destroy s
}

void Client::on_closed() {
    if (state_ == State::kMigrating) return;
    if (session_) {
        logger()->debug("{}: connection lost", session_->client_id);
        detach(true);
    }
    state_ = State::kClosing;
}

void Client::tick(Clock::time_point now) {
    if (!keep_alive_timer_.expired(now)) return;
    if (state_ == State::kAwaitConnect) {
        logger()->info("{}: no CONNECT within {}s; closing", transport_.remote_address(),
                       kConnectTimeout.count());
        state_ = State::kClosing;
        transport_.close();
        return;
    }
    // [MQTT-3.1.2-24] silent for longer than the keep-alive allows.
    protocol_violation({ReasonCode::kKeepAliveTimeout, "keep alive timeout"});
}

void Client::refuse_connect(ReasonCode reason, Version version, const char* why) {
    logger()->info("{}: CONNECT refused: {} ({})", transport_.remote_address(), why,
                   reason_name(reason));
    version_ = version;
    mqtt::Connack ack;
    ack.reason = reason;
    if (version == Version::kV5 && request_problem_information_) ack.props.reason_string = why;
    send(ack);
    state_ = State::kClosing;
    transport_.close();
}

void Client::handle_connect(std::uint8_t flags, std::string_view body) {
    auto r = mqtt::decode_connect(flags, body);
    if (!r) {
        const auto& e = r.error();
        if (e.code == ReasonCode::kUnsupportedProtocolVersion) {
            // [MQTT-3.1.2-2] answer 0x01 (3.1.1) / 0x84 (5.0), then close. The level byte tells
            // which form the client understands.
            Version v = Version::kV311;
            if (body.size() >= 7 && static_cast<std::uint8_t>(body[6]) == 5) v = Version::kV5;
            refuse_connect(e.code, v, e.what);
            return;
        }
        logger()->info("{}: bad CONNECT: {}; closing", transport_.remote_address(), e.what);
        state_ = State::kClosing;
        transport_.close();
        return;
    }
    mqtt::Connect& c = r.value();
    version_ = c.version;
    request_problem_information_ = c.props.request_problem_information.value_or(1) != 0;

    if (c.props.authentication_method) {
        refuse_connect(ReasonCode::kBadAuthenticationMethod, version_,
                       "enhanced authentication is not supported");
        return;
    }
    switch (auth::check_credentials(worker_.config().auth, c.username, c.password)) {
        case auth::Credentials::kAccepted:
            break;
        case auth::Credentials::kAnonymousRefused:
            // 3.1.1 0x05 / 5.0 0x87 [MQTT-3.2.2-6]
            logger()->warn(
                "{}: CONNECT of client '{}' refused: no user name and "
                "allow_anonymous is false",
                transport_.remote_address(), c.client_id);
            refuse_connect(ReasonCode::kNotAuthorized, version_,
                           "anonymous clients are not allowed");
            return;
        case auth::Credentials::kBadCredentials:
            // 3.1.1 0x05 (not authorized, as NanoMQ and mosquitto answer) / 5.0 0x86.
            logger()->warn(
                "{}: CONNECT of client '{}' refused: bad user name or password for "
                "user '{}'",
                transport_.remote_address(), c.client_id, *c.username);
            refuse_connect(version_ == Version::kV5 ? ReasonCode::kBadUserNameOrPassword
                                                    : ReasonCode::kNotAuthorized,
                           version_, "bad user name or password");
            return;
    }

    std::string assigned;
    if (c.client_id.empty()) {
        if (version_ != Version::kV5 && !c.clean_start) {
            // [MQTT-3.1.3-8] an empty client id needs CleanSession = 1 in 3.1.1.
            refuse_connect(ReasonCode::kClientIdentifierNotValid, version_,
                           "empty client identifier requires clean session");
            return;
        }
        if (version_ == Version::kV31) {
            refuse_connect(ReasonCode::kClientIdentifierNotValid, version_,
                           "MQTT 3.1 requires a client identifier");
            return;
        }
        assigned = assign_client_id(worker_.broker, worker_.index);
        c.client_id = assigned;
    }

    // Sessions live on their client id's home worker; move there before touching any.
    auto home = worker_.broker.home_of(c.client_id);
    if (home != worker_.index) {
        state_ = State::kMigrating;
        transport_.migrate(home);
        return;
    }

    const auto& mq = worker_.config().mqtt;
    keep_alive_ = c.keep_alive;
    // [MQTT-3.2.2-21] [MQTT-3.2.2-22] a 5.0 client uses the Server Keep Alive we send.
    server_keep_alive_ = false;
    if (version_ == Version::kV5 && mq.max_keepalive > 0 &&
        (keep_alive_ == 0 || keep_alive_ > mq.max_keepalive)) {
        keep_alive_ = mq.max_keepalive;
        server_keep_alive_ = true;
    }
    keep_alive_timer_.start(keep_alive_, mq.keepalive_multiplier, Clock::now());
    if (version_ == Version::kV5) {
        receive_maximum_ = c.props.receive_maximum.value_or(65535);
        max_packet_size_ = c.props.maximum_packet_size.value_or(0);
        out_aliases_ = session::OutboundAliases(
            std::min<std::uint16_t>(c.props.topic_alias_maximum.value_or(0), 65535));
        in_aliases_.set_maximum(mq.max_topic_alias);
    } else {
        receive_maximum_ = 65535;
    }

    std::uint32_t expiry = 0;
    if (version_ == Version::kV5) {
        expiry = c.props.session_expiry_interval.value_or(0);
    } else {
        expiry = c.clean_start ? 0 : kNeverExpires;
    }

    Session* s = worker_.find_session(c.client_id);
    bool present = false;
    if (s) {
        if (s->client) {
            // [MQTT-3.1.4-3] the existing connection is closed; 5.0 tells it why.
            s->client->taken_over(!c.clean_start);
        }
        if (c.clean_start) {
            // [MQTT-3.1.2-4] Clean Start discards the existing session.
            // A delayed will fires when its session ends [MQTT-3.1.3-9].
            if (s->will) worker_.publish_will(*s);
            worker_.destroy_session(*s);
            s = nullptr;
        } else {
            present = true;
            // A reconnect before the will delay passed cancels the will [MQTT-3.1.3-9].
            if (s->will_due && worker_.broker.store())
                worker_.broker.store()->delete_will(s->client_id);
            s->will.reset();
            s->will_due.reset();
        }
    }
    if (!s) s = &worker_.create_session(c.client_id);
    session_ = s;
    s->client = this;
    ++s->generation;
    s->version = version_;
    s->keep_alive = keep_alive_;
    s->expiry_interval = expiry;
    s->username = c.username.value_or("");
    s->address = transport_.remote_address();
    s->will = c.will ? std::make_unique<mqtt::Will>(std::move(*c.will)) : nullptr;
    state_ = State::kConnected;
    if (Store* store = worker_.broker.store()) {
        if (s->persistent()) {
            store->put_session({s->client_id, s->username, static_cast<std::uint8_t>(version_),
                                s->expiry_interval, 0});
            s->in_store = true;
        } else if (s->in_store) {  // resumed, but no longer kept beyond this connection
            store->delete_session(s->client_id);
            s->in_store = false;
        }
    }

    send_connack(present, assigned.empty() ? nullptr : &assigned);
    logger()->debug("{}: connected from {} (v{}, keepalive {}s, session present {})", s->client_id,
                    transport_.remote_address(), static_cast<int>(version_), keep_alive_, present);
    sys_connected(worker_, *s, transport_.remote_address());
    if (present) s->resend_inflight();
    s->pump();
}

void Client::send_connack(bool session_present, const std::string* assigned_id) {
    mqtt::Connack ack;
    ack.session_present = session_present;  // [MQTT-3.2.2-2] [MQTT-3.2.2-3]
    if (version_ == Version::kV5) {
        const auto& mq = worker_.config().mqtt;
        if (assigned_id) ack.props.assigned_client_identifier = *assigned_id;
        if (server_keep_alive_) ack.props.server_keep_alive = keep_alive_;
        ack.props.topic_alias_maximum = mq.max_topic_alias;
        ack.props.receive_maximum =
            static_cast<std::uint16_t>(std::clamp<std::uint32_t>(mq.max_inflight_window, 1, 65535));
        if (mq.max_packet_size < mqtt::kMaxPacketSize)
            ack.props.maximum_packet_size = mq.max_packet_size;
        ack.props.retain_available = 1;
        ack.props.wildcard_subscription_available = 1;
        ack.props.subscription_identifier_available = 1;
        ack.props.shared_subscription_available = 1;
    }
    send(ack);
}

void Client::handle_publish(std::uint8_t flags, std::string_view body) {
    auto r = mqtt::decode_publish(flags, body, version_);
    if (!r) {
        protocol_violation(r.error());
        return;
    }
    mqtt::Publish& p = r.value();

    // Topic Alias (5.0): resolve, then forget it; it never travels further.
    if (p.props.topic_alias) {
        auto t = in_aliases_.resolve(*p.props.topic_alias, p.topic);
        if (!t) {
            protocol_violation(t.error());
            return;
        }
        if (p.topic.empty()) p.topic.assign(t.value());
        p.props.topic_alias.reset();
    } else if (p.topic.empty()) {
        protocol_violation({ReasonCode::kProtocolError, "empty topic without a topic alias"});
        return;
    }
    // [MQTT-3.3.4-8]-style inbound quota: QoS 2 flows waiting for PUBREL.
    if (p.qos == QoS::kExactlyOnce && !session_->inbound_qos2.count(p.packet_id) &&
        session_->inbound_qos2.size() >=
            std::clamp<std::uint32_t>(worker_.config().mqtt.max_inflight_window, 1, 65535)) {
        protocol_violation({ReasonCode::kReceiveMaximumExceeded, "receive maximum exceeded"});
        return;
    }

    if (const auto& a = worker_.config().auth; a.acl_configured) {
        auto verdict = auth::check_acl(a, identity(), auth::Action::kPublish, p.topic);
        if (!verdict.allow) {
            refuse_publish(p.qos, p.packet_id, p.topic, verdict);
            return;
        }
    }

    std::size_t matched = 0;
    bool duplicate = p.qos == QoS::kExactlyOnce && session_->inbound_qos2.count(p.packet_id);
    if (!duplicate) {
        auto msg = std::make_shared<Message>();
        msg->topic = std::move(p.topic);
        msg->payload = std::move(p.payload);
        msg->qos = p.qos;
        msg->retain = p.retain;
        msg->publisher = session_->id;
        if (worker_.broker.store() && (p.qos != QoS::kAtMostOnce || p.retain)) {
            msg->store_id = worker_.broker.store()->next_message_id();
            msg->received_wall_ms = wall_ms();
        }
        if (version_ == Version::kV5) {
            if (p.props.message_expiry_interval) msg->received = Clock::now();
            p.props.subscription_identifiers.clear();
            if (!p.props.empty())
                msg->props = std::make_unique<mqtt::Properties>(std::move(p.props));
        }
        matched = worker_.publish(std::move(msg));
    }
    if (p.qos == QoS::kAtLeastOnce) {
        mqtt::PubResponse ack{PacketType::kPuback,
                              p.packet_id,
                              matched ? ReasonCode::kSuccess : ReasonCode::kNoMatchingSubscribers,
                              {}};
        send_when_stored(ack);
    } else if (p.qos == QoS::kExactlyOnce) {
        // [MQTT-4.3.3-?] method B: the message is routed once, on the first PUBLISH; the packet
        // id is remembered until PUBREL so a re-sent PUBLISH is not routed again.
        if (!duplicate) {
            session_->inbound_qos2.insert(p.packet_id);
            if (session_->persistent())
                worker_.broker.store()->put_inbound_qos2(session_->client_id, p.packet_id);
        }
        mqtt::PubResponse rec{
            PacketType::kPubrec,
            p.packet_id,
            (matched || duplicate) ? ReasonCode::kSuccess : ReasonCode::kNoMatchingSubscribers,
            {}};
        send_when_stored(rec);
    }
}

auth::Identity Client::identity() const {
    return {session_->client_id, session_->username.empty() ? nullptr : &session_->username,
            transport_.remote_address()};
}

bool Client::acl_denied(auth::Action action, std::string_view topic, const auth::Verdict& v) {
    logger()->warn("{}: {} of client '{}' (user '{}') to '{}' denied by {}",
                   transport_.remote_address(),
                   action == auth::Action::kPublish ? "PUBLISH" : "SUBSCRIBE", session_->client_id,
                   session_->username, topic, auth::describe(v));
    if (worker_.config().auth.deny_action != config::AclDenyAction::kDisconnect) return false;
    disconnect(ReasonCode::kNotAuthorized, "not authorized");
    return true;
}

void Client::refuse_publish(QoS qos, std::uint16_t packet_id, std::string_view topic,
                            const auth::Verdict& v) {
    if (acl_denied(auth::Action::kPublish, topic, v)) return;
    // deny_action = ignore: the message is dropped; 5.0 says why in the acknowledgement
    // (0x87), 3.1.1 cannot and acknowledges as usual so the publisher does not re-send.
    auto reason = version_ == Version::kV5 ? ReasonCode::kNotAuthorized : ReasonCode::kSuccess;
    if (qos == QoS::kAtLeastOnce) {
        send(mqtt::PubResponse{PacketType::kPuback, packet_id, reason, {}});
    } else if (qos == QoS::kExactlyOnce) {
        // A 5.0 PUBREC with a failure code ends the flow [MQTT-4.3.3-?]; a 3.1.1 one waits for
        // PUBREL like any other.
        if (version_ != Version::kV5) session_->inbound_qos2.insert(packet_id);
        send(mqtt::PubResponse{PacketType::kPubrec, packet_id, reason, {}});
    }
}

void Client::handle_pub_response(const mqtt::FixedHeader& h, std::string_view body) {
    auto r = mqtt::decode_pub_response(h.type(), h.flags(), body, version_);
    if (!r) {
        protocol_violation(r.error());
        return;
    }
    const auto& p = r.value();
    switch (p.type) {
        case PacketType::kPuback:
            session_->on_puback(p.packet_id);
            break;
        case PacketType::kPubrec:
            if (!session_->on_pubrec(p.packet_id, is_failure(p.reason)))
                send_pubrel(p.packet_id, ReasonCode::kPacketIdentifierNotFound);
            break;
        case PacketType::kPubcomp:
            session_->on_pubcomp(p.packet_id);
            break;
        case PacketType::kPubrel: {
            bool known = session_->inbound_qos2.erase(p.packet_id) > 0;
            if (known && session_->persistent())
                worker_.broker.store()->delete_inbound_qos2(session_->client_id, p.packet_id);
            send(mqtt::PubResponse{
                PacketType::kPubcomp,
                p.packet_id,
                known ? ReasonCode::kSuccess : ReasonCode::kPacketIdentifierNotFound,
                {}});
            break;
        }
        default:
            break;
    }
}

void Client::handle_subscribe(std::uint8_t flags, std::string_view body) {
    auto r = mqtt::decode_subscribe(flags, body, version_);
    if (!r) {
        protocol_violation(r.error());
        return;
    }
    auto& sub = r.value();
    std::uint32_t sub_id =
        sub.props.subscription_identifiers.empty() ? 0 : sub.props.subscription_identifiers[0];
    mqtt::Suback ack;
    ack.packet_id = sub.packet_id;
    ack.reasons.reserve(sub.topics.size());
    struct Fresh {
        std::size_t index;
        bool existed;
    };
    std::vector<Fresh> granted;
    for (std::size_t i = 0; i < sub.topics.size(); ++i) {
        auto& t = sub.topics[i];
        if (!mqtt::is_valid_topic_filter(t.filter)) {
            ack.reasons.push_back(ReasonCode::kTopicFilterInvalid);
            continue;
        }
        auto shared = mqtt::parse_shared_filter(t.filter);
        if (shared && t.options.no_local && version_ == Version::kV5) {
            // [MQTT-3.8.3-4] No Local on a shared subscription is a protocol error.
            protocol_violation({ReasonCode::kProtocolError, "no local on a shared subscription"});
            return;
        }
        if (const auto& a = worker_.config().auth; a.acl_configured) {
            auto verdict = auth::check_acl(a, identity(), auth::Action::kSubscribe, t.filter);
            if (!verdict.allow) {
                if (acl_denied(auth::Action::kSubscribe, t.filter, verdict)) return;
                ack.reasons.push_back(ReasonCode::kNotAuthorized);  // 3.1.1: 0x80
                continue;
            }
        }
        SubscriptionEntry e{t.options, sub_id};
        bool existed = worker_.subscribe(*session_, t.filter, e);
        ack.reasons.push_back(static_cast<ReasonCode>(t.options.qos));
        if (!shared) granted.push_back({i, existed});
    }
    // Retained messages after the SUBACK [MQTT-3.3.1-9], per Retain Handling; none for
    // shared subscriptions.
    std::vector<RetainedRequest> retained;
    for (auto& g : granted) {
        auto& t = sub.topics[g.index];
        if (t.options.retain_handling == 2) continue;
        if (t.options.retain_handling == 1 && g.existed) continue;
        retained.push_back({std::move(t.filter), t.options, sub_id});
    }
    send_when_settled(std::move(ack), std::move(retained));
}

template <class Ack>
void Client::send_when_stored(Ack ack) {
    if (!worker_.broker.store()) {
        send(ack);
        return;
    }
    auto* worker = &worker_;
    auto sid = session_->id;
    auto generation = session_->generation;
    worker_.after_stored([worker, sid, generation, ack = std::move(ack)] {
        Session* s = worker->find_session_by_id(sid);
        if (!s || !s->client || s->generation != generation || !s->client->connected()) return;
        s->client->send(ack);
    });
}

template <class Ack>
void Client::send_when_settled(Ack ack, std::vector<RetainedRequest> retained) {
    auto* worker = &worker_;
    auto sid = session_->id;
    auto generation = session_->generation;
    worker_.after_subscriptions_settle(
        [worker, sid, generation, ack = std::move(ack), retained = std::move(retained)] {
            Session* s = worker->find_session_by_id(sid);
            if (!s || !s->client || s->generation != generation || !s->client->connected()) return;
            Client& c = *s->client;
            c.send(ack);
            for (auto& r : retained)
                c.send_retained(r.filter, r.options, r.subscription_id);
        });
}

void Client::send_retained(const std::string& filter, const mqtt::SubscribeOptions& options,
                           std::uint32_t sub_id) {
    std::vector<MessagePtr> found;
    worker_.broker.find_retained(filter, found);
    for (auto& m : found) {
        Outgoing out;
        out.msg = m;
        out.qos = std::min(m->qos, options.qos);
        out.retain = true;  // [MQTT-3.3.1-8]
        if (sub_id) out.subscription_ids.push_back(sub_id);
        session_->deliver(std::move(out));
    }
}

void Client::handle_unsubscribe(std::uint8_t flags, std::string_view body) {
    auto r = mqtt::decode_unsubscribe(flags, body, version_);
    if (!r) {
        protocol_violation(r.error());
        return;
    }
    mqtt::Unsuback ack;
    ack.packet_id = r->packet_id;
    for (auto& f : r->filters) {
        if (!mqtt::is_valid_topic_filter(f)) {
            ack.reasons.push_back(ReasonCode::kTopicFilterInvalid);
            continue;
        }
        bool had = worker_.unsubscribe(*session_, f);
        ack.reasons.push_back(had ? ReasonCode::kSuccess : ReasonCode::kNoSubscriptionExisted);
    }
    send_when_settled(std::move(ack), {});
}

void Client::handle_disconnect(std::uint8_t flags, std::string_view body) {
    auto r = mqtt::decode_disconnect(flags, body, version_);
    if (!r) {
        protocol_violation(r.error());
        return;
    }
    auto& d = r.value();
    if (version_ == Version::kV5 && d.props.session_expiry_interval) {
        // [MQTT-3.14.2-2] a session that was to end with the connection cannot be extended.
        if (session_->expiry_interval == 0 && *d.props.session_expiry_interval != 0) {
            protocol_violation({ReasonCode::kProtocolError, "session expiry set after 0"});
            return;
        }
        session_->expiry_interval = *d.props.session_expiry_interval;
    }
    // [MQTT-3.1.2-10] a normal DISCONNECT discards the will; 0x04 keeps it.
    bool with_will = version_ == Version::kV5 && d.reason == ReasonCode::kDisconnectWithWill;
    will_cleared_ = !with_will;
    detach(with_will);
    state_ = State::kClosing;
    transport_.close();
}

bool Client::send_publish(const Outgoing& out, std::uint16_t packet_id, bool dup) {
    const Message& m = *out.msg;
    mqtt::PublishView v;
    v.dup = dup;
    v.qos = out.qos;
    v.retain = out.retain;
    v.topic = m.topic;
    v.packet_id = packet_id;
    v.payload = m.payload;

    if (version_ == Version::kV5) {
        auto expiry = m.has_expiry() ? m.remaining_expiry(Clock::now()) : std::nullopt;
        thread_local mqtt::Properties props;
        bool plain = !m.props && out.subscription_ids.empty();
        if (!plain) {
            if (m.props) {
                props = *m.props;
            } else {
                props = mqtt::Properties{};
            }
            // [MQTT-3.3.2-6] the expiry sent is what is left of it.
            if (expiry) props.message_expiry_interval = *expiry;
            props.subscription_identifiers = out.subscription_ids;
            v.props = &props;
        }
        // [MQTT-3.1.2-25] never larger than the client's Maximum Packet Size (checked with
        // the full topic, before an alias is spent on it).
        if (max_packet_size_ && mqtt::encoded_publish_size(v, version_) > max_packet_size_) {
            return false;
        }
        auto choice = out_aliases_.choose(m.topic);
        if (choice.alias) {
            if (plain) {
                props = mqtt::Properties{};
                v.props = &props;
            }
            props.topic_alias = choice.alias;
            if (!choice.send_topic) v.topic = {};
        }
    }
    mqtt::encode_publish(v, version_, transport_.output());
    transport_.flush();
    return true;
}

void Client::send_pubrel(std::uint16_t packet_id, ReasonCode reason) {
    send(mqtt::PubResponse{PacketType::kPubrel, packet_id, reason, {}});
}

}  // namespace nmq::broker
