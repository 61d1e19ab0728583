#pragma once
// Logging facade: every module logs through a named spdlog logger ("broker", "net", ...), so the
// line says which module spoke. Sinks and level are set once at start-up by app/.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace nmq::log {

// The logger for a module; created on first use with the default sinks.
std::shared_ptr<spdlog::logger> get(const std::string& module);

// Installs console output at `level` ("trace" ... "off") for every module logger.
void init_console(const std::string& level);

}  // namespace nmq::log
