// nanomq: the broker's command line. `nanomq start --conf FILE` runs the broker in the
// foreground. Wiring only: parsing, configuration, logging, then net::Server.
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "core/log.hpp"
#include "net/server.hpp"

int main(int argc, char** argv) {
    CLI::App app{"nmq: an MQTT broker compatible with NanoMQ", "nanomq"};
    app.require_subcommand(1);

    std::string conf;
    auto* start = app.add_subcommand("start", "Start the broker in the foreground");
    start->add_option("--conf", conf, "HOCON configuration file (NanoMQ's format)");

    CLI11_PARSE(app, argc, argv);

    nmq::config::Config cfg;
    std::vector<nmq::config::ConfigWarning> warnings;
    try {
        if (!conf.empty()) cfg = nmq::config::load_hocon_file(conf, warnings);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: %s\n", e.what());
        return 2;
    }
    nmq::log::init_console(cfg.log.level);
    auto log = nmq::log::get("app");
    for (const auto& w : warnings) log->warn("{}", w.message);
    if (cfg.http_server.enable)
        log->warn("http_server: the HTTP management API is not served yet (port {} stays closed)",
                  cfg.http_server.port);

    try {
        nmq::net::Server server(cfg);
        auto workers = cfg.system.num_taskq_thread ? cfg.system.num_taskq_thread
                                                   : std::max(1u, std::thread::hardware_concurrency());
        log->info("nanomq started with {} worker(s)", workers);
        server.run();
        log->info("nanomq stopped");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: %s\n", e.what());
        return 1;
    }
    return 0;
}
