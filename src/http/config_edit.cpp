// req 12: a change of configuration, merged into the current one and checked in full before the
// server persists and applies anything. Each field is converted by the key table row of the key
// it sets, so a value the API accepts is exactly one nanomq.conf would accept.
#include <algorithm>
#include <cctype>
#include <string>

#include <cerrno>
#include <cstring>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <boost/json/serialize.hpp>

#include "config/hocon.hpp"
#include "config/key_table.hpp"
#include "config/sources.hpp"
#include "http/auth.hpp"
#include "http/config_api.hpp"
#include "http/config_sections.hpp"
#include "net/listeners.hpp"

namespace nmq::http {
namespace json = boost::json;

namespace {

// Where converted values "come from", stripped again from the key table's messages.
const std::string kSource = "req 12";

std::string describe(const json::value& v) {
    switch (v.kind()) {
        case json::kind::null:
            return "null";
        case json::kind::bool_:
            return v.get_bool() ? "true" : "false";
        case json::kind::int64:
        case json::kind::uint64:
            return json::serialize(v);
        case json::kind::double_:
            return "a number with a fraction or an exponent";
        case json::kind::string:
            return "a string";
        case json::kind::array:
            return "an array";
        case json::kind::object:
            return "an object";
    }
    return "?";
}

bool is_integer(const json::value& v) {
    return v.is_int64() || v.is_uint64();
}

const char* type_text(FieldType t) {
    switch (t) {
        case FieldType::kBool:
            return "true or false";
        case FieldType::kInteger:
            return "an integer";
        case FieldType::kString:
            return "a string";
        case FieldType::kStringOrNull:
            return "a string or null";
        case FieldType::kIntegerOrNull:
            return "an integer or null";
        case FieldType::kBoolOrNull:
            return "true, false or null";
        case FieldType::kStringList:
            return "an array of strings";
        case FieldType::kSubscriptions:
            return "an array of {\"topic\": string, \"qos\": integer}";
    }
    return "?";
}

bool has_type(const json::value& v, FieldType t) {
    switch (t) {
        case FieldType::kBool:
            return v.is_bool();
        case FieldType::kInteger:
            return is_integer(v);
        case FieldType::kString:
            return v.is_string();
        case FieldType::kStringOrNull:
            return v.is_string() || v.is_null();
        case FieldType::kIntegerOrNull:
            return is_integer(v) || v.is_null();
        case FieldType::kBoolOrNull:
            return v.is_bool() || v.is_null();
        case FieldType::kStringList:
            return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                               [](const json::value& e) { return e.is_string(); });
        case FieldType::kSubscriptions:
            if (!v.is_array()) return false;
            for (const auto& e : v.get_array()) {
                if (!e.is_object()) return false;
                const auto& o = e.get_object();
                const auto* topic = o.if_contains("topic");
                const auto* qos = o.if_contains("qos");
                if (o.size() != 2 || !topic || !topic->is_string() || !qos || !is_integer(*qos))
                    return false;
            }
            return true;
    }
    return false;
}

config::HoconValue to_hocon(const json::value& v) {
    const config::SourceLocation where{kSource, 0, 0};
    if (v.is_bool()) return config::HoconValue::boolean(v.get_bool(), where);
    if (v.is_string()) return config::HoconValue::string(std::string(v.get_string()), where);
    if (is_integer(v)) return config::HoconValue::number(json::serialize(v), where);
    return config::HoconValue::null(where);
}

// "req 12:1:7: bridges.mqtt.b.qos: ..." -> "bridges.mqtt.b.qos: ...": the location of text
// the API made up means nothing to its caller.
std::string without_location(std::string message) {
    if (message.rfind(kSource, 0) != 0) return message;
    std::size_t at = kSource.size();
    while (at < message.size() &&
           (message[at] == ':' || std::isdigit(static_cast<unsigned char>(message[at]))))
        ++at;
    if (message.compare(at, 1, " ") == 0) ++at;
    return message.substr(at);
}

std::string hocon_text(const config::HoconValue& v) {
    return v.kind() == config::HoconKind::kString ? config::hocon_quote(v.text()) : v.text();
}

// The fields of the top level that set one key each.
struct CoreField {
    std::string_view name;
    FieldType type;
    std::string_view key;
    bool live;
};

constexpr CoreField kCoreFields[] = {
    {"num_taskq_thread", FieldType::kInteger, "system.num_taskq_thread", false},
    {"max_taskq_thread", FieldType::kInteger, "system.max_taskq_thread", false},
    {"parallel", FieldType::kInteger, "system.parallel", false},
    {"property_size", FieldType::kInteger, "mqtt.property_size", true},
    {"msq_len", FieldType::kInteger, "mqtt.max_mqueue_len", true},
    {"qos_duration", FieldType::kInteger, "mqtt.retry_interval", true},  // seconds
    {"allow_anonymous", FieldType::kBool, "auth.allow_anonymous", true},
    {"daemon", FieldType::kBool, "system.daemon", false},
};

// `url`: the first TCP listener (the key=value format's one TCP listener), moved at once: the
// reload closes the old listener (connections it accepted stay) and opens the new one.
void url_change(const json::value& value, const json::value& shown, ConfigEditor& ed) {
    ed.check_type("url", value, FieldType::kStringOrNull);
    if (value == shown) return;
    if (value.is_null()) ed.fail("url", "the TCP listener cannot be removed through the API");
    const std::string text(value.get_string());
    const auto bind = config::tcp_url_to_bind(text);
    if (!bind)
        ed.fail("url", "expected a TCP URL like nmq-tcp://0.0.0.0:1883, got \"" + text + "\"");
    const auto& tcp = ed.current().listeners.tcp;
    const std::string name = tcp.empty() ? std::string() : tcp.front().name;
    const std::string key = name.empty() ? "listeners.tcp.bind" : "listeners.tcp." + name + ".bind";
    ed.set("url", key, json::value(*bind), true);
    const auto& next = ed.next().listeners.tcp;
    for (std::size_t i = 1; i < next.size(); ++i) {
        if (next[i].host == next.front().host && next[i].port == next.front().port &&
            next[i].port != 0) {
            ed.fail("url", *bind + " is already used by listeners.tcp." + next[i].name);
        }
    }
}

void http_server_change(const json::value& data, const json::object& shown, ConfigEditor& ed) {
    const json::object& in = ed.section("http_server", data);
    bool auth_changed = false;
    for (const auto& [key, value] : in) {
        const std::string_view k = key;
        const std::string field = "http_server." + std::string(k);
        if (k == "enable") {
            ed.check_type(field, value, FieldType::kBool);
            if (value != shown.at(k)) ed.set(field, "http_server.enable", value, false);
        } else if (k == "port") {
            ed.check_type(field, value, FieldType::kInteger);
            if (value != shown.at(k)) ed.set(field, "http_server.port", value, false);
        } else if (k == "username" || k == "password") {
            ed.check_type(field, value, FieldType::kString);
            if (value == shown.at(k) || is_redacted(value)) continue;
            // An empty one could never authenticate (spec: empty credentials are 104).
            if (value.get_string().empty()) ed.fail(field, "must not be empty");
            ed.set(field, field, value, true);
        } else if (k == "auth_type") {
            ed.check_type(field, value, FieldType::kString);
            std::string type(value.get_string());
            std::transform(type.begin(), type.end(), type.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (json::value(type) == shown.at(k)) continue;
            if (type != "basic" && type != "jwt")
                ed.fail(field,
                        "expected basic or jwt, got \"" + std::string(value.get_string()) + "\"");
            ed.set(field, field, json::value(type), true);
            auth_changed = true;
        } else {
            ed.unknown(field);
        }
    }
    // Switching to JWT without a usable key would lock every caller out: refuse it here.
    if (auth_changed) {
        try {
            load_auth(ed.next().http_server);
        } catch (const config::ConfigError& e) {
            ed.fail("http_server.auth_type", e.what());
        }
    }
}

// A listener's address as req 11 / req 12 name it.
struct Address {
    std::string field;  // "url", "tls.url", "websocket.url", "websocket.tls_url"
    std::string host;
    std::uint16_t port;
};

std::vector<Address> listener_addresses(const config::Config& c) {
    std::vector<Address> out;
    std::vector<net::ListenerSpec> specs;
    try {
        specs = net::listener_specs(c);
    } catch (const config::ConfigError&) {
        return out;  // a secure WebSocket listener without TLS: its own section says so
    }
    for (const auto& s : specs) {
        const char* field = s.kind == net::ListenerKind::kTcp   ? "url"
                            : s.kind == net::ListenerKind::kTls ? "tls.url"
                            : s.kind == net::ListenerKind::kWs  ? "websocket.url"
                                                                : "websocket.tls_url";
        out.push_back({field, s.host, s.port});
    }
    return out;
}

// "" when a listening socket could be bound to host:port now, else why not.
std::string bind_problem(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        return "cannot resolve " + host + ": " + ::gai_strerror(rc);
    std::string problem;
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as the listeners do
        const bool bound = ::bind(fd, a->ai_addr, a->ai_addrlen) == 0;
        const int error = errno;
        ::close(fd);
        if (bound) {
            problem.clear();
            break;
        }
        problem = std::strerror(error);
    }
    ::freeaddrinfo(found);
    return problem;
}

// Every listener address the change adds must be free: not used twice in the new
// configuration, and not taken by another program (a reload would fail to open it after the
// change was already persisted).
void check_listener_addresses(ConfigEditor& ed) {
    const auto before = listener_addresses(ed.current());
    const auto after = listener_addresses(ed.next());
    auto same = [](const Address& a, const Address& b) {
        return a.host == b.host && a.port == b.port;
    };
    for (std::size_t i = 0; i < after.size(); ++i) {
        const Address& a = after[i];
        if (a.port == 0) continue;
        bool added = std::none_of(before.begin(), before.end(), [&](const Address& b) {
            return same(a, b) && a.field == b.field;
        });
        if (!added) continue;
        for (std::size_t j = 0; j < after.size(); ++j) {
            if (j != i && after[j].port == a.port &&
                (same(a, after[j]) || a.host == "0.0.0.0" || after[j].host == "0.0.0.0" ||
                 a.host == "::" || after[j].host == "::"))
                ed.fail(a.field,
                        host_port(a.host, a.port) + " is already used by " + after[j].field);
        }
        // A port this broker listens on now is freed by the reload before it opens the new one.
        bool ours = std::any_of(before.begin(), before.end(),
                                [&](const Address& b) { return b.port == a.port; });
        if (ours) continue;
        if (auto problem = bind_problem(a.host, a.port); !problem.empty())
            ed.fail(a.field, "cannot listen on " + host_port(a.host, a.port) + ": " + problem);
    }
}

}  // namespace

