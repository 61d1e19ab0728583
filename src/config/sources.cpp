#include "config/sources.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "config/hocon.hpp"
#include "config/key_rows.hpp"
#include "config/key_table.hpp"
#include "core/text.hpp"

namespace nmq::config {

namespace {

using text::lower;

// How an old value becomes a HOCON value.
enum class Conv {
    kText,
    kKiB,
    kSeconds,
    kPermille,
    kTcpUrl,
    kTlsUrl,
    kWsUrl,
    kWssUrl,
    kStrictBool
};

struct OldKey {
    std::string_view old;
    std::string_view path;
    Conv conv = Conv::kText;
};

// The key=value names (spec/nanomq-config.md, section 1) and where they live in HOCON.
constexpr OldKey kOldKeys[] = {
    {"url", "listeners.tcp.bind", Conv::kTcpUrl},
    {"daemon", "system.daemon"},
    {"num_taskq_thread", "system.num_taskq_thread"},
    {"max_taskq_thread", "system.max_taskq_thread"},
    {"parallel", "system.parallel"},
    {"property_size", "mqtt.property_size"},
    {"max_packet_size", "mqtt.max_packet_size", Conv::kKiB},
    {"msq_len", "mqtt.max_mqueue_len"},
    {"qos_duration", "mqtt.retry_interval", Conv::kSeconds},
    {"keepalive_backoff", "mqtt.keepalive_multiplier", Conv::kPermille},
    {"allow_anonymous", "auth.allow_anonymous"},
    {"http_server.enable", "http_server.enable"},
    {"http_server.port", "http_server.port"},
    {"http_server.parallel", "http_server.limit_conn"},
    {"http_server.username", "http_server.username"},
    {"http_server.password", "http_server.password"},
    {"http_server.auth_type", "http_server.auth_type"},
    {"http_server.jwt.public.keyfile", "http_server.jwt.public.keyfile"},
    {"log.to", "log.to"},
    {"log.level", "log.level"},
    {"log.dir", "log.dir"},
    {"log.file", "log.file"},
    {"log.rotation.size", "log.rotation.size"},
    {"log.rotation.count", "log.rotation.count"},
    // TLS and WebSocket (spec/nanomq-config.md 1.1); how tls.enable and websocket.enable
    // combine is settled at the end of old_conf_to_hocon.
    {"tls.enable", "listeners.ssl.enable", Conv::kStrictBool},
    {"tls.url", "listeners.ssl.bind", Conv::kTlsUrl},
    {"tls.keyfile", "listeners.ssl.keyfile"},
    {"tls.certfile", "listeners.ssl.certfile"},
    {"tls.cacertfile", "listeners.ssl.cacertfile"},
    {"tls.key_password", "listeners.ssl.key_password"},
    {"tls.verify_peer", "listeners.ssl.verify_peer", Conv::kStrictBool},
    {"tls.fail_if_no_peer_cert", "listeners.ssl.fail_if_no_peer_cert", Conv::kStrictBool},
    {"websocket.enable", "listeners.ws.enable"},
    {"websocket.url", "listeners.ws.bind", Conv::kWsUrl},
    {"websocket.tls_url", "listeners.wss.bind", Conv::kWssUrl},
};

const OldKey* find_old(std::string_view key) {
    for (const auto& k : kOldKeys)
        if (k.old == key) return &k;
    return nullptr;
}

std::string quote(std::string_view v) {
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

// The HOCON value for `value` of an old key, or nullopt with a reason when it cannot be read.
std::optional<std::string> convert(const OldKey& k, std::string_view value) {
    switch (k.conv) {
        case Conv::kText: {
            const KeySpec* spec = find_key(k.path);
            // The V1 parser took true/yes in any case for booleans.
            if (spec && spec->type == KeyType::kBool) return quote(lower(value));
            return quote(value);
        }
        case Conv::kKiB:
            return quote(std::string(value) + "KB");
        case Conv::kSeconds:
            return quote(std::string(value) + "s");
        case Conv::kPermille: {
            // keepalive_backoff=1250 meant 1.25 x the keep alive.
            long long permille = 0;
            std::istringstream in{std::string(value)};
            if (!(in >> permille) || !in.eof()) return quote(value);  // let the table complain
            std::ostringstream out;
            out << static_cast<double>(permille) / 1000.0;
            return out.str();
        }
        case Conv::kTcpUrl:
        case Conv::kTlsUrl:
        case Conv::kWsUrl:
        case Conv::kWssUrl: {
            auto bind = k.conv == Conv::kTcpUrl   ? tcp_url_to_bind(value)
                        : k.conv == Conv::kTlsUrl ? tls_url_to_bind(value)
                                                  : ws_url_to_bind(value, k.conv == Conv::kWssUrl);
            if (!bind) return std::nullopt;
            return quote(*bind);
        }
        case Conv::kStrictBool:
            // The V1 parser took only "true" for the tls.* booleans; anything else was false.
            return value == "true" ? "true" : "false";
    }
    return std::nullopt;
}

}  // namespace

namespace {

// The address after "scheme://" when the scheme is one of `schemes` (a URL without a scheme
// when `bare` is allowed); nullopt otherwise.
std::optional<std::string> url_address(std::string_view url,
                                       std::initializer_list<std::string_view> schemes, bool bare) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        if (!bare || url.empty()) return std::nullopt;
        return std::string(url);
    }
    auto scheme = url.substr(0, scheme_end);
    for (auto s : schemes) {
        if (s == scheme) {
            url.remove_prefix(scheme_end + 3);
            if (url.empty()) return std::nullopt;
            return std::string(url);
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> tls_url_to_bind(std::string_view url) {
    return url_address(
        url, {"tls+nmq-tcp", "tls+broker+tcp", "tls+mqtt-tcp", "tls", "ssl", "mqtts"}, true);
}

std::optional<std::string> ws_url_to_bind(std::string_view url, bool secure) {
    if (secure) return url_address(url, {"nmq-wss", "nmq+wss", "wss"}, true);
    return url_address(url, {"nmq-ws", "nmq+ws", "ws"}, true);
}

std::optional<std::string> tcp_url_to_bind(std::string_view url) {
    auto scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
        auto scheme = url.substr(0, scheme_end);
        if (scheme != "nmq-tcp" && scheme != "broker+tcp" && scheme != "mqtt-tcp" &&
            scheme != "tcp")
            return std::nullopt;
        url.remove_prefix(scheme_end + 3);
    }
    if (url.empty()) return std::nullopt;
    return std::string(url);
}

std::string old_conf_to_hocon(std::string_view text, const std::string& file_name,
                              std::vector<ConfigWarning>& warnings) {
    std::string out;
    std::set<std::string> warned;
    OldBridgeState bridges;
    bool http_enable_seen = false;
    bool http_seen = false;
    // In this format TLS is off unless tls.enable=true, WebSocket on unless websocket.enable
    // says otherwise, and the secure WebSocket listener (websocket.tls_url) needs both.
    bool tls_seen = false, tls_on = false, ws_on = true, wss_seen = false;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        std::string line;
        for (char c : raw)
            if (c != ' ' && c != '\t' && c != '\r') line += c;
        out += '\n';
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find('=');
        if (eq == std::string::npos || eq == 0) continue;  // NanoMQ ignored such lines too
        std::string key = line.substr(0, eq);
        std::string value = line.substr(eq + 1);
        const OldKey* k = find_old(key);
        auto where = file_name + ":" + std::to_string(line_no) + ":1";
        if (!k) {
            // bridge.mqtt.<name>.<item>: named bridges (and V1's single bridge.mqtt.<item>).
            if (auto bridge = old_bridge_key_to_hocon(key, value, bridges)) {
                out.pop_back();
                out += *bridge + "\n";
                continue;
            }
            if (warned.insert(key).second) {
                warnings.push_back({ConfigWarning::Kind::kNotSupported, where, key,
                                    where + ": " + key + ": not supported yet, ignored"});
            }
            continue;
        }
        auto converted = convert(*k, value);
        if (!converted) {
            warnings.push_back(
                {ConfigWarning::Kind::kNotSupported, where, key,
                 where + ": " + key + ": \"" + value +
                     "\" is not a URL of this listener; not supported yet, ignored"});
            continue;
        }
        if (k->path == "http_server.enable") http_enable_seen = true;
        if (k->old.substr(0, 4) == "tls.") tls_seen = true;
        if (k->old == "tls.enable") tls_on = *converted == "true";
        if (k->old == "websocket.enable") ws_on = lower(value) == "true" || lower(value) == "yes";
        if (k->old == "websocket.tls_url") wss_seen = true;
        if (k->path.substr(0, 12) == "http_server.") http_seen = true;
        out.pop_back();
        out += std::string(k->path) + " = " + *converted + "\n";
    }
    // In this format the HTTP server is off unless http_server.enable says otherwise (in HOCON
    // the section's presence turns it on).
    if (http_seen && !http_enable_seen) out += "http_server.enable = false\n";
    if (tls_seen && !tls_on) out += "listeners.ssl.enable = false\n";
    if (wss_seen && !(tls_on && ws_on)) out += "listeners.wss.enable = false\n";
    return out;
}

Config load_old_conf_file(const std::string& path, std::vector<ConfigWarning>& warnings) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path + ": cannot read the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    auto hocon = old_conf_to_hocon(text.str(), path, warnings);
    return load_hocon_text(hocon, path, warnings);
}

void apply_value(Config& config, std::string_view path, const std::string& value,
                 const std::string& source, std::vector<ConfigWarning>& warnings) {
    const KeySpec* spec = find_key(path);
    std::string v = spec && spec->type == KeyType::kBool ? lower(value) : value;
    // One HOCON document per value, so an error names where the value came from.
    auto doc = std::string(path) + " = " + quote(v) + "\n";
    apply_hocon(parse_hocon_text(doc, source), config, warnings);
}

void apply_environment(Config& config, const Getenv& getenv, std::vector<ConfigWarning>& warnings) {
    auto add = [&](const std::string& var, std::string_view path, const std::string& value) {
        apply_value(config, path, value, "environment " + var, warnings);
    };
    if (auto url = getenv("NANOMQ_BROKER_URL")) {
        auto bind = tcp_url_to_bind(*url);
        if (!bind) {
            throw ConfigError(
                "environment NANOMQ_BROKER_URL: expected a TCP URL like "
                "nmq-tcp://0.0.0.0:1883, got \"" +
                *url + "\"");
        }
        add("NANOMQ_BROKER_URL", "listeners.tcp.bind", *bind);
    }
    if (auto url = getenv("NANOMQ_TLS_URL")) {
        auto bind = tls_url_to_bind(*url);
        if (!bind) {
            throw ConfigError(
                "environment NANOMQ_TLS_URL: expected a TLS URL like "
                "tls+nmq-tcp://0.0.0.0:8883, got \"" +
                *url + "\"");
        }
        add("NANOMQ_TLS_URL", "listeners.ssl.bind", *bind);
    }
    if (auto url = getenv("NANOMQ_WEBSOCKET_URL")) {
        auto bind = ws_url_to_bind(*url, false);
        if (!bind) {
            throw ConfigError(
                "environment NANOMQ_WEBSOCKET_URL: expected a WebSocket URL like "
                "nmq-ws://0.0.0.0:8083/mqtt, got \"" +
                *url + "\"");
        }
        add("NANOMQ_WEBSOCKET_URL", "listeners.ws.bind", *bind);
    }
    for (const auto& spec : key_table()) {
        if (spec.env.empty()) continue;
        auto value = getenv(spec.env);
        if (!value) continue;
        add(spec.env, spec.path, *value);
    }
}

}  // namespace nmq::config
