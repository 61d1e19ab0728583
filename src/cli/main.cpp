// nanomq_cli: pub, sub and bench, with NanoMQ's option names.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/options.hpp"

namespace {

using namespace nmq::cli;

void add_connect_options(CLI::App& app, ConnectOptions& c) {
    app.add_option("-h,--host", c.host, "Address of the MQTT server")->capture_default_str();
    app.add_option("-p,--port", c.port, "MQTT server port")->capture_default_str();
    app.add_option("-V,--version", c.version, "MQTT version: 3 (3.1), 4 (3.1.1) or 5")
        ->check(CLI::IsMember({3, 4, 5}))
        ->capture_default_str();
    app.add_option("-u,--user,--username", c.username, "Username");
    app.add_option("-P,--password", c.password, "Password");
    app.add_option("-k,--keepalive", c.keepalive, "Keep alive, seconds")->capture_default_str();
}

void add_pub(CLI::App& root, PubOptions& o, int& which) {
    auto* app = root.add_subcommand("pub", "Publish messages");
    add_connect_options(*app, o.conn);
    app->add_option("-i,--identifier,--id", o.conn.client_id, "Client identifier");
    app->add_option("-c,--clean_session", o.conn.clean, "Clean session (true|false)")
        ->capture_default_str();
    app->add_option("-t,--topic", o.topic, "Topic to publish to")->required();
    app->add_option("-m,--msg,--message", o.message, "Message payload");
    app->add_flag("-l,--stdin-line", o.stdin_line, "Publish each line of standard input");
    app->add_option("-q,--qos", o.qos, "QoS")->check(CLI::Range(0, 2))->capture_default_str();
    app->add_flag("-r,--retain", o.retain, "Retain the message");
    app->add_option("-C,-L,--count,--limit", o.count, "Number of times to publish")
        ->capture_default_str();
    app->add_option("-I,--interval", o.interval_ms, "Pause between messages, ms")
        ->capture_default_str();
    app->add_option("--will-topic", o.will.topic, "Will topic");
    app->add_option("--will-msg", o.will.message, "Will payload");
    app->add_option("--will-qos", o.will.qos, "Will QoS")->check(CLI::Range(0, 2));
    app->add_flag("--will-retain", o.will.retain, "Retain the will");
    app->add_flag("-v,--verbose", o.verbose, "Say what happens on standard error");
    app->callback([&which] { which = 1; });
}

void add_sub(CLI::App& root, SubOptions& o, int& which) {
    auto* app = root.add_subcommand("sub", "Subscribe and print \"topic: payload\" lines");
    add_connect_options(*app, o.conn);
    app->add_option("-i,--identifier,--id", o.conn.client_id, "Client identifier");
    app->add_option("-c,--clean_session", o.conn.clean, "Clean session (true|false)")
        ->capture_default_str();
    app->add_option("-t,--topic", o.topics, "Topic filter (repeatable)")->required();
    app->add_option("-q,--qos", o.qos, "Maximum QoS")
        ->check(CLI::Range(0, 2))
        ->capture_default_str();
    app->add_option("-C,-L,--count,--limit", o.count, "Exit after this many messages (0: never)")
        ->capture_default_str();
    app->add_flag("-v,--verbose", o.verbose, "Also print QoS and retain");
    app->callback([&which] { which = 2; });
}

void add_transport_options(CLI::App& app, ConnectOptions& c) {
    app.add_flag("--tls", c.tls, "MQTT over TLS (with --ws: WebSocket over TLS)");
    app.add_flag("--ws", c.ws, "MQTT over WebSocket");
    app.add_option("--ws-path", c.ws_path, "HTTP path of the WebSocket endpoint")
        ->capture_default_str();
    app.add_option("--cafile", c.cafile, "CA certificates that verify the server (PEM)");
    app.add_option("--cert", c.certfile, "Client certificate (PEM)");
    app.add_option("--key", c.keyfile, "Key of the client certificate (PEM)");
    app.add_flag("--insecure", c.insecure, "Do not verify the server's certificate");
}

void add_bench_common(CLI::App& app, BenchOptions& o) {
    add_connect_options(app, o.conn);
    add_transport_options(app, o.conn);
    app.add_option("-c,--count", o.connections, "Number of connections")->capture_default_str();
    app.add_option("-n,--startnumber", o.start_number, "Index of the first connection (%i)")
        ->capture_default_str();
    app.add_option("-i,--interval", o.interval_ms, "Pause between starting connections, ms")
        ->capture_default_str();
    app.add_option("-T,--threads", o.threads, "Worker threads (one io_context each)")
        ->capture_default_str();
    app.add_option("-C,--clean", o.conn.clean, "Clean session (true|false)")->capture_default_str();
    app.add_option("-d,--duration", o.duration, "Seconds to run (0: until the limit or Ctrl-C)")
        ->capture_default_str();
    app.add_option("--prefix", o.id_prefix, "Client id prefix (the index is appended)");
    app.add_option("--max-pending", o.max_pending_connects, "Connection handshakes in parallel")
        ->capture_default_str();
    app.add_flag("--json", o.json, "Print the result as one JSON line");
    app.add_flag("--quiet", o.quiet, "No progress lines");
}

void add_bench(CLI::App& root, BenchOptions& o, SinkOptions& sink, int& which) {
    auto* bench = root.add_subcommand("bench", "Load generator: pub, sub, conn; and a sink");
    bench->require_subcommand(1);

    auto* pub = bench->add_subcommand("pub", "Publish from many connections");
    add_bench_common(*pub, o);
    pub->add_option("-t,--topic", o.topic, "Topic; %i: connection index, %c: client id")
        ->capture_default_str();
    pub->add_option("-q,--qos", o.qos, "QoS")->check(CLI::Range(0, 2))->capture_default_str();
    pub->add_option("-r,--retain", o.retain, "Retain flag")->capture_default_str();
    pub->add_option("-s,--size", o.size, "Payload bytes (>= 20 for order and latency checks)")
        ->capture_default_str();
    pub->add_option("-L,--limit", o.limit, "Messages per connection (0: unlimited)")
        ->capture_default_str();
    pub->add_option("-R,--rate", o.rate, "Total messages per second, evenly paced (0: no limit)")
        ->capture_default_str();
    pub->add_option("-I,--interval_of_msg", o.msg_interval_ms,
                    "Per-connection message interval, ms")
        ->capture_default_str();
    pub->add_option("-w,--window", o.window, "Unacknowledged messages per publisher (QoS 1/2)")
        ->check(CLI::Range(1, 32768))
        ->capture_default_str();
    pub->add_option("--batch-bytes", o.batch_bytes, "Most bytes per write")->capture_default_str();
    pub->callback([&] {
        o.mode = BenchMode::kPub;
        which = 3;
    });

    auto* sub = bench->add_subcommand("sub", "Subscribe from many connections and measure");
    add_bench_common(*sub, o);
    sub->add_option("-t,--topic", o.topic, "Filter; %i: connection index, %c: client id")
        ->capture_default_str();
    sub->add_option("-q,--qos", o.qos, "QoS")->check(CLI::Range(0, 2))->capture_default_str();
    sub->add_option("-L,--limit", o.limit, "Messages per connection before it is done")
        ->capture_default_str();
    sub->add_option("--idle-exit", o.idle_exit, "Stop this many seconds after the last message")
        ->capture_default_str();
    sub->callback([&] {
        o.mode = BenchMode::kSub;
        which = 3;
    });

    auto* conn = bench->add_subcommand("conn", "Open many connections and keep them idle");
    add_bench_common(*conn, o);
    conn->callback([&] {
        o.mode = BenchMode::kConn;
        which = 3;
    });

    auto* s = bench->add_subcommand("sink", "A trivial MQTT server that acknowledges and discards");
    s->add_option("-h,--host,--bind", sink.bind, "Address to listen on")->capture_default_str();
    s->add_option("-p,--port", sink.port, "Port (0: any free port)")->capture_default_str();
    s->add_option("-T,--threads", sink.threads, "Worker threads")->capture_default_str();
    s->add_option("-d,--duration", sink.duration, "Seconds to run (0: until Ctrl-C)")
        ->capture_default_str();
    s->add_flag("--json", sink.json, "Print the result as one JSON line");
    s->add_flag("--quiet", sink.quiet, "No progress lines");
    s->callback([&which] { which = 4; });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"nanomq_cli: MQTT pub, sub and bench tools for nmq (NanoMQ-compatible)"};
    // -h is the host, as in NanoMQ's tools; help is --help only.
    app.set_help_flag("--help", "Print this help message and exit");
    app.require_subcommand(1);

    PubOptions pub;
    SubOptions sub;
    BenchOptions bench;
    bench.conn.keepalive = 300;
    SinkOptions sink;
    int which = 0;
    add_pub(app, pub, which);
    add_sub(app, sub, which);
    add_bench(app, bench, sink, which);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    switch (which) {
        case 1:
            return run_pub(pub);
        case 2:
            return run_sub(sub);
        case 3:
            if (bench.connections == 0) {
                std::fprintf(stderr, "nanomq_cli bench: --count must be at least 1\n");
                return 2;
            }
            return run_bench(bench);
        case 4:
            return run_sink(sink);
        default:
            return 2;
    }
}
