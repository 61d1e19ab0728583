#pragma once
// What the protocol code needs from a network connection. Implemented by net::Connection (TCP,
// and later TLS and WebSocket) and by the test harness of the conformance vectors.
//
// THREADING WARNING: every call happens on the worker that owns the connection.
#include <cstdint>
#include <string>

namespace nmq::broker {

class Transport {
  public:
    virtual ~Transport() = default;
    // Bytes waiting to be written; encoders append whole packets to it.
    virtual std::string& output() = 0;
    // Asks for output() to be written soon; calls made in one turn of the loop coalesce.
    virtual void flush() = 0;
    // False while the backlog of unwritten bytes is over its limit (a slow reader).
    virtual bool writable() const = 0;
    // Writes what output() holds, then closes. No packet is handled after this.
    virtual void close() = 0;
    // Hands the connection to worker `worker`, which handles the current packet again there.
    virtual void migrate(std::uint32_t worker) = 0;
    virtual const std::string& remote_address() const = 0;
};

}  // namespace nmq::broker
