#pragma once
// Server: the running broker: worker threads with one io_context each, the listeners, and the
// Broker they feed. Asio stays behind this header.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "config/config.hpp"

namespace nmq::broker {
class Broker;
}
namespace nmq::bridge {
class Bridges;
}

namespace nmq::net {

class Server {
  public:
    // Binds every configured listener; throws std::runtime_error when one cannot be bound.
    explicit Server(const config::Config& config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Runs the workers until stop() or SIGINT/SIGTERM; returns when they have finished.
    void run();
    // Stops gracefully: no new connections, clients disconnected (5.0: Server shutting down).
    // Safe to call from any thread and from a signal handler's completion.
    void stop();

    // On SIGHUP, `read` is called (on a worker thread) for the new configuration: it re-reads
    // and validates every source and returns nullopt, after logging why, when that fails; the
    // broker then keeps running unchanged.
    void on_reload(std::function<std::optional<config::Config>()> read);
    // Applies the reloadable keys of `config` to the running broker without dropping
    // connections, and logs what changed and what needs a restart. Listeners of every kind
    // (TCP, TLS, WebSocket, secure WebSocket) are opened, closed or updated to match; a TLS
    // listener also re-reads its certificate files. A listener that cannot be changed (port in
    // use, unreadable certificate) is logged and keeps running as it was.
    void reload(const config::Config& config);
    // The HTTP API's req 12, once its change is saved: reloads from every source exactly as
    // SIGHUP does (so the saved change and any edit of the file since the last reload are
    // read together, in order with SIGHUPs: the last reload always reads the latest files),
    // or applies `fallback` when no source is set or reading fails.
    void reload_from_sources(const config::Config& fallback);

    // The ports the plain TCP listeners are bound to (useful when configured with port 0).
    // Call before run() or on worker 0.
    std::vector<std::uint16_t> tcp_ports() const;
    broker::Broker& broker();
    // The bridges to remote brokers (their status for the management API).
    bridge::Bridges& bridges();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nmq::net
