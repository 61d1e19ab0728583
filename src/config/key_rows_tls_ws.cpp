// Rows of the key table for TLS, WebSocket and secure WebSocket listeners (listeners.ssl,
// listeners.ws, listeners.wss).
#include "config/key_rows.hpp"

namespace nmq::config {

std::vector<KeySpec> tls_ws_key_rows() {
    return {};
}

std::vector<SectionSpec> tls_ws_section_rows() {
    return {};
}

// Until the area is implemented, NanoMQ's keys for it are reported once and skipped.
std::vector<UnsupportedSpec> tls_ws_unsupported_rows() {
    return {
        {"listeners.ssl", "MQTT over TLS listeners"},
        {"listeners.ws", "MQTT over WebSocket listeners"},
        {"listeners.wss", "MQTT over secure WebSocket listeners"},
    };
}

}  // namespace nmq::config
