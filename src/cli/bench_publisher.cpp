#include "cli/bench_publisher.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "cli/payload_header.hpp"
#include "cli/publish_view.hpp"
#include "mqtt/codec.hpp"

namespace nmq::cli {

namespace {
// Packet ids cycle through 1..65535; a window of at most half of that keeps an id from being
// reused while a late acknowledgement for it may still arrive.
constexpr std::uint32_t kMaxWindow = 32768;
}  // namespace

Publisher::Publisher(Worker& worker, std::uint32_t index, std::string client_id,
                     const std::string& topic, double rate_per_publisher, double phase_seconds)
    : BenchConnection(worker, index, std::move(client_id)), pace_timer_(worker.io()) {
    const BenchOptions& o = shared().opts;
    qos_ = static_cast<std::uint8_t>(o.qos);
    std::string payload(o.size, 'x');
    mqtt::PublishView view;
    view.qos = static_cast<mqtt::QoS>(o.qos);
    view.retain = o.retain;
    view.topic = topic;
    view.packet_id = qos_ > 0 ? 1 : 0;
    view.payload = payload;
    std::string packet;
    mqtt::encode_publish(view, shared().version, packet);
    mqtt::FixedHeader fh;
    if (mqtt::parse_fixed_header(packet, fh) != mqtt::FrameStatus::kComplete ||
        fh.packet_size() != packet.size()) {
        throw std::logic_error("the codec produced an unframeable PUBLISH");
    }
    packet_size_ = packet.size();
    payload_offset_ = packet_size_ - payload.size();
    packet_id_offset_ = fh.header_size + 2 + topic.size();
    header_fits_ = o.size >= kPayloadHeaderSize;
    max_batch_ = static_cast<std::uint32_t>(
        std::clamp<std::size_t>(o.batch_bytes / packet_size_, 1, 1 << 20));
    if (qos_ > 0) max_batch_ = std::min({max_batch_, o.window, kMaxWindow});
    batch_.resize(packet_size_ * max_batch_);
    for (std::uint32_t i = 0; i < max_batch_; ++i) {
        std::copy(packet.begin(), packet.end(), batch_.begin() + i * packet_size_);
    }
    if (qos_ > 0) inflight_.assign(65536, 0);
    if (rate_per_publisher > 0) ns_per_message_ = 1e9 / rate_per_publisher;
    phase_ns_ = phase_seconds * 1e9;
}

void Publisher::begin() {
    if (!open() || sending_) return;
    sending_ = true;
    t0_ = now_ns() + static_cast<std::uint64_t>(phase_ns_);
    auto& live = worker_.live;
    if (live.first_ns.load(std::memory_order_relaxed) == 0) {
        live.first_ns.store(t0_, std::memory_order_relaxed);
    }
    kick_write();
}

void Publisher::finish_sending() {
    stop_sending_ = true;
    pace_timer_.cancel();
    check_done();
}

asio::const_buffer Publisher::produce() {
    if (!sending_ || stop_sending_) return {};
    const BenchOptions& o = shared().opts;
    std::uint64_t n = max_batch_;
    if (o.limit > 0) n = std::min<std::uint64_t>(n, o.limit - seq_);
    if (qos_ > 0) {
        // [MQTT-3.3.4-7] never more unacknowledged QoS 1/2 messages than the server's Receive
        // Maximum.
        const std::uint32_t window = std::min({o.window, kMaxWindow, server_receive_maximum_});
        n = std::min<std::uint64_t>(n, window > outstanding_ ? window - outstanding_ : 0);
    }
    const std::uint64_t now = now_ns();
    if (ns_per_message_ > 0) {
        // Messages due by now: the first at t0_, then one every ns_per_message_.
        const std::uint64_t due =
            now < t0_
                ? 0
                : static_cast<std::uint64_t>(static_cast<double>(now - t0_) / ns_per_message_) + 1;
        if (due <= seq_) {
            arm_pacing(t0_ +
                       static_cast<std::uint64_t>(static_cast<double>(seq_) * ns_per_message_));
            return {};
        }
        n = std::min<std::uint64_t>(n, due - seq_);  // 0 when the window is full: acks kick
    }
    std::uint64_t k = 0;
    PayloadHeader h;
    h.publisher = index();
    h.sent_ns = now;
    for (; k < n; ++k) {
        char* p = batch_.data() + k * packet_size_;
        if (qos_ > 0) {
            const auto id = static_cast<std::uint16_t>(seq_ % 65535 + 1);
            if (inflight_[id] != 0) break;  // acknowledgements out of order: wait for this one
            inflight_[id] = 1;
            ++outstanding_;
            p[packet_id_offset_] = static_cast<char>(id >> 8);
            p[packet_id_offset_ + 1] = static_cast<char>(id & 0xFF);
        }
        if (header_fits_) {
            h.seq = seq_;
            write_payload_header(p + payload_offset_, h);
        }
        ++seq_;
    }
    if (k == 0) return {};
    bump(worker_.live.sent, k);
    bump(worker_.live.payload_bytes, k * (packet_size_ - payload_offset_));
    worker_.live.last_ns.store(now, std::memory_order_relaxed);
    if (qos_ == 0) in_write_ = k;
    return asio::buffer(batch_.data(), k * packet_size_);
}

void Publisher::on_write_done() {
    if (qos_ == 0 && in_write_ > 0) {
        bump(worker_.live.acked, in_write_);
        in_write_ = 0;
    }
    check_done();
}

void Publisher::arm_pacing(std::uint64_t due_ns) {
    if (pace_armed_) return;
    pace_armed_ = true;
    const std::uint64_t now = now_ns();
    pace_timer_.expires_after(std::chrono::nanoseconds(due_ns > now ? due_ns - now : 0));
    pace_timer_.async_wait([this](const boost::system::error_code& ec) {
        pace_armed_ = false;
        if (!ec) kick_write();
    });
}

bool Publisher::on_packet(std::uint8_t first_byte, std::string_view body) {
    const auto type = static_cast<mqtt::PacketType>(first_byte >> 4);
    std::uint16_t id = 0;
    switch (type) {
        case mqtt::PacketType::kPuback:
        case mqtt::PacketType::kPubcomp:
            if (!read_packet_id(body, id) || inflight_.empty() || inflight_[id] == 0) {
                fail("acknowledgement for an unknown packet id");
                return false;
            }
            inflight_[id] = 0;
            --outstanding_;
            ++acked_pending_;
            return true;
        case mqtt::PacketType::kPubrec:
            if (!read_packet_id(body, id) || inflight_.empty() || inflight_[id] != 1) {
                fail("PUBREC for an unknown packet id");
                return false;
            }
            if (body.size() >= 3 && static_cast<std::uint8_t>(body[2]) >= 0x80) {
                // [MQTT-4.3.3] a failed PUBREC ends the flow without PUBREL.
                inflight_[id] = 0;
                --outstanding_;
                return true;
            }
            inflight_[id] = 2;
            shared().acks.append(mqtt::PacketType::kPubrel, id, ctrl());
            return true;
        default:
            return true;  // a PUBLISH from an overlapping subscription, etc.: ignored
    }
}

// Called after each read batch and each write: publishes progress and detects the end.
void Publisher::check_done() {
    if (acked_pending_ > 0) {
        bump(worker_.live.acked, acked_pending_);
        acked_pending_ = 0;
        // At QoS 1/2 a run ends with its last acknowledgement.
        worker_.live.last_ns.store(
            std::max(read_ns_, worker_.live.last_ns.load(std::memory_order_relaxed)),
            std::memory_order_relaxed);
    }
    const BenchOptions& o = shared().opts;
    const bool all_sent = stop_sending_ || (o.limit > 0 && seq_ >= o.limit);
    if (sending_ && all_sent && outstanding_ == 0 && in_write_ == 0) mark_finished();
}

}  // namespace nmq::cli
