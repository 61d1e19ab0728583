#pragma once
// Command-line options of nanomq_cli, one struct per tool. Names follow NanoMQ's nanomq_cli
// (pub, sub, bench) so scripts written for it keep working.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nmq::cli {

struct ConnectOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    int version = 4;  // 3 (MQTT 3.1), 4 (3.1.1) or 5
    std::string client_id;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::uint16_t keepalive = 60;
    bool clean = true;
    // Transport (bench): TLS and/or WebSocket; plain TCP when neither.
    bool tls = false;
    bool ws = false;
    std::string ws_path = "/mqtt";
    std::string cafile;     // CAs that verify the server; "" with --tls: the system's
    std::string certfile;   // client certificate
    std::string keyfile;    // its key ("" : in certfile)
    bool insecure = false;  // do not verify the server's certificate
};

struct WillOptions {
    std::string topic;
    std::string message;
    int qos = 0;
    bool retain = false;
};

struct PubOptions {
    ConnectOptions conn;
    std::string topic;
    std::string message;
    bool stdin_line = false;  // one message per line of standard input
    int qos = 0;
    bool retain = false;
    std::uint64_t count = 1;  // messages to publish
    std::uint32_t interval_ms = 0;
    WillOptions will;
    bool verbose = false;
};

struct SubOptions {
    ConnectOptions conn;
    std::vector<std::string> topics;
    int qos = 0;
    std::uint64_t count = 0;  // exit after this many messages; 0: run until interrupted
    bool verbose = false;     // also print QoS, retain and packet id
};

enum class BenchMode { kPub, kSub, kConn };

struct BenchOptions {
    BenchMode mode = BenchMode::kPub;
    ConnectOptions conn;
    std::uint32_t connections = 1;      // -c
    std::uint32_t start_number = 0;     // -n: index of the first connection (%i, publisher id)
    std::uint32_t threads = 1;          // -T: io_context threads
    std::uint32_t interval_ms = 0;      // -i: pause between starting connections
    std::uint32_t msg_interval_ms = 0;  // -I: per-connection message interval
    double rate = 0;                    // -R: total messages per second over all publishers
    std::string topic = "bench/%i";     // -t: %i connection index, %c client id
    int qos = 0;
    bool retain = false;
    std::uint32_t size = 64;      // -s: payload bytes (the bench header needs 20)
    std::uint64_t limit = 0;      // -L: messages per connection, 0: unlimited
    double duration = 0;          // -d: seconds, 0: until the limit or Ctrl-C
    std::uint32_t window = 1024;  // -w: outstanding messages per publisher (QoS 1/2)
    double idle_exit = 0;         // sub: stop this long after the last message
    std::string id_prefix;        // client ids are <prefix><index>
    std::uint32_t max_pending_connects = 256;
    std::uint32_t batch_bytes = 256 * 1024;  // most bytes per write
    bool json = false;
    bool quiet = false;
};

struct SinkOptions {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 1883;
    std::uint32_t threads = 1;
    double duration = 0;
    bool json = false;
    bool quiet = false;
};

int run_pub(const PubOptions& o);
int run_sub(const SubOptions& o);
int run_bench(const BenchOptions& o);
int run_sink(const SinkOptions& o);

}  // namespace nmq::cli