void ConfigEditor::fail(std::string_view field, std::string_view problem) const {
    throw ConfigEditFailure(std::string(field) + ": " + std::string(problem));
}

void ConfigEditor::unknown(std::string_view field) const {
    fail(field, "unknown key");
}

const json::object& ConfigEditor::section(std::string_view field, const json::value& value) {
    if (!value.is_object()) fail(field, "expected an object, got " + describe(value));
    return value.get_object();
}

void ConfigEditor::check_type(std::string_view field, const json::value& value,
                              FieldType type) const {
    if (!has_type(value, type))
        fail(field, std::string("expected ") + type_text(type) + ", got " + describe(value));
}

void ConfigEditor::set(std::string_view field, std::string_view key, const json::value& value,
                       bool live) {
    const config::KeySpec* spec = config::find_key(key);
    if (spec == nullptr) throw std::logic_error("req 12: no key table row for " + std::string(key));
    const config::HoconValue hocon = to_hocon(value);
    config::KeyValue converted;
    try {
        converted = config::convert_value(*spec, hocon, field);
    } catch (const config::ConfigError& e) {
        // "req 12:0:0: msq_len: expected ..." -> "msq_len: expected ..."
        std::string message = e.what();
        const std::string prefix = hocon.location().to_string() + ": ";
        if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
        throw ConfigEditFailure(message);
    }
    spec->set(change_.next, converted, config::row_name(*spec, key));
    change_.overrides.push_back({std::string(key), hocon_text(hocon)});
    (live ? change_.live : change_.at_restart).emplace_back(field);
}

