#pragma once
// The other sources of configuration besides the HOCON file: NanoMQ's older key=value format
// (`nanomq start --old_conf FILE`) and NANOMQ_* environment variables. Both are translated into
// HOCON paths and applied through the same key table, so validation, defaults and error
// messages are the HOCON loader's.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace nmq::config {

// "nmq-tcp://0.0.0.0:1883" (also "broker+tcp://", "mqtt-tcp://" or a bare "host:port") ->
// "0.0.0.0:1883"; nullopt for a URL of another transport (TLS, WebSocket).
std::optional<std::string> tcp_url_to_bind(std::string_view url);

// "tls+nmq-tcp://0.0.0.0:8883" (also tls+mqtt-tcp, tls, ssl, mqtts, or bare) -> "0.0.0.0:8883".
std::optional<std::string> tls_url_to_bind(std::string_view url);

// "nmq-ws://0.0.0.0:8083/mqtt" (also nmq+ws, ws, or bare) -> "0.0.0.0:8083/mqtt"; with
// `secure`, the schemes nmq-wss, nmq+wss, wss.
std::optional<std::string> ws_url_to_bind(std::string_view url, bool secure);

// NanoMQ's key=value format, as its V1-era parser read it: all spaces and tabs are removed from
// a line, lines starting with '#' are comments, the key ends at the first '=', a later line
// overrides an earlier one. Returns HOCON text with one line per input line (same line numbers,
// so errors point at the user's file); keys without a meaning here are reported in `warnings`.
std::string old_conf_to_hocon(std::string_view text, const std::string& file_name,
                              std::vector<ConfigWarning>& warnings);

// Reads a key=value file over the defaults. Throws ConfigError ("file:line:col: key: ...").
Config load_old_conf_file(const std::string& path, std::vector<ConfigWarning>& warnings);

// Applies one value to the key at `path` as if a HOCON file named `source` had said
// `path = "value"` (validated by the key table). Throws ConfigError naming `source`.
void apply_value(Config& config, std::string_view path, const std::string& value,
                 const std::string& source, std::vector<ConfigWarning>& warnings);

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

// Applies NANOMQ_* environment variables over `config` (the rows of the key table that name
// one, and NANOMQ_BROKER_URL). Throws ConfigError naming the variable on a bad value.
void apply_environment(Config& config, const Getenv& getenv, std::vector<ConfigWarning>& warnings);

}  // namespace nmq::config
