#pragma once
// Logging facade: every module logs through a named spdlog logger ("broker", "net", ...), so the
// line says which module spoke. Where lines go (console, a rotating file, syslog) and the level
// are set by app/ at start-up and again on reload; loggers made before that follow along.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

namespace nmq::log {

// The logger for a module; created on first use with the current sinks.
std::shared_ptr<spdlog::logger> get(const std::string& module);

// Installs console output at `level` ("trace" ... "fatal", "off") for every module logger.
void init_console(const std::string& level);

// Where the lines go: NanoMQ's `log { to, level, dir, file, rotation { size, count } }`.
struct Settings {
    std::vector<std::string> to{"console"};  // any of "console", "file", "syslog"
    std::string level = "warn";              // trace, debug, info, warn, error, fatal, off
    std::string dir = "/tmp";
    std::string file = "nanomq.log";
    std::uint64_t rotation_size = 10 * 1024 * 1024;  // bytes per file before it rotates
    std::uint32_t rotation_count = 5;                // rotated files kept beside the live one
};

// Replaces the sinks and the level of every logger. On failure (the log file cannot be
// opened) nothing changes and the reason is returned ("cannot open /x/nanomq.log: ...").
std::string configure(const Settings& settings);

}  // namespace nmq::log
