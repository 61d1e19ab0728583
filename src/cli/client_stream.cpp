#include "cli/client_stream.hpp"

#include <stdexcept>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace nmq::cli {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

using TlsSocket = ssl::stream<tcp::socket>;

void set_nodelay(tcp::socket& s) {
    error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
}

class TlsClient final : public ClientStream {
  public:
    TlsClient(asio::io_context& io, ssl::context& ctx, std::string host)
        : s_(io, ctx), host_(std::move(host)) {}

    void async_connect(const tcp::endpoint& to, Done done) override {
        s_.next_layer().async_connect(to, [this, done = std::move(done)](const error_code& ec) {
            if (ec) return done(ec);
            set_nodelay(s_.next_layer());
            SSL_set_tlsext_host_name(s_.native_handle(), host_.c_str());
            s_.async_handshake(ssl::stream_base::client, done);
        });
    }
    void async_write(std::array<asio::const_buffer, 2> data, IoDone done) override {
        asio::async_write(s_, data, std::move(done));
    }
    void async_read_some(asio::mutable_buffer into, IoDone done) override {
        s_.async_read_some(into, std::move(done));
    }
    void close() override {
        error_code ignored;
        s_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
        s_.next_layer().close(ignored);
    }

  private:
    TlsSocket s_;
    std::string host_;
};

template <class Next>
class WsClient final : public ClientStream {
  public:
    template <class... Args>
    WsClient(const ConnectOptions& o, Args&&... args)
        : ws_(std::forward<Args>(args)...), host_(o.host), path_(o.ws_path) {}

    void async_connect(const tcp::endpoint& to, Done done) override {
        auto& socket = boost::beast::get_lowest_layer(ws_);
        socket.async_connect(to, [this, done = std::move(done)](const error_code& ec) mutable {
            if (ec) return done(ec);
            set_nodelay(boost::beast::get_lowest_layer(ws_));
            if constexpr (std::is_same_v<Next, TlsSocket>) {
                SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), host_.c_str());
                ws_.next_layer().async_handshake(
                    ssl::stream_base::client, [this, done = std::move(done)](const error_code& ec) {
                        if (ec) return done(ec);
                        upgrade(std::move(done));
                    });
            } else {
                upgrade(std::move(done));
            }
        });
    }
    void async_write(std::array<asio::const_buffer, 2> data, IoDone done) override {
        ws_.async_write(data, std::move(done));
    }
    void async_read_some(asio::mutable_buffer into, IoDone done) override {
        ws_.async_read_some(into, std::move(done));
    }
    void close() override {
        error_code ignored;
        auto& socket = boost::beast::get_lowest_layer(ws_);
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }

  private:
    void upgrade(Done done) {
        ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(boost::beast::http::field::sec_websocket_protocol, "mqtt");
        }));
        ws_.binary(true);
        ws_.auto_fragment(false);
        ws_.async_handshake(host_, path_, std::move(done));
    }

    websocket::stream<Next> ws_;
    std::string host_;
    std::string path_;
};

}  // namespace

std::shared_ptr<ssl::context> make_client_tls(const ConnectOptions& o) {
    if (!o.tls) return nullptr;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    error_code ec;
    if (o.insecure) {
        ctx->set_verify_mode(ssl::verify_none);
    } else {
        ctx->set_verify_mode(ssl::verify_peer);
        if (o.cafile.empty()) {
            ctx->set_default_verify_paths(ec);
        } else {
            ctx->load_verify_file(o.cafile, ec);
        }
        if (ec) throw std::runtime_error("--cafile " + o.cafile + ": " + ec.message());
    }
    if (!o.certfile.empty()) {
        ctx->use_certificate_chain_file(o.certfile, ec);
        if (ec) throw std::runtime_error("--cert " + o.certfile + ": " + ec.message());
        ctx->use_private_key_file(o.keyfile.empty() ? o.certfile : o.keyfile, ssl::context::pem,
                                  ec);
        if (ec) throw std::runtime_error("--key " + o.keyfile + ": " + ec.message());
    }
    return ctx;
}

std::unique_ptr<ClientStream> make_client_stream(asio::io_context& io, const ConnectOptions& o,
                                                 ssl::context* tls) {
    if (o.ws && tls) return std::make_unique<WsClient<TlsSocket>>(o, io, *tls);
    if (o.ws) return std::make_unique<WsClient<tcp::socket>>(o, io);
    if (tls) return std::make_unique<TlsClient>(io, *tls, o.host);
    return nullptr;
}

}  // namespace nmq::cli
