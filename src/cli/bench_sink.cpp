// `nanomq_cli bench sink`: a trivial MQTT server that accepts CONNECT, acknowledges what must
// be acknowledged (CONNACK, SUBACK, UNSUBACK, PUBACK, PUBREC/PUBCOMP, PINGRESP) and discards
// everything else. It does the least a broker could do per message, so the rate the load
// generator reaches against it is the generator's own ceiling.
//
// THREADING WARNING: each connection lives on one worker's io_context; the main thread only
// reads the workers' relaxed counters.
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "cli/ack_templates.hpp"
#include "cli/options.hpp"
#include "cli/payload_header.hpp"
#include "cli/publish_view.hpp"
#include "cli/signals.hpp"
#include "mqtt/codec.hpp"

namespace nmq::cli {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Read buffers start small (most connections are idle) and double while reads fill them.
constexpr std::size_t kReadBufferInitial = 4 * 1024;
constexpr std::size_t kReadBufferMax = 1024 * 1024;

inline void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

struct SinkWorker {
    SinkWorker() : guard(io.get_executor()) {}
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard;
    AckTemplates acks_v4{mqtt::Version::kV311};
    AckTemplates acks_v5{mqtt::Version::kV5};
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> first_ns{0};
    std::atomic<std::uint64_t> last_ns{0};
    std::thread thread;
};

class SinkConnection : public std::enable_shared_from_this<SinkConnection> {
  public:
    SinkConnection(SinkWorker& w, tcp::socket s) : worker_(w), socket_(std::move(s)) {}

    void start() {
        boost::system::error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        add(worker_.connections, 1);
        rbuf_.resize(kReadBufferInitial);
        do_read();
    }

  private:
    void do_read() {
        socket_.async_read_some(
            asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_),
            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                self->on_read(ec, n);
            });
    }

    void on_read(const boost::system::error_code& ec, std::size_t n) {
        if (ec) return close();
        const bool filled = n == rbuf_.size() - rend_;
        rend_ += n;
        std::size_t pos = 0;
        std::size_t need = 0;
        std::uint64_t messages = 0;
        while (pos < rend_) {
            const std::string_view avail(rbuf_.data() + pos, rend_ - pos);
            mqtt::FixedHeader fh;
            const auto status = mqtt::parse_fixed_header(avail, fh);
            if (status == mqtt::FrameStatus::kMalformed) return close();
            if (status == mqtt::FrameStatus::kNeedMore) break;
            if (fh.packet_size() > avail.size()) {
                need = fh.packet_size();
                break;
            }
            const std::string_view body = avail.substr(fh.header_size, fh.remaining_length);
            if (fh.type() == mqtt::PacketType::kPublish) {
                ++messages;
                const int qos = (fh.first_byte >> 1) & 3;
                if (qos > 0) {
                    PublishInPlace p;
                    if (!parse_publish_in_place(fh.first_byte, body, version_, p)) return close();
                    acks().append(qos == 1 ? mqtt::PacketType::kPuback : mqtt::PacketType::kPubrec,
                                  p.packet_id, pending_);
                }
            } else if (!handle_control(fh, body)) {
                return close();
            }
            pos += fh.packet_size();
        }
        if (pos > 0) {
            std::memmove(rbuf_.data(), rbuf_.data() + pos, rend_ - pos);
            rend_ -= pos;
        }
        if (need > rbuf_.size()) {
            rbuf_.resize(std::max(need, rbuf_.size() * 2));
        } else if (filled && rbuf_.size() < kReadBufferMax) {
            rbuf_.resize(rbuf_.size() * 2);
        }
        if (messages) {
            const std::uint64_t now = now_ns();
            if (worker_.first_ns.load(std::memory_order_relaxed) == 0) {
                worker_.first_ns.store(now, std::memory_order_relaxed);
            }
            worker_.last_ns.store(now, std::memory_order_relaxed);
            add(worker_.messages, messages);
        }
        add(worker_.bytes, n);
        kick_write();
        do_read();
    }

    bool handle_control(const mqtt::FixedHeader& fh, std::string_view body) {
        switch (fh.type()) {
            case mqtt::PacketType::kConnect: {
                auto c = mqtt::decode_connect(fh.flags(), body);
                if (!c) return false;
                version_ = c->version;
                mqtt::Connack ack;
                mqtt::encode(ack, version_, pending_);
                return true;
            }
            case mqtt::PacketType::kPubrel: {
                std::uint16_t id = 0;
                if (!read_packet_id(body, id)) return false;
                acks().append(mqtt::PacketType::kPubcomp, id, pending_);
                return true;
            }
            case mqtt::PacketType::kSubscribe: {
                auto s = mqtt::decode_subscribe(fh.flags(), body, version_);
                if (!s) return false;
                mqtt::Suback ack;
                ack.packet_id = s->packet_id;
                for (const auto& t : s->topics) {
                    ack.reasons.push_back(static_cast<ReasonCode>(t.options.qos));
                }
                mqtt::encode(ack, version_, pending_);
                return true;
            }
            case mqtt::PacketType::kUnsubscribe: {
                auto u = mqtt::decode_unsubscribe(fh.flags(), body, version_);
                if (!u) return false;
                mqtt::Unsuback ack;
                ack.packet_id = u->packet_id;
                ack.reasons.assign(u->filters.size(), ReasonCode::kSuccess);
                mqtt::encode(ack, version_, pending_);
                return true;
            }
            case mqtt::PacketType::kPingreq:
                mqtt::encode(mqtt::Pingresp{}, version_, pending_);
                return true;
            case mqtt::PacketType::kDisconnect:
                return false;
            default:
                return true;  // PUBACK, PUBREC, PUBCOMP from a client: nothing to do
        }
    }

    const AckTemplates& acks() const {
        return version_ == mqtt::Version::kV5 ? worker_.acks_v5 : worker_.acks_v4;
    }

    void kick_write() {
        if (writing_ || pending_.empty() || closed_) return;
        writing_ = true;
        writing_buf_.clear();
        writing_buf_.swap(pending_);
        asio::async_write(
            socket_, asio::buffer(writing_buf_),
            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                self->writing_ = false;
                if (ec) return self->close();
                self->kick_write();
            });
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        boost::system::error_code ignored;
        socket_.close(ignored);
        worker_.connections.store(worker_.connections.load(std::memory_order_relaxed) - 1,
                                  std::memory_order_relaxed);
    }

    SinkWorker& worker_;
    tcp::socket socket_;
    mqtt::Version version_ = mqtt::Version::kV311;
    std::vector<char> rbuf_;
    std::size_t rend_ = 0;
    std::string pending_;
    std::string writing_buf_;
    bool writing_ = false;
    bool closed_ = false;
};

