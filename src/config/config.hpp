#pragma once
// The typed configuration of the broker. Filled from defaults, then NanoMQ's HOCON file (or the
// older key=value file), then the environment, then the command line; see key_table.hpp for
// the single table of keys that drives parsing, validation, defaults and documentation.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config/bridges.hpp"

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

// Where a value was written ("nanomq.conf:12:15"), kept for checks made after loading (a
// certificate file that cannot be read) so they can point at the line to fix. Not part of the
// value: equal wherever it was written, so moving a line is no configuration change.
struct Written {
    std::string at;
    bool operator==(const Written&) const noexcept { return true; }
};

// TLS of a listeners.ssl or listeners.wss listener (NanoMQ's keys, plus nmq's
// use_identity_as_username). Files are PEM.
struct TlsOptions {
    std::string keyfile;       // the server's private key
    std::string certfile;      // the server's certificate, optionally followed by its chain
    std::string cacertfile;    // CAs that verify client certificates (and complete the chain)
    std::string key_password;  // decrypts keyfile; "" when it is not encrypted
    bool verify_peer = false;  // ask clients for a certificate and verify the one they send
    bool fail_if_no_peer_cert = false;  // with verify_peer: refuse clients that send none
    // nmq's own (mosquitto's use_identity_as_username): the Common Name of the verified client
    // certificate replaces the CONNECT user name, and the password is dropped. Needs
    // verify_peer and fail_if_no_peer_cert.
    bool use_identity_as_username = false;
    Written keyfile_at, certfile_at, cacertfile_at;
    bool operator==(const TlsOptions&) const = default;
};

// listeners.ssl and listeners.ssl.<name>: MQTT over TLS.
struct SslListener {
    std::string name;  // "" for listeners.ssl, "<name>" for listeners.ssl.<name>
    std::string host = "0.0.0.0";
    std::uint16_t port = 8883;
    // false: configured but not opened (old format `tls.enable`, NANOMQ_TLS_ENABLE).
    bool enable = true;
    std::chrono::milliseconds handshake_timeout{10'000};  // nmq's own
    TlsOptions tls;
    bool operator==(const SslListener&) const = default;
};

// listeners.ws / listeners.wss (and their named forms): MQTT over WebSocket, plain or over TLS.
struct WsListener {
    std::string name;  // "" for listeners.ws / listeners.wss, else the <name>
    std::string host = "0.0.0.0";
    std::uint16_t port = 8083;   // 8084 for listeners.wss
    std::string path = "/mqtt";  // HTTP path of the upgrade request (from bind "host:port/path")
    bool enable = true;
    std::chrono::milliseconds handshake_timeout{10'000};  // TLS and the HTTP upgrade; nmq's own
    // nmq's own: the largest WebSocket message accepted, bytes; 0: mqtt.max_packet_size plus
    // the 5 bytes of a fixed header (clients send one MQTT packet per message).
    std::uint64_t max_frame_size = 0;
    // nmq's own: Origin header values accepted from browsers; empty accepts any. Requests
    // without an Origin (not from a browser) are always accepted.
    std::vector<std::string> allowed_origins;
    // listeners.wss only. When neither keyfile nor certfile is set here, the TLS settings of
    // listeners.ssl are used (NanoMQ's rule; see wss_tls()).
    TlsOptions tls;
    bool operator==(const WsListener&) const = default;
};

enum class HttpAuthType { kBasic, kJwt, kNone };

// One condition of an ACL rule: who the client is. "#" as the value matches everyone.
struct AclWho {
    enum class Field { kUsername, kClientId, kIpAddr };
    Field field = Field::kUsername;
    std::string value;  // ipaddr: an address or a CIDR block ("10.0.0.0/8")
    bool operator==(const AclWho&) const = default;
};

// One rule of NanoMQ's ACL file (`rules = [{permit, username, clientid, ipaddr, and, or,
// action, topics}]`). Rules are tried in order; the first that matches decides.
struct AclRule {
    enum Action : std::uint8_t { kPublish = 1, kSubscribe = 2, kPubSub = 3 };
    bool allow = true;
    std::vector<AclWho> all_of;  // username/clientid/ipaddr fields and "and": every one holds
    std::vector<AclWho> any_of;  // "or": at least one holds (when not empty)
    Action action = kPubSub;
    // Topic filters; "%u" and "%c" stand for the username and client id, an "eq " prefix
    // asks for the literal filter. Empty: every topic.
    std::vector<std::string> topics;
    std::string where;  // "file:line:col" of the rule, for the log
    bool operator==(const AclRule&) const = default;
};
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
        // None unless configured; a listener with enable = false stays listed but is not opened.
        std::vector<SslListener> ssl;
        std::vector<WsListener> ws;
        std::vector<WsListener> wss;
        bool operator==(const Listeners&) const = default;
    } listeners;

    struct Auth {
        bool allow_anonymous = true;
        AclNoMatch no_match = AclNoMatch::kAllow;            // when no ACL rule matches
        AclDenyAction deny_action = AclDenyAction::kIgnore;  // when an ACL rule denies
        // `password = {include "nanomq_pwd.conf"}`: user name -> password, in file order.
        // Configured but empty still means "check credentials" (and refuses every user name).
        bool password_configured = false;
        std::vector<std::pair<std::string, std::string>> users;
        // `acl = {include "nanomq_acl.conf"}`: the rules; none configured: everything allowed.
        bool acl_configured = false;
        std::vector<AclRule> acl;
        // The first password or ACL include that could not be read, as the error to give;
        // check_files() refuses to start or reload with it (fail closed).
        std::string unreadable;
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
        // Where API changes (req 12) are kept; "": <configuration file>.api-overrides.conf
        std::string overrides_file;
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

    // Bridges to remote brokers (bridges.mqtt.<name>), see bridges.hpp.
    Bridges bridges;

    // Persistence on SQLite; on when the `sqlite` section is present, unless it says
    // `enable = false`.
    struct Sqlite {
        enum class Durability { kSync, kInterval };
        bool enable = false;
        std::string mounted_file_path = "/tmp/";  // the folder of the database
        std::string file = "nanomq.db";           // the database's file name in it
        Durability durability = Durability::kSync;
        std::chrono::milliseconds sync_interval{100};  // kInterval: time between commits
        bool operator==(const Sqlite&) const = default;
    } sqlite;

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

// Checks what loading leaves for later: that the files the configuration depends on could be
// read (the password and ACL files). Throws ConfigError naming the file and the key. Called
// before a start, a reload or a change through the API takes effect.
void check_files(const Config& config);

// Reads a HOCON file (NanoMQ's current format) over the defaults. Throws ConfigError.
Config load_hocon_file(const std::string& path);

// The same, and appends to `warnings` each skipped key once (the app logs them as warnings).
Config load_hocon_file(const std::string& path, std::vector<ConfigWarning>& warnings);

}  // namespace nmq::config
