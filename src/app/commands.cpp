// nanomq start|stop|restart. Configuration is assembled in one documented order, each later
// source overriding the earlier: built-in defaults < the file (--conf HOCON or --old_conf
// key=value) < NANOMQ_* environment variables < command-line options < changes made through
// the HTTP API (req 12, kept in the overrides file, config/overrides.hpp). Every value from
// every source goes through the key table, so it is validated the same way.
#include "app/commands.hpp"

#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include <csignal>

#include <unistd.h>

#include "app/bridge_queue_store.hpp"
#include "app/process.hpp"
#include "bridge/bridges.hpp"
#include "broker/broker.hpp"
#include "config/config.hpp"
#include "config/overrides.hpp"
#include "config/sources.hpp"
#include "core/log.hpp"
#include "http/api_server.hpp"
#include "http/auth.hpp"
#include "net/server.hpp"
#include "store/sqlite_store.hpp"

namespace nmq::app {

namespace {

std::string persistence_path(const config::Config& c) {
    return (std::filesystem::path(c.sqlite.mounted_file_path) / c.sqlite.file).string();
}

std::unique_ptr<store::SqliteStore> open_store(const config::Config& c, spdlog::logger& log) {
    store::SqliteOptions o;
    o.path = persistence_path(c);
    o.durability = c.sqlite.durability == config::Config::Sqlite::Durability::kSync
                       ? store::Durability::kSync
                       : store::Durability::kInterval;
    o.interval = c.sqlite.sync_interval;
    auto s = std::make_unique<store::SqliteStore>(std::move(o));
    if (!s->moved_aside().empty())
        log.error("persistence: the damaged database was moved aside to {}", s->moved_aside());
    return s;
}

log::Settings log_settings(const config::Config& c) {
    return {c.log.to,   c.log.level,         c.log.dir,
            c.log.file, c.log.rotation_size, c.log.rotation_count};
}

struct StartOptions {
    std::string conf;
    std::string old_conf;
    std::string pid_file;
    bool daemon = false;
    bool test_config = false;  // --test-config: validate everything, start nothing
    // NanoMQ's start options, applied over file and environment when given.
    std::optional<std::string> url;
    // TLS: NanoMQ's --cacert, -E/--cert, --key, --keypass, --verify, --fail.
    std::optional<std::string> cacert, cert, key, keypass;
    bool verify = false, fail = false;
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
    cmd->add_flag("--test-config", o.test_config,
                  "Check the configuration (file, environment, options) and exit: 0 when it "
                  "is valid, 2 with the error otherwise");
    cmd->add_option("--url", o.url,
                    "Listener URL: nmq-tcp://0.0.0.0:1883, tls+nmq-tcp://0.0.0.0:8883, "
                    "nmq-ws://0.0.0.0:8083/mqtt or nmq-wss://0.0.0.0:8084/mqtt");
    cmd->add_option("--cacert", o.cacert, "TLS: CA certificate file (listeners.ssl.cacertfile)");
    cmd->add_option("-E,--cert", o.cert, "TLS: certificate file (listeners.ssl.certfile)");
    cmd->add_option("--key", o.key, "TLS: private key file (listeners.ssl.keyfile)");
    cmd->add_option("--keypass", o.keypass, "TLS: private key password");
    cmd->add_flag("--verify", o.verify, "TLS: ask clients for a certificate (verify_peer)");
    cmd->add_flag("--fail", o.fail,
                  "TLS: refuse clients without a certificate (fail_if_no_peer_cert)");
    cmd->add_option("-t,--tq_thread", o.tq_thread, "Worker threads (system.num_taskq_thread)");
    cmd->add_option("-T,--max_tq_thread", o.max_tq_thread, "system.max_taskq_thread");
    cmd->add_option("-n,--parallel", o.parallel, "system.parallel");
    cmd->add_option("-s,--property_size", o.property_size, "mqtt.property_size");
    cmd->add_option("-S,--msq_len", o.msq_len, "Queued messages per session (mqtt.max_mqueue_len)");
    cmd->add_option("-D,--qos_duration", o.qos_duration, "mqtt.retry_interval, seconds");
    cmd->add_option("--http", o.http, "HTTP management API on or off (true|false)");
    cmd->add_option("-p,--port", o.http_port, "HTTP management API port");
}

// The configuration file the broker was started with ("" when none).
std::string conf_file(const StartOptions& o) {
    return !o.conf.empty() ? o.conf : o.old_conf;
}

// Defaults < file < environment < command line < API overrides.
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
        // The scheme picks the listener, as NanoMQ's --url does.
        std::optional<std::string> bind;
        std::string_view path;
        if ((bind = config::tcp_url_to_bind(*o.url))) {
            path = "listeners.tcp.bind";
        } else if ((bind = config::tls_url_to_bind(*o.url))) {
            path = "listeners.ssl.bind";
        } else if ((bind = config::ws_url_to_bind(*o.url, false))) {
            path = "listeners.ws.bind";
        } else if ((bind = config::ws_url_to_bind(*o.url, true))) {
            path = "listeners.wss.bind";
        } else {
            throw config::ConfigError(
                "command line --url: expected a URL like nmq-tcp://0.0.0.0:1883, "
                "tls+nmq-tcp://0.0.0.0:8883, nmq-ws://0.0.0.0:8083/mqtt or "
                "nmq-wss://0.0.0.0:8084/mqtt, got \"" +
                *o.url + "\"");
        }
        config::apply_value(cfg, path, *bind, "command line --url", warnings);
    }
    set(o.cacert, "listeners.ssl.cacertfile", "--cacert");
    set(o.cert, "listeners.ssl.certfile", "--cert");
    set(o.key, "listeners.ssl.keyfile", "--key");
    set(o.keypass, "listeners.ssl.key_password", "--keypass");
    if (o.verify) set(std::string("true"), "listeners.ssl.verify_peer", "--verify");
    if (o.fail) set(std::string("true"), "listeners.ssl.fail_if_no_peer_cert", "--fail");
    set(o.tq_thread, "system.num_taskq_thread", "--tq_thread");
    set(o.max_tq_thread, "system.max_taskq_thread", "--max_tq_thread");
    set(o.parallel, "system.parallel", "--parallel");
    set(o.property_size, "mqtt.property_size", "--property_size");
    set(o.msq_len, "mqtt.max_mqueue_len", "--msq_len");
    set(o.qos_duration, "mqtt.retry_interval", "--qos_duration");
    set(o.http, "http_server.enable", "--http");
    set(o.http_port, "http_server.port", "--port");
    if (o.daemon) cfg.system.daemon = true;
    // Last, so that a change made through the API survives a restart whatever else is given.
    config::apply_overrides_file(cfg, config::overrides_path(cfg, conf_file(o)), warnings);
    // Settings that are valid key by key but not together: refused here, so a start fails and
    // `nanomq reload` refuses before signalling.
    if (cfg.http_server.enable) http::load_auth(cfg.http_server);
    config::check_files(cfg);
    return cfg;
}

