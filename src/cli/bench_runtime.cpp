#include "cli/bench_runtime.hpp"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstring>

#include "cli/payload_header.hpp"
#include "mqtt/codec.hpp"

namespace nmq::cli {

namespace {
constexpr std::uint32_t kMaxErrorsLogged = 10;
// Read buffers start small (idle connections stay small) and double while reads fill them, up
// to BenchShared::read_buffer_bytes.
constexpr std::size_t kReadBufferInitial = 4 * 1024;
}  // namespace

BenchShared::BenchShared(const BenchOptions& o, tcp::endpoint ep)
    : opts(o),
      endpoint(ep),
      version(static_cast<mqtt::Version>(o.conn.version)),
      acks(static_cast<mqtt::Version>(o.conn.version)),
      tls(make_client_tls(o.conn)) {}

// ---------------------------------------------------------------------------------------------
// BenchConnection

BenchConnection::BenchConnection(Worker& worker, std::uint32_t index, std::string client_id)
    : worker_(worker),
      index_(index),
      client_id_(std::move(client_id)),
      socket_(worker.io()),
      stream_(
          make_client_stream(worker.io(), worker.shared().opts.conn, worker.shared().tls.get())) {}

BenchShared& BenchConnection::shared() noexcept {
    return worker_.shared();
}

void BenchConnection::start() {
    state_ = State::kConnecting;
    connect_start_ns_ = now_ns();
    auto connected = [this](const boost::system::error_code& ec) {
        if (state_ != State::kConnecting) return;
        if (ec) return fail("connect", ec);
        boost::system::error_code ignored;
        if (!stream_) socket_.set_option(tcp::no_delay(true), ignored);
        const BenchOptions& o = shared().opts;
        mqtt::Connect c;
        c.version = shared().version;
        c.clean_start = o.conn.clean;
        c.keep_alive = o.conn.keepalive;
        c.client_id = client_id_;
        c.username = o.conn.username;
        c.password = o.conn.password;
        mqtt::encode(c, ctrl_pending_);
        rbuf_.resize(std::min<std::size_t>(shared().read_buffer_bytes, kReadBufferInitial));
        state_ = State::kHandshake;
        kick_write();
        do_read();
    };
    if (stream_) {
        stream_->async_connect(shared().endpoint, connected);
    } else {
        socket_.async_connect(shared().endpoint, connected);
    }
}

void BenchConnection::stop() {
    if (state_ == State::kOpen) {
        state_ = State::kClosing;
        mqtt::encode(mqtt::Disconnect{}, shared().version, ctrl_pending_);
        kick_write();
    } else if (state_ != State::kClosed && state_ != State::kClosing) {
        close_now();
    }
}

void BenchConnection::ping() {
    if (state_ != State::kOpen) return;
    mqtt::encode(mqtt::Pingreq{}, shared().version, ctrl_pending_);
    kick_write();
}

void BenchConnection::mark_finished() {
    if (finished_) return;
    finished_ = true;
    shared().state.finished.fetch_add(1, std::memory_order_relaxed);
}

void BenchConnection::kick_write() {
    if (writing_ || state_ == State::kIdle || state_ == State::kConnecting ||
        state_ == State::kClosed) {
        return;
    }
    ctrl_writing_.clear();
    ctrl_writing_.swap(ctrl_pending_);
    asio::const_buffer data;
    if (state_ == State::kOpen) data = produce();
    if (ctrl_writing_.empty() && data.size() == 0) {
        if (state_ == State::kClosing) close_now();
        return;
    }
    writing_ = true;
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(ctrl_writing_), data};
    auto written = [this](const boost::system::error_code& ec, std::size_t) {
        writing_ = false;
        if (state_ == State::kClosed) return;
        if (ec) return fail("write", ec);
        on_write_done();
        kick_write();
    };
    if (stream_) {
        stream_->async_write(bufs, written);
    } else {
        asio::async_write(socket_, bufs, written);
    }
}

void BenchConnection::do_read() {
    auto into = asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_);
    auto done = [this](const boost::system::error_code& ec, std::size_t n) { on_read(ec, n); };
    if (stream_) {
        stream_->async_read_some(into, done);
    } else {
        socket_.async_read_some(into, done);
    }
}

void BenchConnection::on_read(const boost::system::error_code& ec, std::size_t n) {
    if (state_ == State::kClosed) return;
    if (ec) {
        if (state_ == State::kClosing) return close_now();
        return fail("read", ec);
    }
    const bool filled = n == rbuf_.size() - rend_;
    rend_ += n;
    read_ns_ = now_ns();
    std::size_t pos = 0;
    std::size_t need = 0;
    while (pos < rend_) {
        const std::string_view avail(rbuf_.data() + pos, rend_ - pos);
        mqtt::FixedHeader fh;
        const auto status = mqtt::parse_fixed_header(avail, fh);
        if (status == mqtt::FrameStatus::kMalformed) return fail("malformed packet from server");
        if (status == mqtt::FrameStatus::kNeedMore) break;
        if (fh.packet_size() > avail.size()) {
            need = fh.packet_size();
            break;
        }
        if (!dispatch(fh.first_byte, avail.substr(fh.header_size, fh.remaining_length))) return;
        pos += fh.packet_size();
    }
    if (pos > 0) {
        std::memmove(rbuf_.data(), rbuf_.data() + pos, rend_ - pos);
        rend_ -= pos;
    }
    if (need > rbuf_.size()) {
        rbuf_.resize(std::max(need, rbuf_.size() * 2));
    } else if (filled && rbuf_.size() < shared().read_buffer_bytes) {
        rbuf_.resize(rbuf_.size() * 2);
    }
    after_read();
    if (state_ != State::kClosed) do_read();
}

