#pragma once
// ApiServer: the HTTP management API (spec http-api-v1.md) on its own thread and io_context, so
// a slow or busy API client never slows the publish path. Beast and Asio stay behind this header.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace nmq::broker {
class Broker;
}

namespace nmq::http {

// What the API acts on beyond the broker, provided by the application (app/commands.cpp).
// Every member may be empty: the request it serves then answers 500/102.
struct ApiControl {
    // req 10: called on the API thread once the reply has been written.
    std::function<void()> stop;
    std::function<void()> restart;
    // req 12: applies a configuration to the running broker, as a reload does; calls `done`
    // (on any thread) once every worker has it, so the reply means "in effect".
    std::function<void(const config::Config&, std::function<void()> done)> apply;
    // req 12: the overrides file changes are persisted to (config/overrides.hpp).
    std::string overrides_file;
};

class ApiServer {
  public:
    // Binds http_server.ip_addr:port; throws std::runtime_error when it cannot, and
    // config::ConfigError when the authentication settings are unusable (see load_auth).
    ApiServer(const config::Config& config, broker::Broker& broker, ApiControl control = {});
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Starts serving on the API thread.
    void start();
    // Stops serving and joins the API thread; open connections are dropped.
    void stop();
    // The port bound (useful when configured with port 0).
    std::uint16_t port() const;

    // A reloaded configuration (SIGHUP, `nanomq reload`): credentials, auth type and JWT key
    // apply to the next request, and req 11 shows it; the address, port and request limit
    // take effect at the next restart. Safe to call from any thread.
    void reconfigure(const config::Config& config);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nmq::http
