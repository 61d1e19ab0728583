#include "config/listeners.hpp"

#include "config/units.hpp"

namespace nmq::config {

std::optional<WsBind> parse_ws_bind(std::string_view text) {
    // The path starts at the first '/' after the port; an IPv6 host is bracketed, so its
    // colons come before that.
    std::size_t host_end = 0;
    if (!text.empty() && text.front() == '[') {
        host_end = text.find(']');
        if (host_end == std::string_view::npos) return std::nullopt;
    }
    auto slash = text.find('/', host_end);
    std::string_view address = text.substr(0, slash);
    auto hp = parse_host_port(address);
    if (!hp) return std::nullopt;
    WsBind out;
    out.host = hp->host;
    out.port = hp->port;
    if (slash != std::string_view::npos) {
        std::string_view path = text.substr(slash);
        for (char ch : path) {
            if (static_cast<unsigned char>(ch) <= ' ' || ch == '?' || ch == '#')
                return std::nullopt;
        }
        out.path = std::string(path);
    }
    return out;
}

namespace {

template <class L>
L& find_or_add(std::vector<L>& list, std::string_view name, std::uint16_t port) {
    for (auto& l : list) {
        if (l.name == name) return l;
    }
    L l;
    l.name = std::string(name);
    l.port = port;
    list.push_back(std::move(l));
    return list.back();
}

}  // namespace

SslListener& ssl_listener(Config& c, std::string_view name) {
    return find_or_add(c.listeners.ssl, name, 8883);
}

WsListener& ws_listener(Config& c, std::string_view name) {
    return find_or_add(c.listeners.ws, name, 8083);
}

WsListener& wss_listener(Config& c, std::string_view name) {
    return find_or_add(c.listeners.wss, name, 8084);
}

std::string listener_key(std::string_view kind, std::string_view name) {
    std::string key = "listeners.";
    key += kind;
    if (!name.empty()) {
        key += '.';
        key += name;
    }
    return key;
}

const TlsOptions* wss_tls(const Config& c, const WsListener& l, std::string* from) {
    std::string unused;
    std::string& key = from != nullptr ? *from : unused;
    if (!l.tls.keyfile.empty() || !l.tls.certfile.empty()) {
        key = listener_key("wss", l.name);
        return &l.tls;
    }
    const SslListener* ssl = nullptr;
    for (const auto& s : c.listeners.ssl) {
        if (s.name.empty()) {
            ssl = &s;
            break;
        }
        if (ssl == nullptr) ssl = &s;
    }
    if (ssl == nullptr) return nullptr;
    key = listener_key("ssl", ssl->name);
    return &ssl->tls;
}

}  // namespace nmq::config