bool BenchConnection::dispatch(std::uint8_t first_byte, std::string_view body) {
    const auto type = static_cast<mqtt::PacketType>(first_byte >> 4);
    if (state_ == State::kHandshake) {
        if (type != mqtt::PacketType::kConnack) {
            fail("expected CONNACK");
            return false;
        }
        auto ack = mqtt::decode_connack(first_byte & 0x0F, body, shared().version);
        if (!ack) {
            fail(ack.error().what);
            return false;
        }
        if (ack->reason != ReasonCode::kSuccess) {
            fail(std::string(reason_name(ack->reason)).c_str());
            return false;
        }
        if (ack->props.receive_maximum) server_receive_maximum_ = *ack->props.receive_maximum;
        state_ = State::kOpen;
        shared().state.connected.fetch_add(1, std::memory_order_relaxed);
        worker_.on_handshake_done(true, now_ns() - connect_start_ns_);
        on_connack();
        kick_write();
        return state_ != State::kClosed;
    }
    switch (type) {
        case mqtt::PacketType::kPingresp:
            return true;
        case mqtt::PacketType::kDisconnect:
            fail("server sent DISCONNECT");
            return false;
        default:
            return on_packet(first_byte, body) && state_ != State::kClosed;
    }
}

void BenchConnection::fail(const char* what, const boost::system::error_code& ec) {
    if (state_ == State::kClosed) return;
    const bool before_open = state_ == State::kConnecting || state_ == State::kHandshake;
    auto& st = shared().state;
    if (st.errors_logged.fetch_add(1, std::memory_order_relaxed) < kMaxErrorsLogged) {
        std::fprintf(stderr, "nanomq_cli: %s: %s%s%s\n", client_id_.c_str(), what, ec ? ": " : "",
                     ec ? ec.message().c_str() : "");
    }
    if (before_open) {
        st.failed.fetch_add(1, std::memory_order_relaxed);
        worker_.on_handshake_done(false, 0);
    }
    close_now();
}

void BenchConnection::close_now() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    boost::system::error_code ignored;
    if (stream_) {
        stream_->close();
    } else {
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }
    mark_finished();
}

// ---------------------------------------------------------------------------------------------
// Worker

Worker::Worker(BenchShared& shared, std::uint32_t index, std::uint32_t workers)
    : shared_(shared),
      index_(index),
      workers_(workers),
      guard_(io_.get_executor()),
      pace_timer_(io_),
      ping_timer_(io_) {}

Worker::~Worker() {
    shutdown();
    join();
    conns_.clear();  // sockets go before their io_context
}

void Worker::run() {
    thread_ = std::thread([this] {
        arm_ping();
        io_.run();
    });
}

void Worker::start_connecting() {
    asio::post(io_, [this] {
        const std::uint32_t interval = shared_.opts.interval_ms;
        if (interval == 0 || index_ == 0) return start_more();
        // Spread the workers' starts over one interval each, like one client every interval.
        pace_timer_.expires_after(std::chrono::milliseconds(interval * index_));
        pace_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) start_more();
        });
    });
}

void Worker::start_more() {
    const std::uint32_t interval = shared_.opts.interval_ms;
    if (interval > 0) {
        if (next_to_start_ >= conns_.size()) return;
        conns_[next_to_start_++]->start();
        pace_timer_.expires_after(std::chrono::milliseconds(std::uint64_t{interval} * workers_));
        pace_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) start_more();
        });
        return;
    }
    const std::uint32_t limit = std::max<std::uint32_t>(
        1, shared_.opts.max_pending_connects / std::max<std::uint32_t>(1, workers_));
    while (next_to_start_ < conns_.size() && pending_ < limit) {
        ++pending_;
        conns_[next_to_start_++]->start();
    }
}

void Worker::on_handshake_done(bool ok, std::uint64_t connect_ns) {
    if (ok) connect_time.record(connect_ns);
    if (shared_.opts.interval_ms == 0) {
        if (pending_ > 0) --pending_;
        start_more();
    }
}

void Worker::arm_ping() {
    const std::uint16_t keepalive = shared_.opts.conn.keepalive;
    if (keepalive == 0) return;
    ping_timer_.expires_after(std::chrono::milliseconds(std::uint64_t{keepalive} * 500));
    ping_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        for (auto& c : conns_)
            c->ping();
        arm_ping();
    });
}

void Worker::post_each(std::function<void(BenchConnection&)> f) {
    asio::post(io_, [this, f = std::move(f)] {
        for (auto& c : conns_)
            f(*c);
    });
}

void Worker::shutdown() {
    asio::post(io_, [this] {
        pace_timer_.cancel();
        ping_timer_.cancel();
    });
    io_.stop();
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

}  // namespace nmq::cli
