#pragma once
// Link: the byte stream from a bridge to its remote broker. TCP, TLS, WebSocket and secure
// WebSocket links are made by make_link_factory() from the bridge's configuration; another
// transport (QUIC) would be another Link. Asio and Beast stay in link.cpp.
//
// THREADING WARNING: a link lives on one io_context (its bridge's worker); every call and
// every Handler callback happens on that thread.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/bridges.hpp"

namespace boost::asio {
class io_context;
}

namespace nmq::bridge {

class Link {
  public:
    class Handler {
      public:
        virtual ~Handler() = default;
        virtual void on_link_up() = 0;                         // connected (TLS: handshake done)
        virtual void on_link_data(std::string_view data) = 0;  // bytes from the remote
        virtual void on_link_drained() = 0;                    // writable() again after a backlog
        // Connecting failed, or the connection ended. Not called after close().
        virtual void on_link_down(const std::string& why) = 0;
    };

    virtual ~Link() = default;
    // Resolves `host`, connects and (TLS) shakes hands; the handler hears how it went. A
    // handler that is gone by then is not called.
    virtual void open(const std::string& host, std::uint16_t port,
                      std::weak_ptr<Handler> handler) = 0;
    virtual std::string& output() = 0;  // bytes to write; encoders append packets
    virtual void flush() = 0;           // writes output() soon (calls in one turn coalesce)
    virtual bool writable() const = 0;  // false while the unwritten backlog is over its limit
    // Writes what output() holds, then closes. The handler hears nothing more.
    virtual void close() = 0;
};

class LinkFactory {
  public:
    virtual ~LinkFactory() = default;
    virtual std::shared_ptr<Link> make() = 0;
    virtual const char* transport() const = 0;  // "tcp", "tls", "ws", "wss"
};

// TCP, or TLS when the bridge's URL or ssl section asks for it; over WebSocket when the URL
// says ws:// or wss://. Throws std::runtime_error
// when a TLS file cannot be read (at start-up, so a bad path is reported at once).
std::unique_ptr<LinkFactory> make_link_factory(boost::asio::io_context& io,
                                               const config::Bridge& bridge);

}  // namespace nmq::bridge
