#pragma once
// ApiServer: the HTTP management API (spec http-api-v1.md) on its own thread and io_context, so
// a slow or busy API client never slows the publish path. Beast and Asio stay behind this header.
#include <cstdint>
#include <memory>

#include "config/config.hpp"

namespace nmq::broker {
class Broker;
}

namespace nmq::http {

class ApiServer {
  public:
    // Binds http_server.ip_addr:port; throws std::runtime_error when it cannot.
    ApiServer(const config::Config& config, broker::Broker& broker);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Starts serving on the API thread.
    void start();
    // Stops serving and joins the API thread; open connections are dropped.
    void stop();
    // The port bound (useful when configured with port 0).
    std::uint16_t port() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nmq::http
