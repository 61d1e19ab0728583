#pragma once
// WsStream<Secure>: MQTT over WebSocket (listeners.ws) and over WebSocket on TLS
// (listeners.wss), the Stream of StreamConnection. Beast does the protocol: the upgrade, frame
// parsing, masking, ping/pong and the closing handshake. What is ours: the upgrade policy
// (ws_handshake.hpp), binary messages only, and the message size limit. MQTT packets may be
// split across messages or packed several to one [MQTT-6.0.0-2]: the bytes go through the same
// framing as TCP's, which never looks at message boundaries.
//
// Internal to src/net; included only by ws_connection.cpp.
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "net/stream_settings.hpp"
#include "net/tls_context.hpp"
#include "net/tls_stream.hpp"
#include "net/ws_handshake.hpp"

namespace nmq::net {

// The text for the log of a WebSocket read or write failure, "" for an ordinary close.
std::string describe_ws_error(const boost::system::error_code& ec, std::uint64_t max_message);

// The HTTP answer to a refused upgrade request.
void fill_refusal(boost::beast::http::response<boost::beast::http::string_body>& res,
                  const UpgradeDecision& decision, unsigned version);

template <bool Secure>
class WsStream {
  public:
    using Next = std::conditional_t<Secure, boost::asio::ssl::stream<boost::asio::ip::tcp::socket>,
                                    boost::asio::ip::tcp::socket>;
    static constexpr const char* kName = Secure ? "WebSocket/TLS" : "WebSocket";
    static constexpr bool kGoodbye = true;  // a Close frame before the TCP connection goes

    WsStream(boost::asio::ip::tcp::socket socket, const StreamSettings& settings)
        : ws_(make_next(std::move(socket), settings)) {}

    boost::asio::ip::tcp::socket& socket() { return boost::beast::get_lowest_layer(ws_); }

    template <class Handler>
    void async_handshake(const StreamSettings& settings, std::uint64_t max_message,
                         Handler&& done) {
        max_message_ = max_message;
        if constexpr (Secure) {
            ws_.next_layer().async_handshake(
                boost::asio::ssl::stream_base::server,
                [this, &settings,
                 done = std::forward<Handler>(done)](const boost::system::error_code& ec) mutable {
                    if (ec) {
                        std::string why = describe_tls_error(ec);
                        return done("TLS handshake failed: " + (why.empty() ? ec.message() : why));
                    }
                    read_request(settings, std::move(done));
                });
        } else {
            read_request(settings, std::forward<Handler>(done));
        }
    }

    std::optional<std::string> peer_identity() {
        if constexpr (Secure) return peer_common_name(ws_.next_layer().native_handle());
        return std::nullopt;
    }

    template <class Handler>
    void async_read_some(boost::asio::mutable_buffer buffer, Handler&& h) {
        ws_.async_read_some(buffer, std::forward<Handler>(h));
    }

    // [MQTT-6.0.0-1] MQTT travels in binary messages; any other data message closes the
    // connection.
    std::string read_problem() {
        return ws_.got_text() ? "text message (MQTT needs binary messages [MQTT-6.0.0-1])" : "";
    }

    template <class Handler>
    void async_write(boost::asio::const_buffer buffer, Handler&& h) {
        ws_.async_write(buffer, std::forward<Handler>(h));
    }

    template <class Handler>
    void async_goodbye(Handler&& h) {
        ws_.async_close(boost::beast::websocket::close_code::normal, std::forward<Handler>(h));
    }

    std::string describe(const boost::system::error_code& ec) const {
        return describe_ws_error(ec, max_message_);
    }

  private:
    static Next make_next(boost::asio::ip::tcp::socket socket, const StreamSettings& settings) {
        if constexpr (Secure) {
            return Next(std::move(socket), *settings.tls);
        } else {
            return socket;
        }
    }

    template <class Handler>
    void read_request(const StreamSettings& settings, Handler&& done) {
        parser_.emplace();
        parser_->header_limit(8 * 1024);
        boost::beast::http::async_read(
            ws_.next_layer(), http_buffer_, *parser_,
            [this, &settings, done = std::forward<Handler>(done)](
                const boost::system::error_code& ec, std::size_t) mutable {
                if (ec) {
                    std::string why = describe_ws_error(ec, 0);
                    return done("no WebSocket upgrade request: " +
                                (why.empty() ? std::string("the client closed") : why));
                }
                on_request(settings, std::move(done));
            });
    }

    template <class Handler>
    void on_request(const StreamSettings& settings, Handler&& done) {
        namespace http = boost::beast::http;
        namespace websocket = boost::beast::websocket;
        const auto& req = parser_->get();
        UpgradeRequest r;
        auto view = [](auto s) { return std::string_view(s.data(), s.size()); };
        r.method = view(req.method_string());
        r.target = view(req.target());
        r.is_upgrade = websocket::is_upgrade(req);
        if (auto it = req.find(http::field::origin); it != req.end()) r.origin = view(it->value());
        if (auto it = req.find(http::field::sec_websocket_protocol); it != req.end())
            r.protocols = view(it->value());
        UpgradeDecision decision = check_upgrade(r, settings.path, settings.allowed_origins);
        if (decision.status != 0) {
            fill_refusal(refusal_, decision, req.version());
            http::async_write(ws_.next_layer(), refusal_,
                              [done = std::forward<Handler>(done), reason = decision.reason](
                                  const boost::system::error_code&, std::size_t) mutable {
                                  done("upgrade refused: " + reason);
                              });
            return;
        }
        ws_.set_option(websocket::stream_base::decorator(
            [protocol = decision.subprotocol](websocket::response_type& res) {
                if (!protocol.empty()) res.set(http::field::sec_websocket_protocol, protocol);
                res.set(http::field::server, "nmq");
            }));
        ws_.read_message_max(max_message_);
        ws_.auto_fragment(false);
        ws_.binary(true);
        ws_.async_accept(req, [this, done = std::forward<Handler>(done)](
                                  const boost::system::error_code& ec) mutable {
            parser_.reset();
            http_buffer_ = {};
            if (ec) {
                std::string why = describe_ws_error(ec, 0);
                return done("WebSocket upgrade failed: " + (why.empty() ? ec.message() : why));
            }
            done(std::string());
        });
    }

    boost::beast::websocket::stream<Next> ws_;
    boost::beast::flat_buffer http_buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
    boost::beast::http::response<boost::beast::http::string_body> refusal_;
    std::uint64_t max_message_ = 0;
};

}  // namespace nmq::net
