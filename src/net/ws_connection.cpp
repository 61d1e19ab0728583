// MQTT over WebSocket and over WebSocket on TLS: StreamConnection<WsStream<...>>.
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include "net/connections.hpp"
#include "net/stream_connection.hpp"
#include "net/worker_pool.hpp"
#include "net/ws_stream.hpp"

namespace nmq::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

std::string describe_ws_error(const boost::system::error_code& ec, std::uint64_t max_message) {
    if (ec == websocket::error::closed || ec == http::error::end_of_stream) return {};
    if (ec == websocket::error::message_too_big) {
        return "message larger than " +
               (max_message ? std::to_string(max_message) + " bytes" : std::string("the limit")) +
               " (max_frame_size)";
    }
    if (ec == http::error::header_limit) return "HTTP request header larger than 8 KiB";
    std::string tls = describe_tls_error(ec);
    return tls;
}

void fill_refusal(http::response<http::string_body>& res, const UpgradeDecision& decision,
                  unsigned version) {
    res.version(version);
    res.result(static_cast<http::status>(decision.status));
    res.set(http::field::server, "nmq");
    res.set(http::field::content_type, "text/plain");
    if (decision.status == 426) {
        res.set(http::field::upgrade, "websocket");
        res.set(http::field::sec_websocket_version, "13");
    }
    res.keep_alive(false);
    res.body() = decision.reason + "\n";
    res.prepare_payload();
}

template class StreamConnection<WsStream<false>>;
template class StreamConnection<WsStream<true>>;

void start_ws_connection(WorkerContext& wc, asio::ip::tcp::socket socket,
                         std::shared_ptr<const StreamSettings> settings, bool secure) {
    if (secure) {
        auto conn = std::make_shared<StreamConnection<WsStream<true>>>(wc, std::move(socket),
                                                                       std::move(settings));
        asio::post(wc.io, [conn] { conn->handshake(); });
    } else {
        auto conn = std::make_shared<StreamConnection<WsStream<false>>>(wc, std::move(socket),
                                                                        std::move(settings));
        asio::post(wc.io, [conn] { conn->handshake(); });
    }
}

}  // namespace nmq::net
