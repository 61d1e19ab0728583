// MQTT over TCP and over TLS: the two StreamConnection-free and StreamConnection<TlsStream>
// entry points. Compiled apart from the WebSocket ones, which are the heavier to build.
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>

#include "net/connections.hpp"
#include "net/stream_connection.hpp"
#include "net/tls_stream.hpp"
#include "net/worker_pool.hpp"

namespace nmq::net {

namespace asio = boost::asio;

std::string describe_tls_error(const boost::system::error_code& ec) {
    // The peer going away, with or without close_notify, or our own close: nothing to report.
    if (ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
        ec == asio::ssl::error::stream_truncated)
        return {};
    return ec.message();
}

void start_tcp_connection(WorkerContext& wc, asio::ip::tcp::socket socket) {
    auto conn = std::make_shared<TcpConnection>(wc, std::move(socket));
    asio::post(wc.io, [conn] { conn->start(); });
}

void start_tls_connection(WorkerContext& wc, asio::ip::tcp::socket socket,
                          std::shared_ptr<const StreamSettings> settings) {
    auto conn =
        std::make_shared<StreamConnection<TlsStream>>(wc, std::move(socket), std::move(settings));
    asio::post(wc.io, [conn] { conn->handshake(); });
}

}  // namespace nmq::net
