#pragma once
// The listener kinds beside plain TCP: what their `bind` values mean, and which TLS settings a
// secure WebSocket listener uses. Pure functions over Config, used by the key rows
// (key_rows_tls_ws.cpp), the network layer and the HTTP API.
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace nmq::config {

struct WsBind {
    std::string host;
    std::uint16_t port = 0;
    std::string path = "/mqtt";
    bool operator==(const WsBind&) const = default;
};

// "0.0.0.0:8083/mqtt", "[::]:8084/mqtt", "0.0.0.0:8084" (path /mqtt). nullopt if the address is
// not host:port or the path is not an absolute one without spaces.
std::optional<WsBind> parse_ws_bind(std::string_view text);

// The listener named `name` ("" for the unnamed one), added with its kind's defaults when the
// configuration has none yet.
SslListener& ssl_listener(Config& c, std::string_view name);
WsListener& ws_listener(Config& c, std::string_view name);
WsListener& wss_listener(Config& c, std::string_view name);

// The key a listener's settings live under: "listeners.ssl", "listeners.wss.<name>".
std::string listener_key(std::string_view kind, std::string_view name);

// The TLS settings a listeners.wss listener uses: its own when it names a keyfile or a
// certfile; otherwise those of listeners.ssl (the unnamed one, else the first named one), as
// NanoMQ documents. `from` receives the key they come from ("listeners.ssl"). nullptr when
// there are none to use.
const TlsOptions* wss_tls(const Config& c, const WsListener& l, std::string* from = nullptr);

}  // namespace nmq::config
