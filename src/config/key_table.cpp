// The rows of the key table, value conversion and the generated Markdown reference.
// Defaults are written twice, in config.hpp (what the code starts from) and here as text (what
// the docs show); a unit test applies every default_text and checks it yields Config{}.
#include "config/key_table.hpp"

#include "config/key_rows.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <sstream>
#include <type_traits>

#include "core/text.hpp"

namespace nmq::config {
namespace {

using text::lower;
using text::trim;

TcpListener& tcp_listener(Config& c, std::string_view name) {
    for (auto& l : c.listeners.tcp) {
        if (l.name == name) return l;
    }
    TcpListener l;
    l.name = std::string(name);
    c.listeners.tcp.push_back(std::move(l));
    return c.listeners.tcp.back();
}

void set_tcp_bind(Config& c, const KeyValue& v, std::string_view name) {
    const auto& hp = std::get<HostPort>(v);
    TcpListener& l = tcp_listener(c, name);
    l.host = hp.host;
    l.port = hp.port;
}

void set_tcp_enable(Config& c, const KeyValue& v, std::string_view name) {
    tcp_listener(c, name).enable = std::get<bool>(v);
}

std::string above_half(const KeyValue& v) {
    return std::get<double>(v) > 0.5 ? "" : "a number above 0.5";
}

// Rows name only the fields they set; the others keep KeySpec's defaults on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<KeySpec> core_key_rows() {
    using K = KeyType;
    using C = Config;
    return {
        // system
        {.path = "system.daemon",
         .type = K::kBool,
         .default_text = "false",
         .doc = "Run in the background (double fork, setsid, chdir /).",
         .env = "NANOMQ_DAEMON",
         .set = field<&C::system, &C::System::daemon>()},
        {.path = "system.num_taskq_thread",
         .type = K::kInteger,
         .default_text = "0",
         .doc = "Worker threads, one io_context each; 0: one per CPU core.",
         .min = 0,
         .max = 255,
         .env = "NANOMQ_NUM_TASKQ_THREAD",
         .set = field<&C::system, &C::System::num_taskq_thread>()},
        {.path = "system.max_taskq_thread",
         .type = K::kInteger,
         .default_text = "0",
         .doc = "Upper bound of worker threads; 0: automatic.",
         .min = 0,
         .max = 255,
         .env = "NANOMQ_MAX_TASKQ_THREAD",
         .set = field<&C::system, &C::System::max_taskq_thread>()},
        {.path = "system.parallel",
         .type = K::kInteger,
         .default_text = "0",
         .doc = "Outstanding requests handled at once; 0: automatic.",
         .min = 0,
         .max = kU16,
         .env = "NANOMQ_PARALLEL",
         .set = field<&C::system, &C::System::parallel>()},

        // mqtt
        {.path = "mqtt.property_size",
         .type = K::kInteger,
         .default_text = "32",
         .doc = "Maximum size of one MQTT user property.",
         .reloadable = true,
         .min = 1,
         .max = kU32,
         .env = "NANOMQ_PROPERTY_SIZE",
         .set = field<&C::mqtt, &C::Mqtt::property_size>()},
        {.path = "mqtt.max_packet_size",
         .type = K::kSize,
         .default_text = "1MB",
         .doc = "Largest MQTT packet accepted or sent (also the default client maximum).",
         .reloadable = true,
         .min = 1,
         .max = 260 * kMiB,
         .set = field<&C::mqtt, &C::Mqtt::max_packet_size>()},
        {.path = "mqtt.max_mqueue_len",
         .type = K::kInteger,
         .default_text = "2048",
         .doc = "Messages queued per session while the client cannot take them.",
         .reloadable = true,
         .min = 1,
         .max = kU32,
         .env = "NANOMQ_MSQ_LEN",
         .set = field<&C::mqtt, &C::Mqtt::max_mqueue_len>()},
        {.path = "mqtt.retry_interval",
         .type = K::kDuration,
         .default_text = "10s",
         .doc = "Re-send interval of unacknowledged QoS 1/2 messages.",
         .reloadable = true,
         .min = 1,
         .max = 365 * kDay,
         .env = "NANOMQ_QOS_DURATION",
         .set = field<&C::mqtt, &C::Mqtt::retry_interval>()},
        {.path = "mqtt.keepalive_multiplier",
         .type = K::kDouble,
         .default_text = "1.25",
         .doc = "A client is cut off after keepalive x this without a packet (above 0.5).",
         .reloadable = true,
         .check = above_half,
         .set = field<&C::mqtt, &C::Mqtt::keepalive_multiplier>()},
        {.path = "mqtt.max_keepalive",
         .type = K::kInteger,
         .default_text = "0",
         .doc = "nmq's own: the longest keep alive a 5.0 client may use, in seconds; a client "
                "asking for more, or for none, is told this one (Server Keep Alive). 0: no limit.",
         .reloadable = true,
         .min = 0,
         .max = kU16,
         .set = field<&C::mqtt, &C::Mqtt::max_keepalive>()},
        {.path = "mqtt.max_inflight_window",
         .type = K::kInteger,
         .default_text = "2048",
         .doc = "Unacknowledged QoS 1/2 messages in flight per session.",
         .min = 1,
         .max = kU16,
         .set = field<&C::mqtt, &C::Mqtt::max_inflight_window>()},
        {.path = "mqtt.max_topic_alias",
         .type = K::kInteger,
         .default_text = "1024",
         .doc = "Topic Alias Maximum the broker accepts from MQTT 5 clients (0: none).",
         .reloadable = true,
         .min = 0,
         .max = kU16,
         .set = field<&C::mqtt, &C::Mqtt::max_topic_alias>()},
        {.path = "mqtt.max_awaiting_rel",
         .type = K::kDuration,
         .default_text = "10s",
         .doc = "How long a QoS 2 message may wait for PUBREL.",
         .min = 0,
         .max = 365 * kDay,
         .set = field<&C::mqtt, &C::Mqtt::max_awaiting_rel>()},
        {.path = "mqtt.await_rel_timeout",
         .type = K::kDuration,
         .default_text = "10s",
         .doc = "Timeout of an incomplete QoS 2 exchange.",
         .min = 0,
         .max = 365 * kDay,
         .set = field<&C::mqtt, &C::Mqtt::await_rel_timeout>()},

        // listeners
        {.path = "listeners.tcp.bind",
         .type = K::kHostPort,
         .default_text = "\"0.0.0.0:1883\"",
         .doc = "Address of the MQTT over TCP listener.",
         .reloadable = true,
         .set = set_tcp_bind},
        {.path = "listeners.tcp.enable",
         .type = K::kBool,
         .default_text = "true",
         .doc = "false turns the listener off.",
         .reloadable = true,
         .set = set_tcp_enable},
        {.path = "listeners.tcp.*.bind",
         .type = K::kHostPort,
         .doc = "Address of the named TCP listener listeners.tcp.<name>.",
         .reloadable = true,
         .set = set_tcp_bind},
        {.path = "listeners.tcp.*.enable",
         .type = K::kBool,
         .doc = "false turns the named listener off.",
         .reloadable = true,
         .set = set_tcp_enable},

        // http_server
        {.path = "http_server.enable",
         .type = K::kBool,
         .default_text = "false",
         .doc = "The HTTP API; on as soon as the http_server section exists, unless false.",
         .env = "NANOMQ_HTTP_SERVER_ENABLE",
         .set = field<&C::http_server, &C::HttpServer::enable>()},
        {.path = "http_server.ip_addr",
         .type = K::kString,
         .default_text = "\"0.0.0.0\"",
         .doc = "Address the HTTP API listens on.",
         .set = field<&C::http_server, &C::HttpServer::ip_addr>()},
        {.path = "http_server.port",
         .type = K::kInteger,
         .default_text = "8081",
         .doc = "Port of the HTTP API.",
         .min = 0,
         .max = kU16,
         .env = "NANOMQ_HTTP_SERVER_PORT",
         .set = field<&C::http_server, &C::HttpServer::port>()},
        {.path = "http_server.limit_conn",
         .type = K::kInteger,
         .default_text = "32",
         .doc = "HTTP requests handled at once.",
         .min = 1,
         .max = kU16,
         .set = field<&C::http_server, &C::HttpServer::limit_conn>()},
        {.path = "http_server.max_body",
         .type = K::kSize,
         .default_text = "1MB",
         .doc = "Largest HTTP request body.",
         .reloadable = true,
         .min = 1,
         .max = 1024 * kMiB,
         .set = field<&C::http_server, &C::HttpServer::max_body>()},
        {.path = "http_server.username",
         .type = K::kString,
         .default_text = "admin",
         .doc = "User name of HTTP Basic authentication.",
         .reloadable = true,
         .env = "NANOMQ_HTTP_SERVER_USERNAME",
         .set = field<&C::http_server, &C::HttpServer::username>()},
        {.path = "http_server.password",
         .type = K::kString,
         .default_text = "public",
         .doc = "Password of HTTP Basic authentication.",
         .reloadable = true,
         .env = "NANOMQ_HTTP_SERVER_PASSWORD",
         .set = field<&C::http_server, &C::HttpServer::password>()},
        {.path = "http_server.auth_type",
         .type = K::kEnum,
         .default_text = "basic",
         .doc = "How HTTP requests authenticate.",
         .reloadable = true,
         .choices = {"basic", "jwt", "no_auth"},
         .set =
             [](Config& c, const KeyValue& v, std::string_view) {
                 const auto& s = std::get<std::string>(v);
                 c.http_server.auth_type = s == "jwt"       ? HttpAuthType::kJwt
                                           : s == "no_auth" ? HttpAuthType::kNone
                                                            : HttpAuthType::kBasic;
             }},
        {.path = "http_server.jwt.public.keyfile",
         .type = K::kString,
         .default_text = "\"\"",
         .doc = "PEM public key that verifies JWTs when auth_type = jwt.",
         .reloadable = true,
         .set = field<&C::http_server, &C::HttpServer::jwt_public_keyfile>()},
        {.path = "http_server.overrides_file",
         .type = K::kString,
         .default_text = "\"\"",
         .doc = "nmq's own: the file where changes made through the HTTP API (req 12) are kept, "
                "applied after every other source at start and reload; \"\": the "
                "configuration file's path with .api-overrides.conf appended.",
         .set = field<&C::http_server, &C::HttpServer::overrides_file>()},

        // log
        {.path = "log.to",
         .type = K::kStringList,
         .default_text = "[console]",
         .doc = "Where logs go.",
         .reloadable = true,
         .choices = {"file", "console", "syslog"},
         .set = field<&C::log, &C::Log::to>()},
        {.path = "log.level",
         .type = K::kEnum,
         .default_text = "warn",
         .doc = "Lowest severity logged.",
         .reloadable = true,
         .choices = {"trace", "debug", "info", "warn", "error", "fatal"},
         .set = field<&C::log, &C::Log::level>()},
        {.path = "log.dir",
         .type = K::kString,
         .default_text = "\"/tmp\"",
         .doc = "Folder of the log file.",
         .reloadable = true,
         .set = field<&C::log, &C::Log::dir>()},
        {.path = "log.file",
         .type = K::kString,
         .default_text = "\"nanomq.log\"",
         .doc = "Name of the log file.",
         .reloadable = true,
         .set = field<&C::log, &C::Log::file>()},
        {.path = "log.rotation.size",
         .type = K::kSize,
         .default_text = "10MB",
         .doc = "Size at which the log file is rotated.",
         .reloadable = true,
         .min = 1024,
         .max = std::numeric_limits<std::int64_t>::max(),
         .set = field<&C::log, &C::Log::rotation_size>()},
        {.path = "log.rotation.count",
         .type = K::kInteger,
         .default_text = "5",
         .doc = "Rotated log files kept.",
         .reloadable = true,
         .min = 1,
         .max = 1000,
         .set = field<&C::log, &C::Log::rotation_count>()},

        // auth
        {.path = "auth.allow_anonymous",
         .type = K::kBool,
         .default_text = "true",
         .doc = "Accept clients that send no user name.",
         .reloadable = true,
         .env = "NANOMQ_ALLOW_ANONYMOUS",
         .set = field<&C::auth, &C::Auth::allow_anonymous>()},
        {.path = "auth.no_match",
         .type = K::kEnum,
         .default_text = "allow",
         .doc = "Decision when no ACL rule matches.",
         .choices = {"allow", "deny"},
         .set =
             [](Config& c, const KeyValue& v, std::string_view) {
                 c.auth.no_match =
                     std::get<std::string>(v) == "deny" ? AclNoMatch::kDeny : AclNoMatch::kAllow;
             }},
        {.path = "auth.deny_action",
         .type = K::kEnum,
         .default_text = "ignore",
         .doc = "What a denied publish or subscribe gets.",
         .choices = {"ignore", "disconnect"},
         .set =
             [](Config& c, const KeyValue& v, std::string_view) {
                 c.auth.deny_action = std::get<std::string>(v) == "disconnect"
                                          ? AclDenyAction::kDisconnect
                                          : AclDenyAction::kIgnore;
             }},
    };
}

#pragma GCC diagnostic pop

std::vector<SectionSpec> core_section_rows() {
    return {
        {"listeners.tcp",
         "The MQTT over TCP listener; its presence replaces the default 0.0.0.0:1883.",
         [](Config& c, std::string_view, const HoconValue& section) {
             c.listeners.tcp.clear();
             bool has_own_keys = section.fields().empty();
             for (const auto& f : section.fields())
                 has_own_keys |= !f.value.is_object();
             if (has_own_keys) tcp_listener(c, "");
         }},
        {"listeners.tcp.*", "A further, named TCP listener.",
         [](Config& c, std::string_view name, const HoconValue&) { tcp_listener(c, name); }},
        {"http_server", "The HTTP management API (on when present).",
         [](Config& c, std::string_view, const HoconValue&) { c.http_server.enable = true; }},
    };
}

std::vector<UnsupportedSpec> core_unsupported_rows() {
    return {
        {"system.hook_ipc_url", "NanoMQ's internal IPC endpoint"},
        {"system.cmd_ipc_url", "NanoMQ's internal IPC endpoint"},
        {"system.enable_ipc_internal", "NanoMQ's internal IPC"},
        {"mqtt.batch_resend", "batched QoS re-sending"},
        {"auth.http_auth", "HTTP authentication"},
        {"auth.cache", "the ACL cache"},
        {"webhook", "web hooks"},
        {"rules", "the rule engine"},
        {"preset", "preset sessions"},
        {"exchange_client", "message exchange"},
        {"parquet", "Parquet storage"},
        {"blf", "BLF storage"},
        {"plugin", "plugins"},
        {"vsomeip_gateway", "the SOME/IP gateway"},
        {"dds_gateway", "the DDS gateway"},
        {"zmq_gateway", "the ZeroMQ gateway"},
    };
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    for (;;) {
        auto dot = path.find('.');
        out.push_back(path.substr(0, dot));
        if (dot == std::string_view::npos) return out;
        path.remove_prefix(dot + 1);
    }
}

const char* type_name(KeyType t) {
    switch (t) {
        case KeyType::kBool:
            return "bool";
        case KeyType::kInteger:
            return "integer";
        case KeyType::kSize:
            return "size";
        case KeyType::kDuration:
            return "duration";
        case KeyType::kDouble:
            return "number";
        case KeyType::kString:
            return "string";
        case KeyType::kEnum:
            return "enum";
        case KeyType::kHostPort:
            return "host:port";
        case KeyType::kStringList:
            return "list of strings";
    }
    return "?";
}

std::string join_choices(const std::vector<std::string>& choices) {
    std::string out;
    for (const auto& c : choices) {
        if (!out.empty()) out += ", ";
        out += c;
    }
    return out;
}

// "0 to 255", "1B to 260MB", "1ms to 365d" for the docs and error messages.
std::string range_text(const KeySpec& spec) {
    switch (spec.type) {
        case KeyType::kInteger:
            return std::to_string(spec.min) + " to " + std::to_string(spec.max);
        case KeyType::kSize:
            return format_size(static_cast<std::uint64_t>(spec.min)) + " to " +
                   (spec.max == std::numeric_limits<std::int64_t>::max()
                        ? std::string("any")
                        : format_size(static_cast<std::uint64_t>(spec.max)));
        case KeyType::kDuration:
            return format_duration(std::chrono::milliseconds(spec.min)) + " to " +
                   format_duration(std::chrono::milliseconds(spec.max));
        default:
            return "";
    }
}

template <class Row>
void append(std::vector<Row>& to, std::vector<Row> rows) {
    for (auto& r : rows)
        to.push_back(std::move(r));
}

std::vector<KeySpec> make_key_table() {
    auto rows = core_key_rows();
    append(rows, tls_ws_key_rows());
    append(rows, bridge_key_rows());
    append(rows, sqlite_key_rows());
    return rows;
}

std::vector<SectionSpec> make_section_table() {
    auto rows = core_section_rows();
    append(rows, auth_section_rows());
    append(rows, tls_ws_section_rows());
    append(rows, bridge_section_rows());
    append(rows, sqlite_section_rows());
    return rows;
}

std::vector<UnsupportedSpec> make_unsupported_table() {
    auto rows = core_unsupported_rows();
    append(rows, tls_ws_unsupported_rows());
    append(rows, bridge_unsupported_rows());
    append(rows, sqlite_unsupported_rows());
    return rows;
}

}  // namespace

