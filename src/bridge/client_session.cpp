#include "bridge/client_session.hpp"

#include <algorithm>

namespace nmq::bridge {

namespace {
using mqtt::PacketType;
using mqtt::QoS;
using mqtt::Version;
}  // namespace

ClientSession::ClientSession(ClientOptions options, Events& events, QueueStore* store)
    : options_(std::move(options)),
      events_(events),
      queue_(options_.max_queue, options_.max_queue_bytes, store) {}

template <class P>
void ClientSession::send(const P& packet) {
    mqtt::encode(packet, options_.version, wire_->output());
    wire_->flush();
    wrote_ = true;
}

void ClientSession::link_up(Wire& wire, Clock::time_point now) {
    wire_ = &wire;
    state_ = State::kAwaitConnack;
    error_.clear();
    in_.clear();
    link_up_at_ = last_sent_ = last_received_ = now;
    wrote_ = read_ = ping_outstanding_ = false;
    mqtt::Connect c;
    c.version = options_.version;
    c.clean_start = options_.clean_start;
    c.keep_alive = options_.keep_alive;
    c.client_id = options_.client_id;
    c.will = options_.will;
    c.username = options_.username;
    c.password = options_.password;
    if (c.version == Version::kV5) c.props = options_.connect_props;
    mqtt::encode(c, wire_->output());
    wire_->flush();
}

void ClientSession::link_down() {
    if (state_ == State::kOffline) return;
    state_ = State::kOffline;
    wire_ = nullptr;
    in_.clear();
    if (subscribe_id_) {
        ids_.release(subscribe_id_);  // subscribed again on the next connection
        subscribe_id_ = 0;
    }
    // Topic aliases and inbound QoS 2 state belong to the network connection... except that
    // 5.0 keeps the QoS 2 packet ids with the session; the remote sends PUBREL again, which
    // is answered whether or not the id is known.
    out_aliases_.reset();
    if (auto n = queue_.drop_qos0())
        events_.on_dropped(n, {}, "QoS 0 messages waiting when the link went down");
}

bool ClientSession::fail(ReasonCode reason, std::string why) {
    error_ = std::move(why);
    if (state_ == State::kConnected && options_.version == Version::kV5 && wire_) {
        mqtt::Disconnect d;
        d.reason = reason;
        send(d);
    }
    return false;
}

bool ClientSession::on_bytes(std::string_view data) {
    if (state_ == State::kOffline) return false;
    read_ = true;
    std::string_view view = data;
    if (!in_.empty()) {
        in_.append(data);
        view = in_;
    }
    std::size_t used = 0;
    bool ok = true;
    while (ok && used < view.size()) {
        std::string_view rest = view.substr(used);
        mqtt::FixedHeader h;
        auto status = mqtt::parse_fixed_header(rest, h);
        if (status == mqtt::FrameStatus::kNeedMore) break;
        if (status == mqtt::FrameStatus::kMalformed)
            return fail(ReasonCode::kMalformedPacket, "malformed packet from the remote");
        if (h.packet_size() > max_inbound_packet_)
            return fail(ReasonCode::kPacketTooLarge, "packet from the remote is too large");
        if (rest.size() < h.packet_size()) break;
        ok = handle(h, rest.substr(h.header_size, h.remaining_length));
        used += h.packet_size();
    }
    if (!ok) return false;
    if (in_.empty()) {
        if (used < view.size()) in_.assign(view.substr(used));
    } else {
        in_.erase(0, used);
    }
    return true;
}

bool ClientSession::handle(const mqtt::FixedHeader& h, std::string_view body) {
    if (state_ == State::kAwaitConnack) {
        if (h.type() != PacketType::kConnack)
            return fail(ReasonCode::kProtocolError, "the remote's first packet is not CONNACK");
        return handle_connack(h.flags(), body);
    }
    switch (h.type()) {
        case PacketType::kPublish:
            return handle_publish(h.flags(), body);
        case PacketType::kPuback:
        case PacketType::kPubrec:
        case PacketType::kPubrel:
        case PacketType::kPubcomp:
            return handle_pub_response(h, body);
        case PacketType::kSuback:
            return handle_suback(h.flags(), body);
        case PacketType::kUnsuback:
            return true;
        case PacketType::kPingresp:
            ping_outstanding_ = false;
            return true;
        case PacketType::kDisconnect: {
            auto d = mqtt::decode_disconnect(h.flags(), body, options_.version);
            if (!d) return fail(d.error().code, d.error().what);
            error_ = "the remote disconnected: " + std::string(reason_name(d->reason));
            if (d->props.reason_string) error_ += " (" + *d->props.reason_string + ")";
            return false;
        }
        default:
            return fail(ReasonCode::kProtocolError, "packet type not allowed from a server");
    }
}

bool ClientSession::handle_connack(std::uint8_t flags, std::string_view body) {
    auto r = mqtt::decode_connack(flags, body, options_.version);
    if (!r) {
        error_ = std::string("bad CONNACK: ") + r.error().what;
        return false;
    }
    const mqtt::Connack& ack = r.value();
    if (ack.reason != ReasonCode::kSuccess) {
        std::string why = ack.props.reason_string.value_or("");
        error_ = "connection refused: " + std::string(reason_name(ack.reason));
        events_.on_refused(ack.reason, why);
        return false;
    }
    state_ = State::kConnected;
    const auto& p = ack.props;
    std::uint16_t receive_maximum = 65535;
    max_qos_ = QoS::kExactlyOnce;
    retain_available_ = true;
    max_packet_size_ = 0;
    keep_alive_ = options_.keep_alive;
    if (options_.version == Version::kV5) {
        receive_maximum = p.receive_maximum.value_or(65535);
        if (p.maximum_qos) max_qos_ = static_cast<QoS>(std::min<std::uint8_t>(*p.maximum_qos, 2));
        retain_available_ = p.retain_available.value_or(1) != 0;
        max_packet_size_ = p.maximum_packet_size.value_or(0);
        // [MQTT-3.2.2-21] the Server Keep Alive replaces ours.
        if (p.server_keep_alive) keep_alive_ = *p.server_keep_alive;
        if (p.topic_alias_maximum.value_or(0) > 0) out_aliases_.emplace(*p.topic_alias_maximum);
        in_aliases_.set_maximum(options_.connect_props.topic_alias_maximum.value_or(0));
        if (options_.connect_props.maximum_packet_size)
            max_inbound_packet_ = *options_.connect_props.maximum_packet_size;
    }
    window_ = std::max<std::uint16_t>(1, std::min(receive_maximum, options_.max_inflight));

    send_subscribe();
    std::size_t resent = 0;
    std::size_t requeued = 0;
    if (ack.session_present && !options_.clean_start) {
        // [MQTT-4.4.0-1] unacknowledged PUBLISH and PUBREL again, in their first order, with
        // their packet ids; DUP marks the PUBLISH [MQTT-3.3.1-1].
        for (const auto& r : queue_.inflight_in_order()) {
            if (r.flow == OutboundQueue::Flow::kAwaitPubcomp) {
                send(mqtt::PubResponse{PacketType::kPubrel, r.id, ReasonCode::kSuccess, {}});
            } else {
                write_publish(*r.m, r.id, true);
            }
            ++resent;
        }
        resent_ += resent;
    } else {
        // The remote has no session of ours: what it did not acknowledge goes again as new
        // messages, ahead of what waits.
        for (auto id : queue_.requeue_inflight()) {
            ids_.release(id);
            ++requeued;
        }
        inbound_qos2_.clear();
    }
    events_.on_connected(ack.session_present, resent, requeued);
    pump();
    return true;
}

void ClientSession::send_subscribe() {
    if (options_.subscriptions.empty()) return;
    mqtt::Subscribe s;
    s.packet_id = subscribe_id_ = ids_.acquire();
    s.topics = options_.subscriptions;
    if (options_.version == Version::kV5) s.props = options_.subscribe_props;
    send(s);
}

bool ClientSession::handle_suback(std::uint8_t flags, std::string_view body) {
    auto r = mqtt::decode_suback(flags, body, options_.version);
    if (!r) return fail(r.error().code, r.error().what);
    if (r->packet_id != subscribe_id_) return true;  // a SUBACK of an earlier connection
    ids_.release(subscribe_id_);
    subscribe_id_ = 0;
    for (std::size_t i = 0; i < r->reasons.size() && i < options_.subscriptions.size(); ++i)
        events_.on_subscribed(i, r->reasons[i]);
    return true;
}

bool ClientSession::handle_publish(std::uint8_t flags, std::string_view body) {
    auto r = mqtt::decode_publish(flags, body, options_.version);
    if (!r) return fail(r.error().code, r.error().what);
    mqtt::Publish& p = r.value();
    if (p.props.topic_alias) {
        auto t = in_aliases_.resolve(*p.props.topic_alias, p.topic);
        if (!t) return fail(t.error().code, t.error().what);
        if (p.topic.empty()) p.topic.assign(t.value());
        p.props.topic_alias.reset();
    } else if (p.topic.empty()) {
        return fail(ReasonCode::kProtocolError, "PUBLISH with an empty topic and no alias");
    }
    const std::uint16_t id = p.packet_id;
    const QoS qos = p.qos;
    if (qos == QoS::kExactlyOnce) {
        if (inbound_qos2_.count(id)) {  // a repeat: delivered already (method B)
            send(mqtt::PubResponse{PacketType::kPubrec, id, ReasonCode::kSuccess, {}});
            return true;
        }
        const auto limit = options_.connect_props.receive_maximum.value_or(65535);
        if (options_.version == Version::kV5 && inbound_qos2_.size() >= limit)
            return fail(ReasonCode::kReceiveMaximumExceeded,
                        "the remote exceeded our receive maximum");
    }
    events_.on_message(std::move(p));
    if (qos == QoS::kAtLeastOnce) {
        send(mqtt::PubResponse{PacketType::kPuback, id, ReasonCode::kSuccess, {}});
    } else if (qos == QoS::kExactlyOnce) {
        inbound_qos2_.insert(id);
        send(mqtt::PubResponse{PacketType::kPubrec, id, ReasonCode::kSuccess, {}});
    }
    return true;
}

bool ClientSession::handle_pub_response(const mqtt::FixedHeader& h, std::string_view body) {
    auto r = mqtt::decode_pub_response(h.type(), h.flags(), body, options_.version);
    if (!r) return fail(r.error().code, r.error().what);
    const auto& p = r.value();
    switch (p.type) {
        case PacketType::kPuback:
            if (is_failure(p.reason) && queue_.in_flight(p.packet_id)) {
                auto m = queue_.refused(p.packet_id);
                ids_.release(p.packet_id);
                events_.on_dropped(1, m.topic, "refused by the remote (PUBACK)");
            } else if (queue_.complete(p.packet_id, false)) {
                ids_.release(p.packet_id);
            }
            break;
        case PacketType::kPubrec:
            if (is_failure(p.reason)) {
                if (queue_.in_flight(p.packet_id)) {
                    auto m = queue_.refused(p.packet_id);
                    ids_.release(p.packet_id);
                    events_.on_dropped(1, m.topic, "refused by the remote (PUBREC)");
                }
                break;
            }
            if (queue_.received(p.packet_id)) {
                send(mqtt::PubResponse{PacketType::kPubrel, p.packet_id, ReasonCode::kSuccess, {}});
            } else {
                // [MQTT-4.3.3] an unknown id still gets its PUBREL, so the remote can finish.
                send(mqtt::PubResponse{
                    PacketType::kPubrel, p.packet_id, ReasonCode::kPacketIdentifierNotFound, {}});
            }
            break;
        case PacketType::kPubcomp:
            if (queue_.complete(p.packet_id, true)) ids_.release(p.packet_id);
            break;
        case PacketType::kPubrel: {
            bool known = inbound_qos2_.erase(p.packet_id) > 0;
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
    pump();  // a flow ended: the window may have room again
    return true;
}

bool ClientSession::write_publish(const Outbound& m, std::uint16_t id, bool dup) {
    const broker::Message& msg = *m.msg;
    mqtt::PublishView v;
    v.dup = dup;
    v.qos = m.qos;
    v.retain = m.retain;
    v.topic = m.topic;
    v.packet_id = id;
    v.payload = msg.payload;
    if (options_.version == Version::kV5) {
        thread_local mqtt::Properties props;
        bool plain = !msg.props;
        if (!plain) {
            props = *msg.props;
            props.subscription_identifiers.clear();
            props.topic_alias.reset();
            // [MQTT-3.3.2-6] what is left of the expiry (at least a second for a message
            // already in flight when it ran out: it is repeated, not new).
            if (auto left = msg.remaining_expiry(Clock::now()))
                props.message_expiry_interval = std::max<std::uint32_t>(*left, 1);
            v.props = &props;
        }
        if (max_packet_size_ && mqtt::encoded_publish_size(v, options_.version) > max_packet_size_)
            return false;
        if (out_aliases_) {
            auto choice = out_aliases_->choose(m.topic);
            if (choice.alias) {
                if (plain) {
                    props = mqtt::Properties{};
                    v.props = &props;
                }
                props.topic_alias = choice.alias;
                if (!choice.send_topic) v.topic = {};
            }
        }
    } else if (max_packet_size_ &&
               mqtt::encoded_publish_size(v, options_.version) > max_packet_size_) {
        return false;
    }
    mqtt::encode_publish(v, options_.version, wire_->output());
    wire_->flush();
    wrote_ = true;
    return true;
}

bool ClientSession::publish(Outbound m) {
    if (state_ == State::kOffline && m.qos == QoS::kAtMostOnce) {
        events_.on_dropped(1, m.topic, "QoS 0 message while the link is down");
        return false;
    }
    // Nothing overtakes what already waits.
    if (state_ == State::kConnected && !queue_.has_waiting() && wire_->writable() &&
        (m.qos == QoS::kAtMostOnce || window_open())) {
        if (m.qos > max_qos_) m.qos = max_qos_;    // [MQTT-3.2.2-11]
        if (!retain_available_) m.retain = false;  // [MQTT-3.2.2-14]
        if (m.qos == QoS::kAtMostOnce) {
            if (!write_publish(m, 0, false)) {
                events_.on_dropped(1, m.topic, "larger than the remote's maximum packet size");
                return false;
            }
            ++sent_;
            return true;
        }
        if (std::uint16_t id = ids_.acquire()) {
            if (!write_publish(m, id, false)) {
                ids_.release(id);
                events_.on_dropped(1, m.topic, "larger than the remote's maximum packet size");
                return false;
            }
            ++sent_;
            queue_.sent(id, std::move(m));
            return true;
        }
    }
    if (!queue_.push(std::move(m))) {
        events_.on_dropped(1, m.topic, "the bridge's queue is full");
        return false;
    }
    return true;
}

void ClientSession::pump() {
    if (state_ != State::kConnected) return;
    while (queue_.has_waiting() && wire_->writable()) {
        const Outbound& next = queue_.front();
        bool needs_window = next.qos != QoS::kAtMostOnce && max_qos_ != QoS::kAtMostOnce;
        if (needs_window && !window_open()) break;
        Outbound m = queue_.pop();
        if (m.msg->expired_now()) {  // [MQTT-3.3.2-5] waited past its Message Expiry Interval
            queue_.release_expired(m);
            events_.on_dropped(1, m.topic, "its message expiry interval ran out while queued");
            continue;
        }
        if (m.qos > max_qos_) m.qos = max_qos_;
        if (!retain_available_) m.retain = false;
        std::uint16_t id = 0;
        if (m.qos != QoS::kAtMostOnce) {
            id = ids_.acquire();
            if (id == 0) {  // all 65535 in use
                queue_.push_front(std::move(m));
                break;
            }
        }
        if (!write_publish(m, id, false)) {
            if (id) ids_.release(id);
            queue_.release_expired(m);  // given up: finished for the store too
            events_.on_dropped(1, m.topic, "larger than the remote's maximum packet size");
            continue;
        }
        ++(m.again ? resent_ : sent_);
        if (id) queue_.sent(id, std::move(m));
    }
}

bool ClientSession::tick(Clock::time_point now) {
    if (state_ == State::kOffline) return true;
    if (read_) {
        read_ = false;
        last_received_ = now;
    }
    if (wrote_) {
        wrote_ = false;
        last_sent_ = now;
    }
    if (state_ == State::kAwaitConnack) {
        if (now - link_up_at_ > options_.connect_timeout) {
            error_ = "no CONNACK within " +
                     std::to_string(
                         std::chrono::duration_cast<std::chrono::seconds>(options_.connect_timeout)
                             .count()) +
                     "s";
            return false;
        }
        return true;
    }
    if (keep_alive_ == 0) return true;
    const auto interval = std::chrono::seconds(keep_alive_);
    // [MQTT-3.1.2-23] a PINGREQ when nothing else was sent within the keep alive.
    if (now - last_sent_ >= interval && !ping_outstanding_) {
        send(mqtt::Pingreq{});
        ping_outstanding_ = true;
        last_sent_ = now;
        wrote_ = false;
    }
    // A remote that answers nothing for 1.5 keep-alives is gone [MQTT-3.1.2-24] (its view).
    if (now - last_received_ > interval + interval / 2) {
        error_ = "no answer from the remote for " + std::to_string(keep_alive_ * 3 / 2) + "s";
        return false;
    }
    return true;
}

void ClientSession::disconnect() {
    if (state_ != State::kConnected || !wire_) return;
    send(mqtt::Disconnect{});
}

}  // namespace nmq::bridge
