#pragma once
// The load generator's connections over TLS, WebSocket or WebSocket on TLS (--tls, --ws). Plain
// TCP does not come here: BenchConnection keeps its own socket path, so measuring plain TCP
// costs what it always did. The handlers are std::function: one allocation per read or write
// of up to 256 KiB is noise next to encryption and framing.
//
// THREADING WARNING: like BenchConnection, used only on its worker's thread.
#include <array>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cli/options.hpp"

namespace boost::asio::ssl {
class context;
}

namespace nmq::cli {

class ClientStream {
  public:
    using Done = std::function<void(const boost::system::error_code&)>;
    using IoDone = std::function<void(const boost::system::error_code&, std::size_t)>;
    virtual ~ClientStream() = default;

    // TCP connect, then the TLS handshake and/or the WebSocket upgrade (subprotocol "mqtt").
    virtual void async_connect(const boost::asio::ip::tcp::endpoint& to, Done done) = 0;
    // One write; over WebSocket, one binary message.
    virtual void async_write(std::array<boost::asio::const_buffer, 2> data, IoDone done) = 0;
    virtual void async_read_some(boost::asio::mutable_buffer into, IoDone done) = 0;
    virtual void close() = 0;
};

// The TLS client context of the options (CA file, client certificate); nullptr without --tls.
// Throws std::runtime_error naming a file that cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_client_tls(const ConnectOptions& o);

// nullptr for plain TCP.
std::unique_ptr<ClientStream> make_client_stream(boost::asio::io_context& io,
                                                 const ConnectOptions& o,
                                                 boost::asio::ssl::context* tls);

}  // namespace nmq::cli