const std::vector<KeySpec>& key_table() {
    static const std::vector<KeySpec> table = make_key_table();
    return table;
}

const std::vector<SectionSpec>& section_table() {
    static const std::vector<SectionSpec> table = make_section_table();
    return table;
}

const std::vector<UnsupportedSpec>& unsupported_table() {
    static const std::vector<UnsupportedSpec> table = make_unsupported_table();
    return table;
}

const KeySpec* find_key(std::string_view path) {
    auto segments = split_path(path);
    const KeySpec* wildcard = nullptr;
    for (const auto& spec : key_table()) {
        if (spec.path == path) return &spec;  // an exact row beats a '*' row
        auto pattern = split_path(spec.path);
        if (wildcard != nullptr || pattern.size() != segments.size()) continue;
        bool match = true;
        for (std::size_t i = 0; i < pattern.size() && match; ++i) {
            match = pattern[i] == "*" || pattern[i] == segments[i];
        }
        if (match) wildcard = &spec;
    }
    return wildcard;
}

KeyValue convert_value(const KeySpec& spec, const HoconValue& value, std::string_view path) {
    auto fail = [&](const SourceLocation& where, const std::string& message) {
        throw ConfigError(where.to_string() + ": " + std::string(path) + ": " + message);
    };
    auto expected = [&](const std::string& what) {
        fail(value.location(), "expected " + what + ", got " + value.describe());
    };
    const bool scalar_text =
        value.kind() == HoconKind::kString || value.kind() == HoconKind::kNumber;
    const std::string_view text = trim(value.text());

    KeyValue out;
    switch (spec.type) {
        case KeyType::kBool: {
            if (value.kind() == HoconKind::kBool) {
                out = value.as_bool();
                break;
            }
            std::string s = lower(text);
            if (value.kind() == HoconKind::kString && (s == "yes" || s == "on" || s == "true")) {
                out = true;
            } else if (value.kind() == HoconKind::kString &&
                       (s == "no" || s == "off" || s == "false")) {
                out = false;
            } else {
                expected("true or false");
            }
            break;
        }
        case KeyType::kInteger: {
            std::int64_t n = 0;
            auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (!scalar_text || text.empty() || ec != std::errc{} ||
                p != text.data() + text.size() || n < spec.min || n > spec.max) {
                expected("an integer from " + range_text(spec));
            }
            out = n;
            break;
        }
        case KeyType::kSize: {
            auto bytes = scalar_text ? parse_size(text) : std::nullopt;
            if (!bytes) expected("a size like 256MB");
            if (*bytes < static_cast<std::uint64_t>(spec.min) ||
                *bytes > static_cast<std::uint64_t>(spec.max)) {
                expected("a size from " + range_text(spec));
            }
            out = static_cast<std::int64_t>(*bytes);
            break;
        }
        case KeyType::kDuration: {
            auto ms = scalar_text ? parse_duration(text) : std::nullopt;
            if (!ms) expected("a duration like 10s");
            if (ms->count() < spec.min || ms->count() > spec.max) {
                expected("a duration from " + range_text(spec));
            }
            out = static_cast<std::int64_t>(ms->count());
            break;
        }
        case KeyType::kDouble: {
            double d = 0;
            auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
            if (!scalar_text || text.empty() || ec != std::errc{} ||
                p != text.data() + text.size()) {
                expected("a number");
            }
            out = d;
            break;
        }
        case KeyType::kString:
            if (!value.is_scalar()) expected("a string");
            out = value.is_null() ? std::string() : value.text();
            break;
        case KeyType::kEnum: {
            std::string s = lower(text);
            if (!value.is_scalar() || value.is_null() ||
                std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end()) {
                expected("one of " + join_choices(spec.choices));
            }
            out = s;
            break;
        }
        case KeyType::kHostPort: {
            auto hp = value.kind() == HoconKind::kString ? parse_host_port(text) : std::nullopt;
            if (!hp) expected("host:port like 0.0.0.0:1883");
            out = *hp;
            break;
        }
        case KeyType::kStringList: {
            std::vector<std::string> items;
            std::vector<SourceLocation> where;
            if (value.is_array()) {
                for (const auto& item : value.items()) {
                    if (!item.is_scalar() || item.is_null()) {
                        fail(item.location(),
                             "expected a list of strings, got " + item.describe() + " in the list");
                    }
                    items.emplace_back(trim(item.text()));
                    where.push_back(item.location());
                }
            } else if (value.kind() == HoconKind::kString) {
                // `to = "file,console"`, as NanoMQ's docs also write it
                std::string_view rest = value.text();
                for (;;) {
                    auto comma = rest.find(',');
                    items.emplace_back(trim(rest.substr(0, comma)));
                    where.push_back(value.location());
                    if (comma == std::string_view::npos) break;
                    rest.remove_prefix(comma + 1);
                }
            } else {
                expected("a list of strings");
            }
            if (!spec.choices.empty()) {
                for (std::size_t i = 0; i < items.size(); ++i) {
                    items[i] = lower(items[i]);
                    if (std::find(spec.choices.begin(), spec.choices.end(), items[i]) ==
                        spec.choices.end()) {
                        fail(where[i], "expected each of " + join_choices(spec.choices) +
                                           ", got \"" + items[i] + "\"");
                    }
                }
            }
            out = std::move(items);
            break;
        }
    }
    if (spec.check) {
        std::string problem = spec.check(out);
        if (!problem.empty()) expected(problem);
    }
    return out;
}

