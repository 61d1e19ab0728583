// nanomq: the broker's command line. `nanomq start --conf FILE` runs the broker in the
// foreground. Wiring only: parsing, configuration, logging, then net::Server.
#include <cstdio>
#include <exception>
#include <string>

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
    try {
        if (!conf.empty()) cfg = nmq::config::load_hocon_file(conf);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: %s\n", e.what());
        return 2;
    }
    nmq::log::init_console(cfg.log.level);
    auto log = nmq::log::get("app");

    try {
        nmq::net::Server server(cfg);
        log->info("nanomq started with {} worker(s)", cfg.system.num_taskq_thread);
        server.run();
        log->info("nanomq stopped");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nanomq: %s\n", e.what());
        return 1;
    }
    return 0;
}
