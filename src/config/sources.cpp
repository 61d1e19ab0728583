#include "config/sources.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/hocon.hpp"
#include "config/key_table.hpp"

namespace nmq::config {

namespace {

// How an old value becomes a HOCON value.
enum class Conv { kText, kKiB, kSeconds, kPermille, kTcpUrl };

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

std::string lower(std::string_view v) {
    std::string out(v);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
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
        case Conv::kTcpUrl: {
            auto bind = tcp_url_to_bind(value);
            if (!bind) return std::nullopt;
            return quote(*bind);
        }
    }
    return std::nullopt;
}

}  // namespace

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
    bool http_enable_seen = false;
    bool http_seen = false;
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
            if (warned.insert(key).second) {
                warnings.push_back({ConfigWarning::Kind::kNotSupported, where, key,
                                    where + ": " + key + ": not supported yet, ignored"});
            }
            continue;
        }
        auto converted = convert(*k, value);
        if (!converted) {
            warnings.push_back({ConfigWarning::Kind::kNotSupported, where, key,
                                where + ": " + key + ": \"" + value +
                                    "\" is not a TCP listener; not supported yet, ignored"});
            continue;
        }
        if (k->path == "http_server.enable") http_enable_seen = true;
        if (k->path.substr(0, 12) == "http_server.") http_seen = true;
        out.pop_back();
        out += std::string(k->path) + " = " + *converted + "\n";
    }
    // In this format the HTTP server is off unless http_server.enable says otherwise (in HOCON
    // the section's presence turns it on).
    if (http_seen && !http_enable_seen) out += "http_server.enable = false\n";
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
    for (const auto& spec : key_table()) {
        if (spec.env.empty()) continue;
        auto value = getenv(spec.env);
        if (!value) continue;
        add(spec.env, spec.path, *value);
    }
}

}  // namespace nmq::config
