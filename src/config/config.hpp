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
    std::string name;            // "" for listeners.tcp, "<name>" for listeners.tcp.<name>
    std::string host = "0.0.0.0";
    std::uint16_t port = 1883;
    bool operator==(const TcpListener&) const = default;
};

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
        std::uint32_t max_packet_size = 10 * 1024 * 1024;  // bytes, both directions
        std::uint32_t max_mqueue_len = 2048;                // queued messages per session
        std::chrono::milliseconds retry_interval{10'000};   // QoS 1/2 re-send interval
        double keepalive_multiplier = 1.25;
        std::uint32_t max_inflight_window = 2048;
        std::uint16_t max_topic_alias = 1024;
        std::chrono::milliseconds max_awaiting_rel{10'000};
        std::chrono::milliseconds await_rel_timeout{10'000};
        bool operator==(const Mqtt&) const = default;
    } mqtt;

    struct Listeners {
        std::vector<TcpListener> tcp{TcpListener{}};
        bool operator==(const Listeners&) const = default;
    } listeners;

    struct Auth {
        bool allow_anonymous = true;
        bool operator==(const Auth&) const = default;
    } auth;

    struct Log {
        std::vector<std::string> to{"console"};
        std::string level = "warn";
        std::string dir = "/tmp";
        std::string file = "nanomq.log";
        bool operator==(const Log&) const = default;
    } log;

    bool operator==(const Config&) const = default;
};

// A configuration error: `what()` reads "file:line:col: key: expected ..., got ...".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads a HOCON file (NanoMQ's current format) over the defaults. Throws ConfigError.
Config load_hocon_file(const std::string& path);

}  // namespace nmq::config