void ConfigEditor::set_list(std::string_view field, std::string_view key, const std::string& hocon,
                            bool live) {
    std::vector<config::ConfigWarning> warnings;
    try {
        const config::HoconValue root = config::parse_hocon_text("v = " + hocon, kSource);
        const config::HoconValue& list = root.fields().front().value;
        if (!config::apply_list_at(key, list, change_.next, warnings))
            throw std::logic_error("req 12: no list section " + std::string(key));
    } catch (const config::ConfigError& e) {
        fail(field, without_location(e.what()));
    }
    change_.overrides.push_back({std::string(key), hocon});
    (live ? change_.live : change_.at_restart).emplace_back(field);
}

std::string ConfigEditor::problem_in_next() {
    try {
        config::check_across_keys(change_.next, kSource);
    } catch (const config::ConfigError& e) {
        return without_location(e.what());
    }
    return {};
}

std::string ConfigEditor::store_file(std::string_view field, std::string_view stem,
                                     const std::string& contents, bool secret) {
    if (files_dir_.empty()) fail(field, "the broker has no folder to keep files in");
    // Named by content: a changed file is a changed path, which is what makes a reload
    // take it up, and the file a running listener uses is never overwritten.
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(contents.data(), contents.size(), digest, &len, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hash;
    for (unsigned i = 0; i < 8 && i < len; ++i) {
        hash += kHex[digest[i] >> 4];
        hash += kHex[digest[i] & 0xf];
    }
    std::string path = files_dir_ + "/" + std::string(stem) + "-" + hash + ".pem";
    change_.files.push_back({path, contents, secret});
    return path;
}

void ConfigEditor::require_unchanged(std::string_view field, const json::value& value,
                                     const json::value& shown, std::string_view why) const {
    if (value != shown) fail(field, why);
}

std::variant<ConfigChange, ConfigChangeError> change_config(const json::object& data,
                                                            const config::Config& current,
                                                            const std::string& files_dir) {
    ConfigEditor ed(current, files_dir);
    const json::object shown = config_view(current);
    try {
        for (const auto& [key, value] : data) {
            const std::string_view k = key;
            if (k == "url") {
                url_change(value, shown.at(k), ed);
            } else if (k == "tls") {
                tls_change(value, ed);
            } else if (k == "websocket") {
                websocket_change(value, ed);
            } else if (k == "http_server") {
                http_server_change(value, shown.at(k).get_object(), ed);
            } else if (k == "bridge") {
                bridge_change(value, ed);
            } else {
                const CoreField* f = nullptr;
                for (const auto& candidate : kCoreFields)
                    if (candidate.name == k) f = &candidate;
                if (f == nullptr) ed.unknown(k);
                ed.check_type(k, value, f->type);
                if (value != shown.at(k)) ed.set(k, f->key, value, f->live);
            }
        }
        check_listener_addresses(ed);
    } catch (const ConfigEditFailure& e) {
        return ConfigChangeError{e.what()};
    }
    return std::move(ed.change());
}

}  // namespace nmq::http
