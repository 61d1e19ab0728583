// TCP, TLS, WebSocket and secure WebSocket links over Asio and Beast: one template over the
// stream type, so the four share resolving, connecting, the read loop and the write loop; TLS
// adds the handshake (with SNI and host name verification) after connecting, WebSocket the
// upgrade (subprotocol "mqtt", binary messages) after that.
#include "bridge/link.hpp"

#include <stdexcept>
#include <type_traits>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace nmq::bridge {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;

// Above this many unwritten bytes the link is "not writable": the session keeps messages in
// its queue instead of piling them up here.
constexpr std::size_t kHighWater = 1024 * 1024;
constexpr std::size_t kReadBuffer = 64 * 1024;

template <class T>
struct IsWebSocket : std::false_type {};
template <class Next>
struct IsWebSocket<websocket::stream<Next>> : std::true_type {};

// Room for the largest MQTT packet in one WebSocket message.
constexpr std::uint64_t kMaxWsMessage = 256ull * 1024 * 1024 + 16;

template <class Stream>
class StreamLink final : public Link, public std::enable_shared_from_this<StreamLink<Stream>> {
    static constexpr bool kWs = IsWebSocket<Stream>::value;
    static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket> &&
                                 !std::is_same_v<Stream, websocket::stream<tcp::socket>>;

  public:
    // TCP, WebSocket
    StreamLink(asio::io_context& io, bool nodelay, std::string path) requires(!kTls)
        : resolver_(io), stream_(io), nodelay_(nodelay), path_(std::move(path)) {}
    // TLS, secure WebSocket
    StreamLink(asio::io_context& io, bool nodelay, std::string path, ssl::context& ctx,
               bool verify) requires(kTls)
        : resolver_(io),
          stream_(io, ctx),
          nodelay_(nodelay),
          verify_(verify),
          path_(std::move(path)) {}

    void open(const std::string& host, std::uint16_t port,
              std::weak_ptr<Handler> handler) override {
        handler_ = std::move(handler);
        host_ = host;
        port_ = port;
        resolver_.async_resolve(
            host, std::to_string(port),
            [self = this->shared_from_this()](const error_code& ec,
                                              tcp::resolver::results_type results) {
                if (self->closed_) return;
                if (ec) {
                    self->down("cannot resolve the host name: " + ec.message());
                    return;
                }
                asio::async_connect(
                    self->socket(), results,
                    [self](const error_code& ec, const tcp::endpoint&) { self->on_connected(ec); });
            });
    }

    std::string& output() override { return out_; }

    void flush() override {
        if (write_posted_ || write_in_flight_ || !up_ || closed_for_writes_) return;
        write_posted_ = true;
        asio::post(resolver_.get_executor(), [self = this->shared_from_this()] {
            self->write_posted_ = false;
            self->do_write();
        });
    }

    bool writable() const override { return out_.size() + writing_.size() < kHighWater; }

    void close() override {
        if (closed_) return;
        closed_ = true;
        handler_.reset();
        error_code ec;
        resolver_.cancel();
        if (!up_ || out_.empty()) {
            if (!write_in_flight_) finish();
            return;
        }
        // DISCONNECT and whatever else is pending goes out first.
        if (!write_in_flight_) do_write();
    }

  private:
    tcp::socket& socket() { return boost::beast::get_lowest_layer(stream_); }

    auto& tls_layer() requires(kTls) {
        if constexpr (kWs) {
            return stream_.next_layer();
        } else {
            return stream_;
        }
    }

    void on_connected(const error_code& ec) {
        if (closed_) {
            finish();
            return;
        }
        if (ec) {
            down("cannot connect: " + ec.message());
            return;
        }
        error_code ignored;
        socket().set_option(tcp::no_delay(nodelay_), ignored);
        if constexpr (kTls) {
            auto& tls = tls_layer();
            // SNI, and the name the certificate must carry.
            SSL_set_tlsext_host_name(tls.native_handle(), host_.c_str());
            if (verify_) {
                tls.set_verify_mode(ssl::verify_peer);
                tls.set_verify_callback(ssl::host_name_verification(host_));
            } else {
                tls.set_verify_mode(ssl::verify_none);
            }
            tls.async_handshake(ssl::stream_base::client,
                                [self = this->shared_from_this()](const error_code& ec) {
                                    if (self->closed_) {
                                        self->finish();
                                        return;
                                    }
                                    if (ec) {
                                        self->down("TLS handshake failed: " + describe(ec));
                                        return;
                                    }
                                    self->upgrade();
                                });
        } else {
            upgrade();
        }
    }