class Sink {
  public:
    explicit Sink(const SinkOptions& o) : o_(o) {
        for (std::uint32_t i = 0; i < std::max<std::uint32_t>(1, o.threads); ++i) {
            workers_.push_back(std::make_unique<SinkWorker>());
        }
        acceptor_ = std::make_unique<tcp::acceptor>(workers_[0]->io);
        const tcp::endpoint ep(asio::ip::make_address(o.bind), o.port);
        acceptor_->open(ep.protocol());
        acceptor_->set_option(tcp::acceptor::reuse_address(true));
        acceptor_->bind(ep);
        acceptor_->listen(asio::socket_base::max_listen_connections);
    }

    ~Sink() {
        for (auto& w : workers_)
            w->io.stop();
        for (auto& w : workers_) {
            if (w->thread.joinable()) w->thread.join();
        }
        acceptor_.reset();
    }

    int run() {
        accept();
        for (auto& w : workers_) {
            SinkWorker* p = w.get();
            w->thread = std::thread([p] { p->io.run(); });
        }
        std::fprintf(stderr, "sink listening on %s:%u with %zu threads\n", o_.bind.c_str(),
                     acceptor_->local_endpoint().port(), workers_.size());
        std::fflush(stderr);
        const std::uint64_t t0 = now_ns();
        std::uint64_t last = t0;
        std::uint64_t last_messages = 0;
        double peak = 0;
        while (!stop_requested()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            const std::uint64_t now = now_ns();
            if (o_.duration > 0 && static_cast<double>(now - t0) / 1e9 >= o_.duration) break;
            if (now - last < 1'000'000'000) continue;
            const std::uint64_t m = total(&SinkWorker::messages);
            const double rate = static_cast<double>(m - last_messages) * 1e9 / (now - last);
            peak = std::max(peak, rate);
            if (!o_.quiet && m != last_messages) {
                std::fprintf(stderr, "sink: %10.0f msg/s, %llu connections, %llu messages\n", rate,
                             static_cast<unsigned long long>(total(&SinkWorker::connections)),
                             static_cast<unsigned long long>(m));
            }
            last = now;
            last_messages = m;
        }
        const std::uint64_t m = total(&SinkWorker::messages);
        std::uint64_t first = 0, end = 0;
        for (auto& w : workers_) {
            const auto f = w->first_ns.load();
            if (f && (first == 0 || f < first)) first = f;
            end = std::max(end, w->last_ns.load());
        }
        const double secs = end > first ? static_cast<double>(end - first) / 1e9 : 0;
        const double avg = secs > 0 ? m / secs : 0;
        if (o_.json) {
            std::printf(
                "{\"mode\":\"sink\",\"received\":%llu,\"bytes\":%llu,\"elapsed_s\":%.4f,"
                "\"msg_per_s\":%.1f,\"peak_msg_per_s\":%.1f}\n",
                static_cast<unsigned long long>(m),
                static_cast<unsigned long long>(total(&SinkWorker::bytes)), secs, avg, peak);
        } else {
            std::printf("bench sink: %llu messages in %.2f s: %.0f msg/s (peak 1 s: %.0f msg/s)\n",
                        static_cast<unsigned long long>(m), secs, avg, peak);
        }
        std::fflush(stdout);
        return 0;
    }

  private:
    void accept() {
        SinkWorker& w = *workers_[next_++ % workers_.size()];
        acceptor_->async_accept(
            w.io, [this, &w](const boost::system::error_code& ec, tcp::socket s) {
                if (ec == asio::error::operation_aborted) return;
                if (!ec) {
                    asio::post(w.io, [&w, s = std::move(s)]() mutable {
                        std::make_shared<SinkConnection>(w, std::move(s))->start();
                    });
                }
                accept();
            });
    }

    std::uint64_t total(std::atomic<std::uint64_t> SinkWorker::*field) const {
        std::uint64_t t = 0;
        for (const auto& w : workers_)
            t += ((*w).*field).load(std::memory_order_relaxed);
        return t;
    }

    const SinkOptions& o_;
    std::vector<std::unique_ptr<SinkWorker>> workers_;
    std::unique_ptr<tcp::acceptor> acceptor_;
    std::size_t next_ = 0;
};

}  // namespace

int run_sink(const SinkOptions& o) {
    install_stop_signals();
    try {
        Sink sink(o);
        return sink.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq_cli: sink: %s\n", e.what());
        return 1;
    }
}

}  // namespace nmq::cli
