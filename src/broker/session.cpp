#include "broker/session.hpp"

#include <algorithm>

#include "broker/broker.hpp"
#include "broker/client.hpp"
#include "broker/worker.hpp"

namespace nmq::broker {

Session::Session(Worker& w, SessionId i, std::string cid)
    : worker(w), id(i), client_id(std::move(cid)) {}

Session::~Session() = default;

bool Session::window_open() const noexcept {
    std::size_t limit = worker.broker.config().mqtt.max_inflight_window;
    if (client) limit = std::min<std::size_t>(limit, client->receive_maximum());
    return inflight_.size() < std::max<std::size_t>(limit, 1);
}

void Session::deliver(Outgoing&& out) {
    auto& counters = worker.counters;
    const bool counted = !out.msg->sys;
    if (out.msg->expired_now()) {  // [MQTT-3.3.2-5]
        if (counted) counters.add(counters.message_drop);
        return;
    }
    if (client && client->connected()) {
        if (out.qos == mqtt::QoS::kAtMostOnce) {
            if (!client->transport().writable()) {  // slow reader: QoS 0 is given up
                if (counted) counters.add(counters.message_drop);
                return;
            }
            if (client->send_publish(out, 0, false)) {
                ++delivered;
                if (counted) counters.add(counters.message_out);
            } else if (counted) {
                counters.add(counters.message_drop);
            }
            return;
        }
        // Order within a session is kept: nothing overtakes what is already queued.
        if (queued() == 0 && window_open() && client->transport().writable()) {
            send_new(out);
            return;
        }
    } else if (out.qos == mqtt::QoS::kAtMostOnce) {
        // Offline: QoS 0 messages are not queued (as mosquitto and NanoMQ do by default).
        if (counted) counters.add(counters.message_drop);
        return;
    }
    queue_or_drop(std::move(out));
}

void Session::queue_or_drop(Outgoing&& out) {
    if (queued() >= worker.broker.config().mqtt.max_mqueue_len) {
        if (!out.msg->sys) worker.counters.add(worker.counters.message_drop);
        return;
    }
    if (!queue_) queue_ = std::make_unique<std::deque<Outgoing>>();
    queue_->push_back(std::move(out));
}

bool Session::send_new(Outgoing& out) {
    std::uint16_t pid = ids_.acquire();
    if (pid == 0) {
        queue_or_drop(std::move(out));
        return false;
    }
    if (!client->send_publish(out, pid, false)) {  // larger than the client accepts
        ids_.release(pid);
        if (!out.msg->sys) worker.counters.add(worker.counters.message_drop);
        return true;
    }
    ++delivered;
    if (!out.msg->sys) worker.counters.add(worker.counters.message_out);
    auto state = out.qos == mqtt::QoS::kAtLeastOnce ? FlowState::kAwaitPuback
                                                    : FlowState::kAwaitPubrec;
    inflight_.emplace(pid, Inflight{std::move(out), state, next_seq_++});
    return true;
}

void Session::pump() {
    if (!client || !client->connected()) return;
    while (queued() > 0 && window_open() && client->transport().writable()) {
        Outgoing out = std::move(queue_->front());
        queue_->pop_front();
        if (queue_->empty()) queue_.reset();
        if (out.msg->expired_now()) {
            if (!out.msg->sys) worker.counters.add(worker.counters.message_drop);
            continue;
        }
        if (out.qos == mqtt::QoS::kAtMostOnce) {
            if (client->send_publish(out, 0, false)) {
                ++delivered;
                if (!out.msg->sys) worker.counters.add(worker.counters.message_out);
            }
            continue;
        }
        send_new(out);
    }
}

void Session::resend_inflight() {
    if (!client) return;
    std::vector<std::pair<std::uint64_t, std::uint16_t>> order;
    order.reserve(inflight_.size());
    for (auto& [pid, f] : inflight_) order.emplace_back(f.seq, pid);
    std::sort(order.begin(), order.end());
    for (auto& [seq, pid] : order) {
        auto& f = inflight_.at(pid);
        if (f.state == FlowState::kAwaitPubcomp) {
            client->send_pubrel(pid);
        } else {
            // [MQTT-3.3.1-1] DUP is set on a re-delivery.
            client->send_publish(f.out, pid, true);
        }
    }
}

void Session::on_puback(std::uint16_t pid) {
    auto it = inflight_.find(pid);
    if (it == inflight_.end() || it->second.state != FlowState::kAwaitPuback) return;
    inflight_.erase(it);
    ids_.release(pid);
    pump();
}

bool Session::on_pubrec(std::uint16_t pid, bool failed) {
    auto it = inflight_.find(pid);
    if (it == inflight_.end()) return false;
    if (it->second.state == FlowState::kAwaitPubrec) {
        if (failed) {  // [MQTT-4.3.3-?] a PUBREC with a failure code ends the flow
            inflight_.erase(it);
            ids_.release(pid);
            pump();
            return true;
        }
        it->second.state = FlowState::kAwaitPubcomp;
        it->second.out.msg.reset();  // the message itself is no longer needed
    }
    if (client) client->send_pubrel(pid);
    return true;
}

void Session::on_pubcomp(std::uint16_t pid) {
    auto it = inflight_.find(pid);
    if (it == inflight_.end() || it->second.state != FlowState::kAwaitPubcomp) return;
    inflight_.erase(it);
    ids_.release(pid);
    pump();
}

void Session::clear_messages() {
    inflight_.clear();
    queue_.reset();
    inbound_qos2.clear();
    ids_ = session::PacketIds{};
}

}  // namespace nmq::broker
