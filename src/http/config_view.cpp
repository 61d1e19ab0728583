// req 11: the configuration in the shape of the V1 document's example, from the live Config.
#include <fstream>
#include <sstream>
#include <string>

#include "http/config_api.hpp"
#include "http/config_sections.hpp"
#include "http/envelope.hpp"

namespace nmq::http {
namespace json = boost::json;

namespace {

// `url` is the first TCP listener, as the key=value format's `url` was the one TCP listener.
json::value tcp_url(const config::Config& c) {
    if (c.listeners.tcp.empty()) return nullptr;
    const auto& l = c.listeners.tcp.front();
    return json::value("nmq-tcp://" + host_port(l.host, l.port));
}

// The key=value format's qos_duration is whole seconds.
std::int64_t whole_seconds(std::chrono::milliseconds d) {
    const auto ms = d.count();
    const auto s = (ms + 500) / 1000;
    return s == 0 && ms > 0 ? 1 : s;
}

const char* auth_type_name(config::HttpAuthType t) {
    switch (t) {
        case config::HttpAuthType::kBasic:
            return "basic";
        case config::HttpAuthType::kJwt:
            return "jwt";
        default:
            return "no_auth";
    }
}

}  // namespace

json::value string_or_null(const std::string& s) {
    return s.empty() ? json::value(nullptr) : json::value(valid_utf8(s));
}

json::value redacted_or_null(const std::string& s) {
    return s.empty() ? json::value(nullptr) : json::value(kRedacted);
}

std::string host_port(const std::string& host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

json::value file_or_null(const std::string& path) {
    if (path.empty()) return nullptr;
    std::ifstream in(path, std::ios::binary);
    if (!in) return nullptr;
    std::ostringstream text;
    text << in.rdbuf();
    return json::value(valid_utf8(text.str()));
}

std::optional<std::string> strip_scheme(std::string_view url,
                                        std::initializer_list<std::string_view> schemes) {
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(url);
    for (auto scheme : schemes)
        if (url.substr(0, sep + 3) == scheme) return std::string(url.substr(sep + 3));
    return std::nullopt;
}

json::object config_view(const config::Config& c) {
    json::object d;
    d["url"] = tcp_url(c);
    d["num_taskq_thread"] = c.system.num_taskq_thread;
    d["max_taskq_thread"] = c.system.max_taskq_thread;
    d["parallel"] = c.system.parallel;
    d["property_size"] = c.mqtt.property_size;
    d["msq_len"] = c.mqtt.max_mqueue_len;
    d["qos_duration"] = whole_seconds(c.mqtt.retry_interval);
    d["allow_anonymous"] = c.auth.allow_anonymous;
    d["daemon"] = c.system.daemon;
    d["tls"] = tls_view(c);
    d["websocket"] = websocket_view(c);
    json::object hs;
    hs["enable"] = c.http_server.enable;
    hs["port"] = c.http_server.port;
    hs["username"] = string_or_null(c.http_server.username);
    hs["password"] = redacted_or_null(c.http_server.password);
    hs["auth_type"] = auth_type_name(c.http_server.auth_type);
    d["http_server"] = std::move(hs);
    d["bridge"] = bridge_view(c);
    return d;
}

}  // namespace nmq::http
