#pragma once
// Starting a connection of each kind on a worker, from an accepted socket. Called by the
// listeners (on the acceptor's thread); the connection starts on its worker by a post.
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "net/stream_settings.hpp"

namespace nmq::net {

struct WorkerContext;

void start_tcp_connection(WorkerContext& wc, boost::asio::ip::tcp::socket socket);
void start_tls_connection(WorkerContext& wc, boost::asio::ip::tcp::socket socket,
                          std::shared_ptr<const StreamSettings> settings);
// `secure`: WebSocket over TLS (settings.tls set).
void start_ws_connection(WorkerContext& wc, boost::asio::ip::tcp::socket socket,
                         std::shared_ptr<const StreamSettings> settings, bool secure);

}  // namespace nmq::net