    // WebSocket: the HTTP upgrade, asking for the "mqtt" subprotocol [MQTT-6.0.0-3]; MQTT
    // packets then travel in binary messages [MQTT-6.0.0-1].
    void upgrade() {
        if constexpr (kWs) {
            stream_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
                req.set(boost::beast::http::field::sec_websocket_protocol, "mqtt");
                req.set(boost::beast::http::field::user_agent, "nmq-bridge");
            }));
            stream_.binary(true);
            stream_.auto_fragment(false);
            stream_.read_message_max(kMaxWsMessage);
            const bool v6 = host_.find(':') != std::string::npos;
            std::string host_header =
                (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
            auto response = std::make_shared<websocket::response_type>();
            stream_.async_handshake(
                *response, host_header, path_,
                [self = this->shared_from_this(), response](const error_code& ec) {
                    if (self->closed_) {
                        self->finish();
                        return;
                    }
                    if (ec) {
                        self->down("WebSocket upgrade to " + self->path_ +
                                   " refused: " + describe(ec));
                        return;
                    }
                    auto protocol = (*response)[boost::beast::http::field::sec_websocket_protocol];
                    if (protocol != "mqtt") {
                        self->down(
                            "WebSocket upgrade: the server did not accept the mqtt "
                            "subprotocol");
                        return;
                    }
                    self->up();
                });
        } else {
            up();
        }
    }

    static std::string describe(const error_code& ec) {
        std::string what = ec.message();
        if (ec.category() == asio::error::get_ssl_category()) {
            // OpenSSL's reason ("certificate verify failed") says more than the number.
            if (const char* r = ERR_reason_error_string(static_cast<unsigned long>(ec.value())))
                what = r;
        }
        return what;
    }

    void up() {
        up_ = true;
        read_buffer_.resize(kReadBuffer);
        if (auto h = handler_.lock()) h->on_link_up();
        if (closed_) return;
        if (!out_.empty()) flush();
        read();
    }

    void read() {
        stream_.async_read_some(
            asio::buffer(read_buffer_),
            [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                if (self->closed_) return;
                if (ec) {
                    self->down(ec == asio::error::eof || ec == websocket::error::closed
                                   ? std::string("closed by the remote")
                                   : describe(ec));
                    return;
                }
                if (auto h = self->handler_.lock()) {
                    h->on_link_data(std::string_view(self->read_buffer_.data(), n));
                }
                if (!self->closed_) self->read();
            });
    }

    void do_write() {
        if (write_in_flight_ || closed_for_writes_) return;
        if (out_.empty()) {
            if (closed_) finish();
            return;
        }
        writing_.swap(out_);
        write_in_flight_ = true;
        auto done = [self = this->shared_from_this()](const error_code& ec, std::size_t) {
            self->write_in_flight_ = false;
            self->on_written(ec);
        };
        if constexpr (kWs) {
            stream_.async_write(asio::buffer(writing_), std::move(done));  // one message
        } else {
            asio::async_write(stream_, asio::buffer(writing_), std::move(done));
        }
    }

    void on_written(const error_code& ec) {
        bool was_full = writing_.size() + out_.size() >= kHighWater;
        writing_.clear();
        if (ec) {
            if (closed_) {
                finish();
            } else {
                down("write failed: " + describe(ec));
            }
            return;
        }
        if (!out_.empty()) {
            do_write();
        } else if (closed_) {
            finish();
            return;
        }
        if (was_full && writable() && !closed_) {
            if (auto h = handler_.lock()) h->on_link_drained();
        }
    }

    // The connection failed or ended by itself: tell the handler once.
    void down(const std::string& why) {
        if (closed_) return;
        closed_ = true;
        finish();
        auto h = handler_.lock();
        handler_.reset();
        if (h) h->on_link_down(why);
    }

    void finish() {
        if (finished_) return;
        finished_ = true;
        closed_for_writes_ = true;
        error_code ec;
        resolver_.cancel();
        socket().shutdown(tcp::socket::shutdown_both, ec);
        socket().close(ec);
    }

    tcp::resolver resolver_;
    Stream stream_;
    bool nodelay_ = true;
    bool verify_ = true;
    std::string path_;  // WebSocket
    std::string host_;
    std::uint16_t port_ = 0;
    std::weak_ptr<Handler> handler_;
    std::vector<char> read_buffer_;
    std::string out_;
    std::string writing_;
    bool up_ = false;
    bool write_posted_ = false;
    bool write_in_flight_ = false;
    bool closed_ = false;             // close() or down(): no more callbacks
    bool closed_for_writes_ = false;  // the socket is shut
    bool finished_ = false;
};

