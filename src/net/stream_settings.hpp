#pragma once
// What a TLS or WebSocket listener gives each of its connections. Built when the listener opens
// (or when a reload changes it) and shared, immutable, by the connections accepted meanwhile, so
// a reload never changes a connection under its feet.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace nmq::net {

struct StreamSettings {
    std::chrono::milliseconds handshake_timeout{10'000};
    // TLS and WebSocket over TLS: the server context (certificate, key, verification).
    std::shared_ptr<boost::asio::ssl::context> tls;
    // Use the client certificate's Common Name as the MQTT user name.
    bool identity_as_username = false;
    // WebSocket: the HTTP path, the browser origins allowed (empty: any) and the largest message
    // (0: the worker's maximum packet size plus a fixed header).
    std::string path = "/mqtt";
    std::vector<std::string> allowed_origins;
    std::uint64_t max_frame_size = 0;
};

}  // namespace nmq::net
