#include "net/listeners.hpp"

#include "config/listeners.hpp"

namespace nmq::net {

const char* listener_label(ListenerKind kind) {
    switch (kind) {
        case ListenerKind::kTcp:
            return "MQTT/TCP";
        case ListenerKind::kTls:
            return "MQTT/TLS";
        case ListenerKind::kWs:
            return "MQTT/WebSocket";
        case ListenerKind::kWss:
            return "MQTT/WebSocket+TLS";
    }
    return "?";
}

std::vector<ListenerSpec> listener_specs(const config::Config& config) {
    std::vector<ListenerSpec> out;
    const auto& ls = config.listeners;
    for (const auto& l : ls.tcp) {
        if (!l.enable) continue;
        ListenerSpec s;
        s.kind = ListenerKind::kTcp;
        s.key = config::listener_key("tcp", l.name);
        s.host = l.host;
        s.port = l.port;
        out.push_back(std::move(s));
    }
    for (const auto& l : ls.ssl) {
        if (!l.enable) continue;
        ListenerSpec s;
        s.kind = ListenerKind::kTls;
        s.key = config::listener_key("ssl", l.name);
        s.host = l.host;
        s.port = l.port;
        s.handshake_timeout = l.handshake_timeout;
        s.tls = l.tls;
        s.tls_key = s.key;
        out.push_back(std::move(s));
    }
    auto add_ws = [&](const config::WsListener& l, bool secure) {
        if (!l.enable) return;
        ListenerSpec s;
        s.kind = secure ? ListenerKind::kWss : ListenerKind::kWs;
        s.key = config::listener_key(secure ? "wss" : "ws", l.name);
        s.host = l.host;
        s.port = l.port;
        s.handshake_timeout = l.handshake_timeout;
        s.path = l.path;
        s.allowed_origins = l.allowed_origins;
        s.max_frame_size = l.max_frame_size;
        if (secure) {
            const config::TlsOptions* tls = config::wss_tls(config, l, &s.tls_key);
            if (tls == nullptr) {
                throw config::ConfigError(s.key +
                                          ": a secure WebSocket listener needs keyfile and "
                                          "certfile, of its own or of a listeners.ssl listener");
            }
            s.tls = *tls;
        }
        out.push_back(std::move(s));
    };
    for (const auto& l : ls.ws)
        add_ws(l, false);
    for (const auto& l : ls.wss)
        add_ws(l, true);
    return out;
}

}  // namespace nmq::net
