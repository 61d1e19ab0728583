#pragma once
// The typed configuration of the broker. Filled from defaults, then NanoMQ's HOCON file (or the
// older key=value file), then the environment, then the command line; see key_table.hpp for
// the single table of keys that drives parsing, validation, defaults and documentation.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace nmq::config {

struct TcpListener {
    std::string name;  // "" for listeners.tcp, "<name>" for listeners.tcp.<name>
    std::string host = "0.0.0.0";
    std::uint16_t port = 1883;
    // `listeners.tcp.enable = false`. The loader drops disabled listeners, so every listener in
    // a loaded Config is enabled; the field only lives until the end of loading.
    bool enable = true;
    bool operator==(const TcpListener&) const = default;
};

enum class HttpAuthType { kBasic, kJwt, kNone };
enum class AclNoMatch { kAllow, kDeny };
enum class AclDenyAction { kIgnore, kDisconnect };

struct Config {
    struct System {
        bool daemon = false;
        std::uint32_t num_taskq_thread = 0;  // 0: one worker per core
        std::uint32_t max_taskq_thread = 0;
        std::uint32_t parallel = 0;
        bool operator==(const System&) const = default;
    } system;

    struct Mqtt {
        std::uint32_t property_size = 32;
        // NanoMQ's built-in default (conf_init: 1024 * 1024); its sample nanomq.conf says 256MB.
        std::uint32_t max_packet_size = 1024 * 1024;       // bytes, both directions
        std::uint32_t max_mqueue_len = 2048;               // queued messages per session
        std::chrono::milliseconds retry_interval{10'000};  // QoS 1/2 re-send interval
        double keepalive_multiplier = 1.25;
        std::uint16_t max_keepalive = 0;  // seconds; 0: no limit (Server Keep Alive, 5.0)
        std::uint32_t max_inflight_window = 2048;
        std::uint16_t max_topic_alias = 1024;
        std::chrono::milliseconds max_awaiting_rel{10'000};
        std::chrono::milliseconds await_rel_timeout{10'000};
        bool operator==(const Mqtt&) const = default;
    } mqtt;

    struct Listeners {
        // Empty `listeners.tcp` sections and named ones replace this default listener.
        std::vector<TcpListener> tcp{TcpListener{}};
        bool operator==(const Listeners&) const = default;
    } listeners;

    struct Auth {
        bool allow_anonymous = true;
        AclNoMatch no_match = AclNoMatch::kAllow;            // when no ACL rule matches
        AclDenyAction deny_action = AclDenyAction::kIgnore;  // when an ACL rule denies
        bool operator==(const Auth&) const = default;
    } auth;

    // The HTTP management API; on when the `http_server` section is present (NanoMQ's rule),
    // unless it says `enable = false`.
    struct HttpServer {
        bool enable = false;
        std::string ip_addr = "0.0.0.0";
        std::uint16_t port = 8081;
        std::uint32_t limit_conn = 32;         // concurrent requests (old `parallel`)
        std::uint64_t max_body = 1024 * 1024;  // bytes of one request body
        std::string username = "admin";
        std::string password = "public";
        HttpAuthType auth_type = HttpAuthType::kBasic;
        std::string jwt_public_keyfile;  // http_server.jwt.public.keyfile
        bool operator==(const HttpServer&) const = default;
    } http_server;

    struct Log {
        std::vector<std::string> to{"console"};
        std::string level = "warn";
        std::string dir = "/tmp";
        std::string file = "nanomq.log";
        std::uint64_t rotation_size = 10 * 1024 * 1024;  // bytes per file before rotating
        std::uint32_t rotation_count = 5;                // rotated files kept
        bool operator==(const Log&) const = default;
    } log;

    bool operator==(const Config&) const = default;
};

// A configuration error: `what()` reads "file:line:col: key: expected ..., got ...".
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Something in the file that loading skipped: a section we do not implement yet, a key nobody
// knows (a typo: NanoMQ ignores those too), an optional include that is missing. Never fatal.
struct ConfigWarning {
    enum class Kind { kNotSupported, kUnknownKey, kMissingInclude };
    Kind kind = Kind::kUnknownKey;
    std::string where;    // "file:line:col"
    std::string key;      // "listeners.ssl"; the include path for kMissingInclude
    std::string message;  // the whole line to log: "where: key: ..."
    bool operator==(const ConfigWarning&) const = default;
};

// Reads a HOCON file (NanoMQ's current format) over the defaults. Throws ConfigError.
Config load_hocon_file(const std::string& path);

// The same, and appends to `warnings` each skipped key once (the app logs them as warnings).
Config load_hocon_file(const std::string& path, std::vector<ConfigWarning>& warnings);

}  // namespace nmq::config
