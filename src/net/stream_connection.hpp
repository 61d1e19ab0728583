#pragma once
// StreamConnection<Stream>: an MQTT connection over a stream that needs a handshake first (TLS,
// WebSocket, WebSocket over TLS). The MQTT side is ConnectionCore's; this adds the handshake
// with its timeout, asynchronous reads into a per-connection buffer (a TLS or WebSocket layer
// keeps state between reads, so the worker's shared buffer cannot be used), and the move to the
// session's home worker.
//
// Moving such a connection cannot hand over a file descriptor: the TLS and WebSocket state
// lives in the stream object. So the stream stays registered with the worker that accepted it,
// and from the move on every completion handler is bound to the new worker's executor: the
// socket's readiness is still watched by the first worker, but every line of this class, the
// Client and the session run on the second. The move happens inside a read completion, when no
// other operation of the connection is pending.
//
// Stream requirements (see tls_stream.hpp, ws_stream.hpp):
//   Stream(tcp::socket, const StreamSettings&)
//   tcp::socket& socket()
//   void async_handshake(const StreamSettings&, std::uint64_t max_message, Handler)
//       Handler: void(std::string problem), problem empty on success
//   std::optional<std::string> peer_identity()       Common Name of the client certificate
//   void async_read_some(mutable_buffer, Handler)    Handler: void(error_code, size_t)
//   std::string read_problem()                       e.g. a text frame; "" when all is well
//   void async_write(const_buffer, Handler)          Handler: void(error_code, size_t)
//   static constexpr bool kGoodbye; void async_goodbye(Handler)   Handler: void(error_code)
//   std::string describe(const error_code&)          "" for an ordinary close
//   static constexpr const char* kName               "TLS", "WebSocket", ...
//
// THREADING WARNING: see ConnectionCore; in addition the stream's socket may belong to another
// worker's io_context than wc_ (after a move), which is why handlers are always bound to wc_.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/log.hpp"
#include "net/connection.hpp"
#include "net/stream_settings.hpp"
#include "net/worker_pool.hpp"

namespace nmq::net {

template <class Stream>
class StreamConnection final : public ConnectionCore {
  public:
    StreamConnection(WorkerContext& wc, boost::asio::ip::tcp::socket socket,
                     std::shared_ptr<const StreamSettings> settings)
        : ConnectionCore(wc, socket),
          settings_(std::move(settings)),
          stream_(std::move(socket), *settings_),
          timer_(wc.io) {
        boost::system::error_code ec;
        stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true), ec);
    }

    // Runs the handshake, then reads MQTT. Call on the connection's worker.
    void handshake() {
        timer_.expires_after(settings_->handshake_timeout);
        timer_.async_wait(bind([self = self()](const boost::system::error_code& ec) {
            if (ec || self->handshake_done_ || self->finished_) return;
            log::get("net")->info("{} {}: no handshake within {}ms; closing", Stream::kName,
                                  self->address_, self->settings_->handshake_timeout.count());
            self->finish();
        }));
        std::uint64_t max_message = settings_->max_frame_size;
        if (max_message == 0) max_message = std::uint64_t{wc_->max_packet} + 5;
        stream_.async_handshake(*settings_, max_message, [self = self()](std::string problem) {
            self->on_handshake(std::move(problem));
        });
    }

  private:
    template <class Handler>
    auto bind(Handler&& h) {
        return boost::asio::bind_executor(wc_->io.get_executor(), std::forward<Handler>(h));
    }
    std::shared_ptr<StreamConnection> self() {
        return std::static_pointer_cast<StreamConnection>(shared_from_this());
    }

    void on_handshake(std::string problem) {
        if (finished_) return;  // timed out meanwhile
        handshake_done_ = true;
        timer_.cancel();
        if (!problem.empty()) {
            log::get("net")->info("{} {}: {}; closing", Stream::kName, address_, problem);
            finish();
            return;
        }
        if (settings_->identity_as_username) {
            identity_ = stream_.peer_identity();
            if (!identity_) {
                log::get("net")->info(
                    "{} {}: the client certificate has no Common Name to use as user name; "
                    "closing",
                    Stream::kName, address_);
                finish();
                return;
            }
        }
        start({});
    }

    void start(std::string pending) {
        if (!begin(std::move(pending))) return;
        read();
    }

    void read() {
        if (rbuf_.empty()) rbuf_.resize(kReadBufferInitial);
        stream_.async_read_some(boost::asio::buffer(rbuf_),
                                bind([self = self()](const boost::system::error_code& ec,
                                                     std::size_t n) { self->on_read(ec, n); }));
    }

    void on_read(const boost::system::error_code& ec, std::size_t n) {
        if (finished_) return;
        if (ec) {
            if (auto why = stream_.describe(ec); !why.empty())
                log::get("net")->info("{} {}: {}; closing", Stream::kName, address_, why);
            finish();
            return;
        }
        if (auto why = stream_.read_problem(); !why.empty()) {
            log::get("net")->info("{} {}: {}; closing", Stream::kName, address_, why);
            finish();
            return;
        }
        const bool filled = n == rbuf_.size();
        if (!consume(rbuf_.data(), n)) return;
        if (closing_) return;
        if (filled && rbuf_.size() < kReadBufferMax) rbuf_.resize(rbuf_.size() * 2);
        if (wc_->worker->congested()) {  // back-pressure (WorkerContext::hold_read)
            wc_->hold_read([self = self()] {
                if (!self->finished_ && !self->closing_) self->read();
            });
            return;
        }
        read();
    }

    void write_some() override {
        write_in_flight_ = true;
        stream_.async_write(boost::asio::buffer(writing_),
                            bind([self = self()](const boost::system::error_code& ec, std::size_t) {
                                self->write_in_flight_ = false;
                                if (ec && !self->finished_) {
                                    if (auto why = self->stream_.describe(ec); !why.empty())
                                        log::get("net")->info("{} {}: write failed: {}; closing",
                                                              Stream::kName, self->address_, why);
                                }
                                self->on_written(ec);
                            }));
    }

    void say_goodbye() override {
        if constexpr (Stream::kGoodbye) {
            if (goodbye_started_) return;
            goodbye_started_ = true;
            // The closing handshake, bounded: a peer that does not answer is cut off.
            timer_.expires_after(kGoodbyeTimeout);
            timer_.async_wait(bind([self = self()](const boost::system::error_code& ec) {
                if (!ec) self->finish();
            }));
            stream_.async_goodbye(
                bind([self = self()](const boost::system::error_code&) { self->finish(); }));
        } else {
            finish();
        }
    }

    void close_stream() override {
        boost::system::error_code ec;
        timer_.cancel();
        stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        stream_.socket().close(ec);
    }

    void hand_over(std::uint32_t to, std::string pending) override {
        // Nothing of this connection is pending now (we are in its read completion, and no
        // write has started), so the new worker may take it as it is.
        wc_ = wc_->peers[to];
        boost::asio::post(wc_->io, [self = self(), pending = std::move(pending)]() mutable {
            self->start(std::move(pending));
        });
    }

    static constexpr std::size_t kReadBufferInitial = 4 * 1024;
    static constexpr std::size_t kReadBufferMax = 64 * 1024;
    static constexpr std::chrono::seconds kGoodbyeTimeout{2};

    std::shared_ptr<const StreamSettings> settings_;
    Stream stream_;
    boost::asio::steady_timer timer_;
    std::vector<char> rbuf_;
    bool handshake_done_ = false;
    bool goodbye_started_ = false;
};

}  // namespace nmq::net
