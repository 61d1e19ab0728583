#include "harness.hpp"

#include <stdexcept>

namespace nmq::conformance {

std::string hex(std::string_view s) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        if (!out.empty()) out += ' ';
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string unhex(std::string_view h) {
    std::string out;
    int nibble = -1;
    for (char c : h) {
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            continue;
        if (nibble < 0) {
            nibble = v;
        } else {
            out += static_cast<char>(nibble * 16 + v);
            nibble = -1;
        }
    }
    if (nibble >= 0) throw std::invalid_argument("odd number of hex digits");
    return out;
}

Harness::Harness(config::Config cfg) {
    cfg.system.num_taskq_thread = 1;
    std::vector<broker::Worker::Post> posts;
    posts.push_back([this](std::function<void()> fn) { loop_.post(std::move(fn)); });
    broker_ = std::make_unique<broker::Broker>(cfg, std::move(posts));
}

Conn::Conn(Harness& h)
    : h_(h), client_(std::make_unique<broker::Client>(h.broker().worker(0), transport_)) {}

Conn::~Conn() {
    if (client_) client_->on_closed();
    client_.reset();
    h_.loop().run();
}

void Conn::send(std::string_view data) {
    in_.append(data);
    std::string_view view = in_;
    std::size_t used = 0;
    while (used < view.size() && !client_->stopped()) {
        mqtt::FixedHeader fh;
        auto st = mqtt::parse_fixed_header(view.substr(used), fh);
        if (st == mqtt::FrameStatus::kNeedMore) break;
        if (st == mqtt::FrameStatus::kMalformed) {
            client_->on_frame_error(ReasonCode::kMalformedPacket);
            break;
        }
        if (view.size() - used < fh.packet_size()) break;
        client_->on_packet(fh, view.substr(used + fh.header_size, fh.remaining_length));
        used += fh.packet_size();
    }
    in_.erase(0, used);
    h_.loop().run();
}

std::string Conn::recv() {
    return transport_.take();
}
std::string Conn::recv_hex() {
    return hex(transport_.take());
}

void Conn::drop() {
    client_->on_closed();
    h_.loop().run();
}

}  // namespace nmq::conformance
