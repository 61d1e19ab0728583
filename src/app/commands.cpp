// nanomq start|stop|restart. Configuration is assembled in one documented order, each later
// source overriding the earlier: built-in defaults < the file (--conf HOCON or --old_conf
// key=value) < NANOMQ_* environment variables < command-line options. Every value from every
// source goes through the key table, so it is validated the same way.
#include "app/commands.hpp"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include <csignal>

#include "app/process.hpp"
#include "config/config.hpp"
#include "config/sources.hpp"
#include "core/log.hpp"
#include "http/api_server.hpp"
#include "net/server.hpp"

namespace nmq::app {

namespace {

struct StartOptions {
    std::string conf;
    std::string old_conf;
    std::string pid_file;
    bool daemon = false;
    // NanoMQ's start options, applied over file and environment when given.
    std::optional<std::string> url;
    std::optional<std::string> tq_thread, max_tq_thread, parallel, property_size, msq_len,
        qos_duration, http, http_port;
};

void add_start_options(CLI::App* cmd, StartOptions& o) {
    cmd->add_option("--conf", o.conf, "Configuration file in NanoMQ's HOCON format");
    cmd->add_option("--old_conf", o.old_conf,
                    "Configuration file in NanoMQ's older key=value format")
        ->excludes(cmd->get_option("--conf"));
    cmd->add_option("--pid_file", o.pid_file, "PID file (default /run/nanomq/nanomq.pid)");
    cmd->add_flag("-d,--daemon", o.daemon, "Run in the background");
    cmd->add_option("--url", o.url, "MQTT/TCP listener, e.g. nmq-tcp://0.0.0.0:1883");
    cmd->add_option("-t,--tq_thread", o.tq_thread, "Worker threads (system.num_taskq_thread)");
    cmd->add_option("-T,--max_tq_thread", o.max_tq_thread, "system.max_taskq_thread");
    cmd->add_option("-n,--parallel", o.parallel, "system.parallel");
    cmd->add_option("-s,--property_size", o.property_size, "mqtt.property_size");
    cmd->add_option("-S,--msq_len", o.msq_len, "Queued messages per session (mqtt.max_mqueue_len)");
    cmd->add_option("-D,--qos_duration", o.qos_duration, "mqtt.retry_interval, seconds");
    cmd->add_option("--http", o.http, "HTTP management API on or off (true|false)");
    cmd->add_option("-p,--port", o.http_port, "HTTP management API port");
}

// Defaults < file < environment < command line.
config::Config assemble(const StartOptions& o, std::vector<config::ConfigWarning>& warnings) {
    config::Config cfg;
    if (!o.conf.empty()) cfg = config::load_hocon_file(o.conf, warnings);
    if (!o.old_conf.empty()) cfg = config::load_old_conf_file(o.old_conf, warnings);
    config::apply_environment(
        cfg,
        [](const std::string& name) -> std::optional<std::string> {
            const char* v = std::getenv(name.c_str());
            return v ? std::optional<std::string>(v) : std::nullopt;
        },
        warnings);
    auto set = [&](const std::optional<std::string>& v, std::string_view path, const char* flag) {
        if (v) config::apply_value(cfg, path, *v, std::string("command line ") + flag, warnings);
    };
    if (o.url) {
        auto bind = config::tcp_url_to_bind(*o.url);
        if (!bind)
            throw config::ConfigError(
                "command line --url: expected a TCP URL like "
                "nmq-tcp://0.0.0.0:1883, got \"" +
                *o.url + "\"");
        config::apply_value(cfg, "listeners.tcp.bind", *bind, "command line --url", warnings);
    }
    set(o.tq_thread, "system.num_taskq_thread", "--tq_thread");
    set(o.max_tq_thread, "system.max_taskq_thread", "--max_tq_thread");
    set(o.parallel, "system.parallel", "--parallel");
    set(o.property_size, "mqtt.property_size", "--property_size");
    set(o.msq_len, "mqtt.max_mqueue_len", "--msq_len");
    set(o.qos_duration, "mqtt.retry_interval", "--qos_duration");
    set(o.http, "http_server.enable", "--http");
    set(o.http_port, "http_server.port", "--port");
    if (o.daemon) cfg.system.daemon = true;
    return cfg;
}

int start(StartOptions o) {
    // Paths are made absolute first: a daemon runs from "/".
    for (auto* p : {&o.conf, &o.old_conf, &o.pid_file})
        if (!p->empty()) *p = std::filesystem::absolute(*p).string();

    config::Config cfg;
    std::vector<config::ConfigWarning> warnings;
    try {
        cfg = assemble(o, warnings);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: %s\n", e.what());
        return 2;
    }
    log::init_console(cfg.log.level);
    auto log = log::get("app");
    for (const auto& w : warnings)
        log->warn("{}", w.message);

    std::string pid_path = pid_file_path(o.pid_file);
    try {
        // Listeners are bound before daemonising, so a busy port is reported on the terminal.
        auto server = std::make_unique<net::Server>(cfg);
        if (cfg.system.daemon) {
            std::string error;
            if (!daemonize(error)) {
                log->error("cannot run in the background: {}", error);
                return 1;
            }
        }
        std::string error;
        // After the PID: the file and its format, which `nanomq reload` validates first.
        std::vector<std::string> source;
        if (!o.conf.empty()) source = {"conf", o.conf};
        if (!o.old_conf.empty()) source = {"old_conf", o.old_conf};
        if (!write_pid_file(pid_path, error, source)) log->warn("{}", error);
        // SIGHUP re-reads every source with the options this broker was started with.
        server->on_reload([o, log]() -> std::optional<config::Config> {
            try {
                std::vector<config::ConfigWarning> w;
                auto fresh = assemble(o, w);
                for (const auto& x : w)
                    log->warn("{}", x.message);
                return fresh;
            } catch (const std::exception& e) {
                log->error("reload rejected, nothing changed: {}", e.what());
                return std::nullopt;
            }
        });
        // Declared after the server it reads from, so it is destroyed first.
        std::unique_ptr<http::ApiServer> api;
        if (cfg.http_server.enable) {
            api = std::make_unique<http::ApiServer>(cfg, server->broker());
            api->start();
        }
        auto workers = cfg.system.num_taskq_thread
                           ? cfg.system.num_taskq_thread
                           : std::max(1u, std::thread::hardware_concurrency());
        log->info("nanomq started with {} worker(s), PID file {}", workers, pid_path);
        server->run();
        if (api) api->stop();
        remove_pid_file(pid_path);
        log->info("nanomq stopped");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: %s\n", e.what());
        return 1;
    }
    return 0;
}

// Validates what the running broker will re-read (the file it was started with, this
// environment), and only then signals it: a bad file is reported here, with a non-zero exit,
// and the broker keeps running unchanged.
int reload(const std::string& pid_path) {
    auto pid = running_pid(pid_path);
    if (!pid) {
        std::fprintf(stderr, "nanomq: no running broker (PID file %s)\n", pid_path.c_str());
        return 1;
    }
    auto source = pid_file_extra(pid_path);
    StartOptions o;
    if (source.size() >= 2 && source[0] == "conf") o.conf = source[1];
    if (source.size() >= 2 && source[0] == "old_conf") o.old_conf = source[1];
    try {
        std::vector<config::ConfigWarning> warnings;
        assemble(o, warnings);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: reload refused, the broker keeps running unchanged: %s\n",
                     e.what());
        return 2;
    }
    if (::kill(*pid, SIGHUP) != 0) {
        std::fprintf(stderr, "nanomq: cannot signal PID %d\n", static_cast<int>(*pid));
        return 1;
    }
    std::printf("nanomq: reload requested (PID %d)\n", static_cast<int>(*pid));
    return 0;
}

}  // namespace