class TcpLinkFactory final : public LinkFactory {
  public:
    TcpLinkFactory(asio::io_context& io, bool nodelay, const config::BridgeServer& server)
        : io_(io), nodelay_(nodelay), ws_(server.websocket), path_(server.path) {}
    std::shared_ptr<Link> make() override {
        if (ws_)
            return std::make_shared<StreamLink<websocket::stream<tcp::socket>>>(io_, nodelay_,
                                                                                path_);
        return std::make_shared<StreamLink<tcp::socket>>(io_, nodelay_, path_);
    }
    const char* transport() const override { return ws_ ? "ws" : "tcp"; }

  private:
    asio::io_context& io_;
    bool nodelay_;
    bool ws_;
    std::string path_;
};

class TlsLinkFactory final : public LinkFactory {
  public:
    TlsLinkFactory(asio::io_context& io, const config::Bridge& b,
                   const config::BridgeServer& server)
        : io_(io),
          nodelay_(b.tcp_nodelay),
          verify_(b.ssl.verify_peer),
          ws_(server.websocket),
          path_(server.path),
          ctx_(ssl::context::tls_client) {
        const auto& t = b.ssl;
        auto at = [&](const std::string& key, const std::string& file) {
            return "bridges.mqtt." + b.name + ".ssl." + key + ": cannot read \"" + file + "\"";
        };
        ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
        error_code ec;
        if (!t.cacertfile.empty()) {
            ctx_.load_verify_file(t.cacertfile, ec);
            if (ec) throw std::runtime_error(at("cacertfile", t.cacertfile) + ": " + ec.message());
        } else {
            ctx_.set_default_verify_paths(ec);
        }
        if (!t.key_password.empty()) {
            ctx_.set_password_callback(
                [pw = t.key_password](std::size_t, ssl::context::password_purpose) { return pw; });
        }
        if (!t.certfile.empty()) {
            ctx_.use_certificate_chain_file(t.certfile, ec);
            if (ec) throw std::runtime_error(at("certfile", t.certfile) + ": " + ec.message());
        }
        if (!t.keyfile.empty()) {
            ctx_.use_private_key_file(t.keyfile, ssl::context::pem, ec);
            if (ec) throw std::runtime_error(at("keyfile", t.keyfile) + ": " + ec.message());
        }
    }
    std::shared_ptr<Link> make() override {
        if (ws_)
            return std::make_shared<StreamLink<websocket::stream<ssl::stream<tcp::socket>>>>(
                io_, nodelay_, path_, ctx_, verify_);
        return std::make_shared<StreamLink<ssl::stream<tcp::socket>>>(io_, nodelay_, path_, ctx_,
                                                                      verify_);
    }
    const char* transport() const override { return ws_ ? "wss" : "tls"; }

  private:
    asio::io_context& io_;
    bool nodelay_;
    bool verify_;
    bool ws_;
    std::string path_;
    ssl::context ctx_;
};

}  // namespace

std::unique_ptr<LinkFactory> make_link_factory(asio::io_context& io, const config::Bridge& b) {
    auto server = config::parse_bridge_server(b.server).value_or(config::BridgeServer{});
    if (server.tls || b.ssl.enable) return std::make_unique<TlsLinkFactory>(io, b, server);
    return std::make_unique<TcpLinkFactory>(io, b.tcp_nodelay, server);
}

}  // namespace nmq::bridge