// Runs `done` once every worker has run what was posted to it before this call.
void after_workers(broker::Broker& broker, std::function<void()> done) {
    auto left = std::make_shared<std::atomic<std::uint32_t>>(broker.worker_count());
    auto fn = std::make_shared<std::function<void()>>(std::move(done));
    for (std::uint32_t i = 0; i < broker.worker_count(); ++i)
        broker.worker(i).post([left, fn] {
            if (left->fetch_sub(1) == 1) (*fn)();
        });
}

// How start() ended.
enum class Ended { kStopped, kRestart };

// Starts the broker and runs it until it stops; `exec_args` are the arguments a restart in
// place (req 10) executes again.
int start(StartOptions o, const std::vector<std::string>& exec_args) {
    // A restart in place (req 10) runs in the process that was already running: same PID, no
    // second daemonisation, the working folder it had.
    const RestartMark restarted = take_restart_mark();
    std::error_code cwd_error;
    const std::string cwd = std::filesystem::current_path(cwd_error).string();
    // Paths are made absolute first: a daemon runs from "/".
    for (auto* p : {&o.conf, &o.old_conf, &o.pid_file})
        if (!p->empty()) *p = std::filesystem::absolute(*p).string();
    if (restarted == RestartMark::kDaemon && ::chdir("/") != 0) return 1;

    config::Config cfg;
    std::vector<config::ConfigWarning> warnings;
    try {
        cfg = assemble(o, warnings);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: %s\n", e.what());
        return 2;
    }
    if (o.test_config) {
        for (const auto& w : warnings)
            std::fprintf(stderr, "nanomq: warning: %s\n", w.message.c_str());
        std::printf("nanomq: configuration %s is valid\n",
                    conf_file(o).empty() ? "(defaults)" : conf_file(o).c_str());
        return 0;
    }
    // Until the server catches it (its constructor, then Server::run), SIGHUP would end the
    // process: a reload requested this early is dropped instead.
    std::signal(SIGHUP, SIG_IGN);
    if (auto error = log::configure(log_settings(cfg)); !error.empty()) {
        std::fprintf(stderr, "nanomq: log: %s\n", error.c_str());
        return 2;
    }
    auto log = log::get("app");
    for (const auto& w : warnings)
        log->warn("{}", w.message);

    std::string pid_path = pid_file_path(o.pid_file);
    const std::string overrides = config::overrides_path(cfg, conf_file(o));
    // Set on the API thread (req 10), read here once the server has stopped.
    std::atomic<Ended> ended{Ended::kStopped};
    bool daemonized = restarted == RestartMark::kDaemon;
    try {
        // Persistence first: everything stored is back before a connection is accepted. The
        // store outlives the server, so the workers' last records are written.
        std::unique_ptr<store::SqliteStore> persistence;
        if (cfg.sqlite.enable) persistence = open_store(cfg, *log);
        // Listeners are bound before daemonising, so a busy port is reported on the terminal.
        auto server = std::make_unique<net::Server>(cfg);
        if (persistence) {
            auto sessions = server->broker().restore(*persistence);
            log->info("persistence: {} session(s) restored from {}", sessions,
                      persistence_path(cfg));
            // Bridges keep what they owe their remotes in the same database, by bridge name.
            store::SqliteStore* db = persistence.get();
            server->bridges().set_queue_stores([db](const std::string& name) {
                return std::make_unique<SqliteBridgeQueue>(*db, name);
            });
        }
        if (restarted != RestartMark::kNone) {
            log->warn("nanomq restarted in place (PID {})", static_cast<long>(::getpid()));
            if (cfg.system.daemon && !daemonized)
                log->warn(
                    "system.daemon takes effect at the next `nanomq start`: a restart in "
                    "place keeps its PID");
        } else if (cfg.system.daemon) {
            std::string error;
            if (!daemonize(error)) {
                log->error("cannot run in the background: {}", error);
                return 1;
            }
            daemonized = true;
        }
        std::string error;
        // After the PID: the file and its format, which `nanomq reload` validates first.
        std::vector<std::string> source;
        if (!o.conf.empty()) source = {"conf", o.conf};
        if (!o.old_conf.empty()) source = {"old_conf", o.old_conf};
        if (!write_pid_file(pid_path, error, source)) log->warn("{}", error);
        // Declared after the server it reads from, so it is destroyed first. Set once here,
        // read by the reload callback on a worker thread.
        std::unique_ptr<http::ApiServer> api;
        std::atomic<http::ApiServer*> api_live{nullptr};
        // SIGHUP re-reads every source with the options this broker was started with.
        // Warnings already given at start or by an earlier reload are not repeated (req 12
        // reloads too).
        auto warned = std::make_shared<std::set<std::string>>();
        for (const auto& w : warnings)
            warned->insert(w.message);
        server->on_reload([o, log, &api_live, warned]() -> std::optional<config::Config> {
            try {
                std::vector<config::ConfigWarning> w;
                auto fresh = assemble(o, w);
                for (const auto& x : w)
                    if (warned->insert(x.message).second) log->warn("{}", x.message);
                if (auto error = log::configure(log_settings(fresh)); !error.empty())
                    log->error("reload: log settings kept: {}", error);
                // The API's credentials and auth type are reloadable too.
                if (auto* a = api_live.load()) a->reconfigure(fresh);
                return fresh;
            } catch (const std::exception& e) {
                log->error("reload rejected, nothing changed: {}", e.what());
                return std::nullopt;
            }
        });
        if (cfg.http_server.enable) {
            http::ApiControl control;
            net::Server* srv = server.get();
            // The last request wins: a stop that arrives while a restart is under way stops.
            control.stop = [srv, &ended] {
                ended = Ended::kStopped;
                srv->stop();
            };
            control.restart = [srv, &ended] {
                ended = Ended::kRestart;
                srv->stop();
            };
            control.apply = [srv](const config::Config& next, std::function<void()> done) {
                // Read from the sources again, as SIGHUP does, rather than `next` alone: a
                // SIGHUP racing this request can then never undo it, nor it a SIGHUP's edits.
                // Server::reload posts the change to worker 0, which hands it to every worker:
                // once worker 0 has run everything posted before, the hand-over is queued
                // everywhere, and once every worker has run that too, it is in effect.
                srv->reload_from_sources(next);
                broker::Broker& b = srv->broker();
                after_workers(b, [&b, done = std::move(done)] { after_workers(b, done); });
            };
            control.overrides_file = overrides;
            api = std::make_unique<http::ApiServer>(cfg, server->broker(), std::move(control));
            api->start();
            api_live = api.get();
        }
        auto workers = cfg.system.num_taskq_thread
                           ? cfg.system.num_taskq_thread
                           : std::max(1u, std::thread::hardware_concurrency());
        log->info("nanomq started with {} worker(s), PID file {}", workers, pid_path);
        server->run();
        api_live = nullptr;
        if (api) api->stop();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: %s\n", e.what());
        return 1;
    }
    // The server and the API are gone here: listeners and connections closed, threads joined.
    if (ended == Ended::kRestart) {
        log->warn("nanomq restarting in place (PID {}); in-memory sessions are not kept",
                  static_cast<long>(::getpid()));
        log->flush();
        std::string error = restart_in_place(exec_args, cwd, daemonized);
        log->error("restart failed, stopping: {}", error);
        remove_pid_file(pid_path);
        return 1;
    }
    remove_pid_file(pid_path);
    log->info("nanomq stopped");
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
    // What a restart in place executes again: these arguments, as `start` (a `restart` would
    // first stop the running broker, which is then this very process).
    std::vector<std::string> exec_args(args.begin(), args.end());
    if (exec_args.size() > 1 && exec_args[1] == "restart") exec_args[1] = "start";

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
        return start(restart_opts, exec_args);
    }
    return start(start_opts, exec_args);
}

}  // namespace nmq::app