int run_command_line(int argc, char** argv) {
    // NanoMQ also accepted `nanomq broker start ...`.
    std::vector<char*> args(argv, argv + argc);
    if (args.size() > 1 && std::string(args[1]) == "broker") args.erase(args.begin() + 1);

    CLI::App app{"nmq: an MQTT broker compatible with NanoMQ", "nanomq"};
    app.require_subcommand(1);

    StartOptions start_opts;
    auto* start_cmd = app.add_subcommand("start", "Start the broker (in the foreground unless -d)");
    add_start_options(start_cmd, start_opts);

    StartOptions restart_opts;
    auto* restart_cmd = app.add_subcommand("restart", "Stop the running broker, then start");
    add_start_options(restart_cmd, restart_opts);

    std::string stop_pid_file;
    auto* stop_cmd = app.add_subcommand("stop", "Stop the running broker gracefully");
    stop_cmd->add_option("--pid_file", stop_pid_file, "PID file of the broker to stop");

    std::string reload_pid_file;
    auto* reload_cmd = app.add_subcommand(
        "reload", "Validate the running broker's configuration file, then make it re-read it");
    reload_cmd->add_option("--pid_file", reload_pid_file, "PID file of the broker to reload");

    try {
        app.parse(static_cast<int>(args.size()), args.data());
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    if (*stop_cmd) {
        std::string message;
        int rc = stop_running(pid_file_path(stop_pid_file), 10, message);
        std::fprintf(rc == 0 ? stdout : stderr, "nanomq: %s\n", message.c_str());
        return rc;
    }
    if (*reload_cmd) return reload(pid_file_path(reload_pid_file));
    if (*restart_cmd) {
        std::string message;
        int rc = stop_running(pid_file_path(restart_opts.pid_file), 10, message);
        if (rc == 2) {
            std::fprintf(stderr, "nanomq: %s\n", message.c_str());
            return 1;
        }
        return start(restart_opts);
    }
    return start(start_opts);
}

}  // namespace nmq::app
