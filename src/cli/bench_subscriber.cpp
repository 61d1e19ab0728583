#include "cli/bench_subscriber.hpp"

#include "cli/payload_header.hpp"
#include "cli/publish_view.hpp"
#include "mqtt/codec.hpp"

namespace nmq::cli {

namespace {
// Publisher indices above this are not tracked (the tracker table is indexed by them).
constexpr std::uint32_t kMaxTrackedPublisher = 1 << 20;
}  // namespace

Subscriber::Subscriber(Worker& worker, std::uint32_t index, std::string client_id,
                       std::string filter)
    : BenchConnection(worker, index, std::move(client_id)), filter_(std::move(filter)) {}

void Subscriber::on_connack() {
    mqtt::Subscribe s;
    s.packet_id = 1;
    mqtt::TopicSubscription t;
    t.filter = filter_;
    t.options.qos = static_cast<mqtt::QoS>(shared().opts.qos);
    s.topics.push_back(std::move(t));
    mqtt::encode(s, shared().version, ctrl());
}

bool Subscriber::on_packet(std::uint8_t first_byte, std::string_view body) {
    const auto type = static_cast<mqtt::PacketType>(first_byte >> 4);
    switch (type) {
        case mqtt::PacketType::kPublish: {
            PublishInPlace p;
            if (!parse_publish_in_place(first_byte, body, shared().version, p)) {
                fail("malformed PUBLISH");
                return false;
            }
            if (p.qos == 1) {
                shared().acks.append(mqtt::PacketType::kPuback, p.packet_id, ctrl());
            } else if (p.qos == 2) {
                shared().acks.append(mqtt::PacketType::kPubrec, p.packet_id, ctrl());
            }
            ++received_;
            ++received_pending_;
            bytes_pending_ += p.payload.size();
            if (p.payload.size() < kPayloadHeaderSize) {
                ++untracked_;
                return true;
            }
            const PayloadHeader h = read_payload_header(p.payload.data());
            if (h.publisher >= kMaxTrackedPublisher) {
                ++untracked_;
                return true;
            }
            if (h.publisher >= trackers_.size()) trackers_.resize(h.publisher + 1);
            trackers_[h.publisher].on_message(h.seq);
            worker_.latency.record(read_ns_ > h.sent_ns ? read_ns_ - h.sent_ns : 0);
            return true;
        }
        case mqtt::PacketType::kPubrel: {
            std::uint16_t id = 0;
            if (!read_packet_id(body, id)) {
                fail("malformed PUBREL");
                return false;
            }
            shared().acks.append(mqtt::PacketType::kPubcomp, id, ctrl());
            return true;
        }
        case mqtt::PacketType::kSuback: {
            auto ack = mqtt::decode_suback(first_byte & 0x0F, body, shared().version);
            if (!ack || ack->reasons.empty() || is_failure(ack->reasons.front())) {
                fail("subscription refused");
                return false;
            }
            if (!subscribed_) {
                subscribed_ = true;
                shared().state.ready.fetch_add(1, std::memory_order_relaxed);
            }
            return true;
        }
        default:
            return true;
    }
}

void Subscriber::after_read() {
    if (received_pending_ > 0) {
        auto& live = worker_.live;
        if (live.first_ns.load(std::memory_order_relaxed) == 0) {
            live.first_ns.store(read_ns_, std::memory_order_relaxed);
        }
        live.last_ns.store(read_ns_, std::memory_order_relaxed);
        bump(live.received, received_pending_);
        bump(live.payload_bytes, bytes_pending_);
        bytes_pending_ = 0;
        received_pending_ = 0;
        const std::uint64_t limit = shared().opts.limit;
        if (limit > 0 && received_ >= limit) mark_finished();
    }
    kick_write();
}

StreamCounts Subscriber::counts() const {
    StreamCounts total;
    for (const auto& t : trackers_)
        total += t.counts();
    return total;
}

std::size_t Subscriber::publishers_seen() const {
    std::size_t n = 0;
    for (const auto& t : trackers_)
        n += t.seen_any() ? 1 : 0;
    return n;
}

}  // namespace nmq::cli
