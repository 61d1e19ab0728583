#include "net/connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "core/log.hpp"
#include "mqtt/codec.hpp"
#include "net/worker_pool.hpp"

namespace nmq::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// A client whose unwritten backlog passes this is "not writable": QoS 0 is dropped for it and
// QoS 1/2 wait in its session's queue.
constexpr std::size_t kHighWater = 4 * 1024 * 1024;
// At most this many reads per readiness event, so one busy client cannot starve the others.
constexpr int kReadsPerWake = 4;

std::string describe_peer(const asio::ip::tcp::socket& socket, bool& v6) {
    error_code ec;
    auto peer = socket.remote_endpoint(ec);
    if (ec) return "unknown";
    auto addr = peer.address();
    v6 = addr.is_v6();
    return v6 ? "[" + addr.to_string() + "]:" + std::to_string(peer.port())
              : addr.to_string() + ":" + std::to_string(peer.port());
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// ConnectionCore

ConnectionCore::ConnectionCore(WorkerContext& wc, const asio::ip::tcp::socket& socket)
    : wc_(&wc), address_(describe_peer(socket, v6_)) {}

ConnectionCore::~ConnectionCore() = default;

bool ConnectionCore::begin(std::string pending) {
    awaiting_connect_ = true;
    client_ = std::make_unique<broker::Client>(*wc_->worker, *this);
    if (!pending.empty()) return consume(pending.data(), pending.size());
    return true;
}

bool ConnectionCore::rewrite_connect(const mqtt::FixedHeader& h, std::string_view body,
                                     std::string& out) {
    auto connect = mqtt::decode_connect(h.flags(), body);
    if (!connect) return false;  // the Client answers the original as it deserves
    connect->username = *identity_;
    connect->password.reset();
    mqtt::encode(*connect, out);
    return true;
}

bool ConnectionCore::consume(const char* data, std::size_t size) {
    std::string_view view;
    if (in_.empty()) {
        view = std::string_view(data, size);
    } else {
        in_.append(data, size);
        view = in_;
    }
    std::size_t used = 0;
    bool go_on = true;
    std::string handover;  // CONNECT and what followed it, when the session lives elsewhere
    while (used < view.size()) {
        std::string_view rest = view.substr(used);
        mqtt::FixedHeader h;
        auto status = mqtt::parse_fixed_header(rest, h);
        if (status == mqtt::FrameStatus::kNeedMore) break;
        if (status == mqtt::FrameStatus::kMalformed) {
            client_->on_frame_error(ReasonCode::kMalformedPacket);
            go_on = false;
            break;
        }
        if (wc_->max_packet && h.packet_size() > wc_->max_packet) {
            // Refused from the header alone: the body is never buffered.
            client_->on_frame_error(ReasonCode::kPacketTooLarge);
            go_on = false;
            break;
        }
        if (rest.size() < h.packet_size()) break;
        std::string_view body = rest.substr(h.header_size, h.remaining_length);
        std::string rewritten;
        if (identity_ && awaiting_connect_ && h.type() == mqtt::PacketType::kConnect &&
            rewrite_connect(h, body, rewritten)) {
            mqtt::FixedHeader rh;
            mqtt::parse_fixed_header(rewritten, rh);
            client_->on_packet(rh, std::string_view(rewritten).substr(rh.header_size));
        } else {
            client_->on_packet(h, body);
        }
        awaiting_connect_ = false;
        if (client_->stopped()) {
            if (migrating_) handover.assign(rest);
            go_on = false;
            used += h.packet_size();
            break;
        }
        used += h.packet_size();
    }
    if (migrating_) {
        // The session's home worker reads CONNECT again there.
        migrating_ = false;
        client_.reset();
        in_.clear();
        hand_over(migrate_to_, std::move(handover));
        return false;
    }
    if (!go_on) return false;
    // Keep only the incomplete tail (usually nothing, so idle connections hold no buffer).
    if (in_.empty()) {
        if (used < view.size()) in_.assign(view.substr(used));
    } else if (used > 0) {
        in_.erase(0, used);
    }
    if (in_.empty() && in_.capacity() > 4096) std::string().swap(in_);
    return true;
}

std::string& ConnectionCore::output() {
    if (out_.capacity() < 1024) wc_->lend_buffer(out_);
    return out_;
}

void ConnectionCore::flush() {
    if (write_posted_ || write_in_flight_ || finished_) return;
    write_posted_ = true;
    asio::post(wc_->io, [self = shared_from_this()] {
        self->write_posted_ = false;
        self->do_write();
    });
}

bool ConnectionCore::writable() const {
    return out_.size() + writing_.size() < kHighWater;
}

void ConnectionCore::do_write() {
    if (write_in_flight_ || finished_) return;
    if (out_.empty()) {
        if (closing_) say_goodbye();
        return;
    }
    writing_.swap(out_);
    write_some();
}

void ConnectionCore::on_written(const error_code& ec) {
    if (ec) {
        finish();
        return;
    }
    bool was_full = writing_.size() + out_.size() >= kHighWater;
    // While traffic flows the two buffers swap and keep their capacity; once the connection
    // goes quiet they are released, so idle connections hold no buffer.
    if (out_.empty()) {
        wc_->return_buffer(writing_);
        wc_->return_buffer(out_);
    } else {
        writing_.clear();
    }
    if (was_full && client_ && !closing_) {
        if (auto* s = client_->session()) s->pump();  // room again: send what waited
    }
    if (finished_) return;
    if (!out_.empty()) {
        do_write();
    } else if (closing_) {
        say_goodbye();
    }
}

void ConnectionCore::close() {
    if (closing_ || finished_) return;
    closing_ = true;
    // Never synchronously: the Client calling us must not be destroyed under its own feet.
    asio::post(wc_->io, [self = shared_from_this()] {
        if (!self->write_in_flight_) self->do_write();
    });
}

void ConnectionCore::migrate(std::uint32_t worker) {
    migrating_ = true;
    migrate_to_ = worker;
}

void ConnectionCore::finish() {
    if (finished_) return;
    finished_ = true;
    close_stream();
    wc_->return_buffer(out_);
    if (!write_in_flight_) wc_->return_buffer(writing_);
    if (client_) {
        client_->on_closed();
        client_.reset();
    }
}

// ---------------------------------------------------------------------------------------------
// TcpConnection

TcpConnection::TcpConnection(WorkerContext& wc, asio::ip::tcp::socket socket)
    : ConnectionCore(wc, socket), socket_(std::move(socket)) {
    error_code ec;
    socket_.non_blocking(true, ec);
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

TcpConnection::~TcpConnection() = default;

std::shared_ptr<TcpConnection> TcpConnection::self() {
    return std::static_pointer_cast<TcpConnection>(shared_from_this());
}

void TcpConnection::start(std::string pending) {
    if (!begin(std::move(pending))) return;
    wait_readable();
}

void TcpConnection::wait_readable() {
    socket_.async_wait(asio::ip::tcp::socket::wait_read, [self = self()](const error_code& ec) {
        if (ec) {
            self->finish();
            return;
        }
        self->on_readable();
    });
}

void TcpConnection::on_readable() {
    if (finished_) return;
    auto& buf = wc_->read_buffer;
    for (int i = 0; i < kReadsPerWake; ++i) {
        error_code ec;
        std::size_t n = socket_.read_some(asio::buffer(buf), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec || n == 0) {  // peer closed or reset
            finish();
            return;
        }
        if (!consume(buf.data(), n)) return;
        if (n < buf.size()) break;
    }
    if (closing_) return;
    if (wc_->worker->congested()) {
        wc_->hold_read([self = self()] {
            if (!self->finished_ && !self->closing_) self->wait_readable();
        });
        return;
    }
    wait_readable();
}

void TcpConnection::write_some() {
    write_offset_ = 0;
    // Try at once: most writes complete without waiting for the socket.
    error_code ec;
    std::size_t n = socket_.write_some(asio::buffer(writing_), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        finish();
        return;
    }
    if (!ec) write_offset_ = n;
    if (write_offset_ == writing_.size()) {
        on_written({});
        return;
    }
    write_in_flight_ = true;
    asio::async_write(
        socket_, asio::buffer(writing_.data() + write_offset_, writing_.size() - write_offset_),
        [self = self()](const error_code& ec, std::size_t) {
            self->write_in_flight_ = false;
            self->on_written(ec);
        });
}

void TcpConnection::close_stream() {
    error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
}

void TcpConnection::hand_over(std::uint32_t to, std::string pending) {
    // The socket itself moves: the session's home worker adopts the file descriptor.
    auto fd = socket_.release();
    finished_ = true;
    wc_->adopt(to, fd, v6_, std::move(pending));
}

}  // namespace nmq::net
