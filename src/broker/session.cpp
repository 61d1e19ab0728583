#include "broker/session.hpp"

#include <algorithm>

#include "broker/broker.hpp"
#include "broker/client.hpp"
#include "broker/store.hpp"
#include "broker/worker.hpp"

namespace nmq::broker {

Session::Session(Worker& w, SessionId i, std::string cid)
    : worker(w), id(i), client_id(std::move(cid)) {}

Session::~Session() = default;

bool Session::window_open() const noexcept {
    std::size_t limit = worker.config().mqtt.max_inflight_window;
    if (client) limit = std::min<std::size_t>(limit, client->receive_maximum());
    return inflight() < std::max<std::size_t>(limit, 1);
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

bool Session::persistent() const noexcept {
    return expiry_interval != 0 && worker.broker.store() != nullptr;
}

void Session::store_owed(Outgoing& out, std::uint8_t state, std::uint16_t packet_id) {
    if (out.qos == mqtt::QoS::kAtMostOnce || out.msg->store_id == 0) return;
    Store* store = worker.broker.store();
    if (!store) return;
    StoredDelivery d{client_id, out.msg->store_id, static_cast<std::uint8_t>(out.qos),
                     static_cast<StoredDelivery::State>(state), packet_id};
    if (out.stored) {
        store->update_delivery(d);
    } else if (persistent()) {
        store->put_delivery(d, out.msg);
        out.stored = true;
    }
}

void Session::forget_owed(const Outgoing& out) {
    if (out.stored) forget_owed(out.msg->store_id);
}

void Session::forget_owed(std::uint64_t store_id) {
    if (store_id == 0) return;
    if (Store* store = worker.broker.store()) store->delete_delivery(client_id, store_id);
}

void Session::queue_or_drop(Outgoing&& out) {
    if (queued() >= worker.config().mqtt.max_mqueue_len) {
        if (!out.msg->sys) worker.counters.add(worker.counters.message_drop);
        forget_owed(out);
        return;
    }
    store_owed(out, StoredDelivery::kQueued, 0);
    flows().queue.push_back(std::move(out));
}

void Session::restore_owed(Outgoing out, std::uint8_t state, std::uint16_t packet_id) {
    out.stored = true;
    if (state == StoredDelivery::kQueued || packet_id == 0 ||
        flows().inflight.count(packet_id) != 0) {
        flows().queue.push_back(std::move(out));
        return;
    }
    auto& f = flows();
    FlowState fs = state == StoredDelivery::kPubrecReceived ? FlowState::kAwaitPubcomp
                   : out.qos == mqtt::QoS::kAtLeastOnce     ? FlowState::kAwaitPuback
                                                            : FlowState::kAwaitPubrec;
    std::uint64_t store_id = out.msg->store_id;
    f.inflight.emplace(packet_id, Inflight{std::move(out), fs, f.next_seq++, store_id});
    if (packet_id > f.last_id) f.last_id = packet_id;
}

bool Session::send_new(Outgoing& out) {
    auto& f = flows();
    std::uint16_t pid = f.acquire_id();
    if (pid == 0) {
        queue_or_drop(std::move(out));
        return false;
    }
    if (!client->send_publish(out, pid, false)) {  // larger than the client accepts
        release_flows_if_idle();
        if (!out.msg->sys) worker.counters.add(worker.counters.message_drop);
        forget_owed(out);
        return true;
    }
    ++delivered;
    if (!out.msg->sys) worker.counters.add(worker.counters.message_out);
    auto state =
        out.qos == mqtt::QoS::kAtLeastOnce ? FlowState::kAwaitPuback : FlowState::kAwaitPubrec;
    store_owed(out, StoredDelivery::kSent, pid);
    std::uint64_t store_id = out.stored ? out.msg->store_id : 0;
    f.inflight.emplace(pid, Inflight{std::move(out), state, f.next_seq++, store_id});
    return true;
}

void Session::pump() {
    if (!client || !client->connected()) return;
    while (queued() > 0 && window_open() && client->transport().writable()) {
        Outgoing out = std::move(flows_->queue.front());
        flows_->queue.pop_front();
        if (out.msg->expired_now()) {
            if (!out.msg->sys) worker.counters.add(worker.counters.message_drop);
            forget_owed(out);
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
    release_flows_if_idle();
}

void Session::resend_inflight() {
    if (!client) return;
    std::vector<std::pair<std::uint64_t, std::uint16_t>> order;
    if (!flows_) return;
    order.reserve(flows_->inflight.size());
    for (auto& [pid, f] : flows_->inflight)
        order.emplace_back(f.seq, pid);
    std::sort(order.begin(), order.end());
    for (auto& [seq, pid] : order) {
        auto& f = flows_->inflight.at(pid);
        if (f.state == FlowState::kAwaitPubcomp) {
            client->send_pubrel(pid);
        } else {
            // [MQTT-3.3.1-1] DUP is set on a re-delivery.
            client->send_publish(f.out, pid, true);
        }
    }
}

void Session::on_puback(std::uint16_t pid) {
    if (!flows_) return;
    auto it = flows_->inflight.find(pid);
    if (it == flows_->inflight.end() || it->second.state != FlowState::kAwaitPuback) return;
    forget_owed(it->second.store_id);
    flows_->inflight.erase(it);
    pump();
}

bool Session::on_pubrec(std::uint16_t pid, bool failed) {
    if (!flows_) return false;
    auto it = flows_->inflight.find(pid);
    if (it == flows_->inflight.end()) return false;
    if (it->second.state == FlowState::kAwaitPubrec) {
        if (failed) {  // [MQTT-4.3.3-?] a PUBREC with a failure code ends the flow
            forget_owed(it->second.store_id);
            flows_->inflight.erase(it);
            pump();
            return true;
        }
        it->second.state = FlowState::kAwaitPubcomp;
        if (it->second.store_id != 0) {
            if (Store* store = worker.broker.store())
                store->update_delivery({client_id, it->second.store_id,
                                        static_cast<std::uint8_t>(it->second.out.qos),
                                        StoredDelivery::kPubrecReceived, pid});
        }
        it->second.out.msg.reset();  // the message itself is no longer needed
    }
    if (client) client->send_pubrel(pid);
    return true;
}

void Session::on_pubcomp(std::uint16_t pid) {
    if (!flows_) return;
    auto it = flows_->inflight.find(pid);
    if (it == flows_->inflight.end() || it->second.state != FlowState::kAwaitPubcomp) return;
    forget_owed(it->second.store_id);
    flows_->inflight.erase(it);
    pump();
}

void Session::clear_messages() {
    flows_.reset();
    inbound_qos2.clear();
}

}  // namespace nmq::broker
