#pragma once
// The listeners of a configuration, one row per socket to open: plain TCP, TLS, WebSocket and
// secure WebSocket, each unnamed or named. Server opens them, and on reload compares the new
// rows with the open ones by key: a row that is gone is closed, a new one opened, one whose
// address changed reopened, one whose settings changed (certificates included) gets new
// settings for the connections it accepts from then on. Established connections are never
// touched.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace nmq::net {

enum class ListenerKind { kTcp, kTls, kWs, kWss };

struct ListenerSpec {
    ListenerKind kind = ListenerKind::kTcp;
    std::string key;  // "listeners.ssl.default_1": names it in logs and matches it on reload
    std::string host;
    std::uint16_t port = 0;
    std::chrono::milliseconds handshake_timeout{10'000};
    std::optional<config::TlsOptions> tls;  // kTls, kWss
    std::string tls_key;  // where `tls` was configured ("listeners.ssl" for a wss that borrows it)
    std::string path;     // kWs, kWss
    std::vector<std::string> allowed_origins;
    std::uint64_t max_frame_size = 0;
    bool operator==(const ListenerSpec&) const = default;
    bool same_address(const ListenerSpec& o) const { return host == o.host && port == o.port; }
};

// Every enabled listener of `config`. Throws config::ConfigError when a secure WebSocket
// listener has no TLS settings of its own and no listeners.ssl to take them from.
std::vector<ListenerSpec> listener_specs(const config::Config& config);

// "MQTT/TLS" and the like, for the log.
const char* listener_label(ListenerKind kind);

}  // namespace nmq::net
