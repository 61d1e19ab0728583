#include "bridge/outbound_queue.hpp"

#include <algorithm>

namespace nmq::bridge {

OutboundQueue::OutboundQueue(std::size_t max_messages, std::uint64_t max_bytes, QueueStore* store)
    : max_messages_(max_messages), max_bytes_(max_bytes), store_(nullptr) {
    attach_store(store);
}

std::size_t OutboundQueue::attach_store(QueueStore* store,
                                        const std::function<bool(Outbound&)>& adopt) {
    store_ = store;
    if (!store_) return 0;
    auto loaded = store_->load();
    std::deque<Outbound> kept;
    for (auto& m : loaded) {
        // Above dropped ones too: a seq is never given twice to rows of one store.
        next_seq_ = std::max(next_seq_, m.seq + 1);
        if (adopt && !adopt(m)) {
            store_->released(m.seq);
            continue;
        }
        bytes_ += m.bytes();
        kept.push_back(std::move(m));
    }
    const std::size_t n = kept.size();
    waiting_.insert(waiting_.begin(), std::make_move_iterator(kept.begin()),
                    std::make_move_iterator(kept.end()));
    return n;
}

bool OutboundQueue::push(Outbound&& m) {
    if (waiting_.size() >= max_messages_ || bytes_ + m.bytes() > max_bytes_) return false;
    m.seq = next_seq_++;
    bytes_ += m.bytes();
    if (store_ && m.qos != mqtt::QoS::kAtMostOnce) store_->stored(m);
    waiting_.push_back(std::move(m));
    return true;
}

void OutboundQueue::push_front(Outbound m) {
    bytes_ += m.bytes();
    waiting_.push_front(std::move(m));
}

Outbound OutboundQueue::pop() {
    Outbound m = std::move(waiting_.front());
    waiting_.pop_front();
    bytes_ -= m.bytes();
    return m;
}

void OutboundQueue::release(const Outbound& m) {
    if (store_ && m.qos != mqtt::QoS::kAtMostOnce) store_->released(m.seq);
}

void OutboundQueue::sent(std::uint16_t id, Outbound m) {
    if (m.seq == 0) {  // sent at once, without waiting in the line
        m.seq = next_seq_++;
        if (store_) store_->stored(m);
    }
    Flow flow = m.qos == mqtt::QoS::kAtLeastOnce ? Flow::kAwaitPuback : Flow::kAwaitPubrec;
    inflight_.insert_or_assign(id, Entry{std::move(m), flow});
}

bool OutboundQueue::complete(std::uint16_t id, bool pubcomp) {
    auto it = inflight_.find(id);
    if (it == inflight_.end()) return false;
    if (it->second.flow != (pubcomp ? Flow::kAwaitPubcomp : Flow::kAwaitPuback)) return false;
    release(it->second.m);
    inflight_.erase(it);
    return true;
}

bool OutboundQueue::received(std::uint16_t id) {
    auto it = inflight_.find(id);
    if (it == inflight_.end()) return false;
    if (it->second.flow == Flow::kAwaitPuback) return false;
    it->second.flow = Flow::kAwaitPubcomp;
    it->second.m.msg.reset();  // the remote has it: only the PUBREL is left to send
    return true;
}

Outbound OutboundQueue::refused(std::uint16_t id) {
    auto it = inflight_.find(id);
    if (it == inflight_.end()) return {};
    Outbound m = std::move(it->second.m);
    inflight_.erase(it);
    release(m);
    return m;
}

std::vector<OutboundQueue::Resend> OutboundQueue::inflight_in_order() const {
    std::vector<Resend> out;
    out.reserve(inflight_.size());
    for (const auto& [id, e] : inflight_)
        out.push_back({id, e.flow, &e.m});
    std::sort(out.begin(), out.end(),
              [](const Resend& a, const Resend& b) { return a.m->seq < b.m->seq; });
    return out;
}

std::vector<std::uint16_t> OutboundQueue::requeue_inflight() {
    auto order = inflight_in_order();
    std::vector<std::uint16_t> ids;
    ids.reserve(order.size());
    // Back to front, so that the oldest ends up first in the line.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        auto entry = inflight_.find(it->id);
        if (entry->second.flow == Flow::kAwaitPubcomp) {
            release(entry->second.m);  // the remote had it; QoS 2 needs no second delivery
        } else {
            entry->second.m.again = true;
            push_front(std::move(entry->second.m));
        }
        ids.push_back(it->id);
        inflight_.erase(entry);
    }
    return ids;
}

std::vector<Outbound> OutboundQueue::take_all() {
    requeue_inflight();
    std::vector<Outbound> out(std::make_move_iterator(waiting_.begin()),
                              std::make_move_iterator(waiting_.end()));
    waiting_.clear();
    bytes_ = 0;
    return out;
}

void OutboundQueue::push_adopted(Outbound&& m) {
    next_seq_ = std::max(next_seq_, m.seq + 1);
    if (m.seq == 0) m.seq = next_seq_++;
    bytes_ += m.bytes();
    waiting_.push_back(std::move(m));
}

std::size_t OutboundQueue::drop_qos0() {
    std::size_t before = waiting_.size();
    std::erase_if(waiting_, [this](const Outbound& m) {
        if (m.qos != mqtt::QoS::kAtMostOnce) return false;
        bytes_ -= m.bytes();
        return true;
    });
    return before - waiting_.size();
}

}  // namespace nmq::bridge
