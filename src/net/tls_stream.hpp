#pragma once
// TlsStream: MQTT over TLS (listeners.ssl), the Stream of StreamConnection. Internal to src/net;
// included only by the .cpp files that instantiate the connections.
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include "net/stream_settings.hpp"
#include "net/tls_context.hpp"

namespace nmq::net {

// The text for the log of a TLS failure, or "" for what is just the peer going away.
std::string describe_tls_error(const boost::system::error_code& ec);

class TlsStream {
  public:
    static constexpr const char* kName = "TLS";
    static constexpr bool kGoodbye = false;  // closing the TCP connection is enough for MQTT

    TlsStream(boost::asio::ip::tcp::socket socket, const StreamSettings& settings)
        : stream_(std::move(socket), *settings.tls) {}

    boost::asio::ip::tcp::socket& socket() { return stream_.next_layer(); }

    template <class Handler>
    void async_handshake(const StreamSettings&, std::uint64_t, Handler&& done) {
        stream_.async_handshake(
            boost::asio::ssl::stream_base::server,
            [done = std::forward<Handler>(done)](const boost::system::error_code& ec) mutable {
                if (!ec) return done(std::string());
                std::string why = describe_tls_error(ec);
                done("TLS handshake failed: " + (why.empty() ? ec.message() : why));
            });
    }

    std::optional<std::string> peer_identity() { return peer_common_name(stream_.native_handle()); }

    template <class Handler>
    void async_read_some(boost::asio::mutable_buffer buffer, Handler&& h) {
        stream_.async_read_some(buffer, std::forward<Handler>(h));
    }
    std::string read_problem() { return {}; }

    template <class Handler>
    void async_write(boost::asio::const_buffer buffer, Handler&& h) {
        boost::asio::async_write(stream_, buffer, std::forward<Handler>(h));
    }
    template <class Handler>
    void async_goodbye(Handler&&) {}

    std::string describe(const boost::system::error_code& ec) const {
        return describe_tls_error(ec);
    }

  private:
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
};

}  // namespace nmq::net
