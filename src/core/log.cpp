#include "core/log.hpp"

#include <filesystem>
#include <mutex>

#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>

namespace nmq::log {

namespace {
constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";

std::mutex g_mutex;
// Every logger writes to this one sink; configure() swaps what is behind it, so loggers that
// modules made (and cached) before configuration follow the change.
std::shared_ptr<spdlog::sinks::dist_sink_mt> g_sink;
spdlog::level::level_enum g_level = spdlog::level::info;

std::shared_ptr<spdlog::sinks::dist_sink_mt> sink_locked() {
    if (!g_sink) {
        g_sink = std::make_shared<spdlog::sinks::dist_sink_mt>();
        auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        console->set_pattern(kPattern);
        g_sink->add_sink(std::move(console));
    }
    return g_sink;
}

spdlog::level::level_enum level_of(const std::string& name) {
    if (name == "fatal") return spdlog::level::critical;  // NanoMQ's name for it
    return spdlog::level::from_str(name);
}

void set_level_locked(spdlog::level::level_enum level) {
    g_level = level;
    spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
}
}  // namespace

std::shared_ptr<spdlog::logger> get(const std::string& module) {
    std::lock_guard lock(g_mutex);
    if (auto existing = spdlog::get(module)) return existing;
    auto logger = std::make_shared<spdlog::logger>(module, sink_locked());
    logger->set_level(g_level);
    // Every line reaches the file (or syslog) as it is written: a broker that is killed still
    // leaves its last words, and few lines are written at the usual levels.
    logger->flush_on(spdlog::level::trace);
    // No logger->set_pattern(): it would reach through the shared sink and overwrite each
    // sink's own pattern (syslog's has no time stamp).
    spdlog::register_logger(logger);
    return logger;
}

void init_console(const std::string& level) {
    std::lock_guard lock(g_mutex);
    sink_locked();
    set_level_locked(level_of(level));
}

std::string configure(const Settings& s) {
    std::vector<spdlog::sink_ptr> sinks;
    for (const auto& to : s.to) {
        if (to == "console") {
            sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
        } else if (to == "file") {
            auto path = (std::filesystem::path(s.dir) / s.file).string();
            try {
                // Rotation: nanomq.log -> nanomq.1.log -> ... -> nanomq.<count>.log.
                sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                    path, static_cast<std::size_t>(s.rotation_size),
                    static_cast<std::size_t>(s.rotation_count)));
            } catch (const spdlog::spdlog_ex& e) {
                return "cannot open the log file " + path + ": " + e.what();
            }
        } else if (to == "syslog") {
            auto sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("nanomq", LOG_PID,
                                                                        LOG_DAEMON, true);
            sink->set_pattern("%-5l [%n] %v");  // syslog stamps the time itself
            sinks.push_back(std::move(sink));
            continue;
        }
        sinks.back()->set_pattern(kPattern);
    }
    std::lock_guard lock(g_mutex);
    sink_locked()->set_sinks(std::move(sinks));
    set_level_locked(level_of(s.level));
    return "";
}

}  // namespace nmq::log