std::string keys_markdown() {
    std::ostringstream md;
    md << "# Configuration reference\n\n"
          "Generated from the key table in `src/config/key_table.cpp`; do not edit by hand.\n\n"
          "`nanomq.conf` is HOCON, the format of NanoMQ's own file, which nmq reads unchanged. "
          "Sizes take a unit B, KB, MB or GB (1024-based; `256MB`). Durations take ms, s, m, h "
          "or d (`10s`); a bare number is seconds. Booleans are `true`/`false`. "
          "Keys nmq does not implement yet are reported once at start-up and ignored; "
          "unknown keys (typos) are reported the same way.\n";
    std::string section;
    for (const auto& spec : key_table()) {
        std::string top = spec.path.substr(0, spec.path.find('.'));
        if (top != section) {
            section = top;
            md << "\n## " << section << "\n\n"
               << "| Key | Type | Default | Values | Reload | Environment | Description |\n"
               << "|---|---|---|---|---|---|---|\n";
        }
        std::string values = spec.type == KeyType::kEnum || spec.type == KeyType::kStringList
                                 ? join_choices(spec.choices)
                                 : range_text(spec);
        md << "| `" << spec.path << "` | " << type_name(spec.type) << " | "
           << (spec.default_text.empty() ? "" : "`" + spec.default_text + "`") << " | " << values
           << " | " << (spec.reloadable ? "yes" : "no") << " | "
           << (spec.env.empty() ? "" : "`" + spec.env + "`") << " | " << spec.doc << " |\n";
    }
    md << "\n## Sections\n\n| Section | Meaning |\n|---|---|\n";
    for (const auto& s : section_table())
        md << "| `" << s.path << "` | " << s.doc << " |\n";
    md << "\n## Not supported yet\n\nRead without error, reported once, ignored.\n\n"
       << "| Key | What it is |\n|---|---|\n";
    for (const auto& u : unsupported_table())
        md << "| `" << u.path << "` | " << u.doc << " |\n";
    return md.str();
}

}  // namespace nmq::config
