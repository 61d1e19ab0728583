#include "cli/bench_report.hpp"

#include <fmt/core.h>

namespace nmq::cli {

namespace {

const char* mode_name(BenchMode m) {
    switch (m) {
        case BenchMode::kPub:
            return "pub";
        case BenchMode::kSub:
            return "sub";
        case BenchMode::kConn:
            return "conn";
    }
    return "?";
}

double us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e3;
}
double ms(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

}  // namespace

void print_human(const BenchReport& r) {
    fmt::print("bench {}: {} connections ({} connected, {} failed)", mode_name(r.mode),
               r.connections, r.connected, r.failed);
    if (r.mode != BenchMode::kConn) fmt::print(", QoS {}, {}-byte payloads", r.qos, r.size);
    fmt::print("\n");
    if (r.mode == BenchMode::kPub) {
        fmt::print("  sent      {} msgs in {:.2f} s: {:.0f} msg/s, {:.1f} MB/s\n", r.sent,
                   r.elapsed_s, r.msg_per_s, r.mb_per_s);
        fmt::print("  completed {} ({})\n", r.acked,
                   r.qos == 0   ? "written"
                   : r.qos == 1 ? "PUBACK"
                                : "PUBCOMP");
    }
    if (r.mode == BenchMode::kSub) {
        fmt::print("  received  {} msgs in {:.2f} s: {:.0f} msg/s, {:.1f} MB/s\n", r.received,
                   r.elapsed_s, r.msg_per_s, r.mb_per_s);
        const auto& h = r.latency;
        fmt::print(
            "  latency   p50 {:.1f} us, p90 {:.1f} us, p99 {:.1f} us, p99.9 {:.1f} us, max {:.1f} "
            "us "
            "(mean {:.1f} us)\n",
            us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)),
            us(h.percentile(99.9)), us(h.max()), h.mean() / 1e3);
        fmt::print("  order     {} streams: {} out of order, {} lost, {} duplicates",
                   r.stream_count, r.streams.out_of_order, r.streams.lost, r.streams.duplicates);
        if (r.untracked) fmt::print(", {} without a bench header", r.untracked);
        fmt::print("\n");
    }
    const auto& c = r.connect_time;
    fmt::print("  connect   p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms; {:.0f} conn/s\n",
               ms(c.percentile(50)), ms(c.percentile(99)), ms(c.max()),
               r.connect_s > 0 ? r.connected / r.connect_s : 0.0);
}

void print_json(const BenchReport& r) {
    const auto& h = r.latency;
    const auto& c = r.connect_time;
    fmt::print(
        "{{\"mode\":\"{}\",\"connections\":{},\"connected\":{},\"failed\":{},\"qos\":{},\"size\":{}"
        ","
        "\"sent\":{},\"acked\":{},\"received\":{},\"elapsed_s\":{:.4f},\"msg_per_s\":{:.1f},"
        "\"mb_per_s\":{:.3f},\"lat_us\":{{\"count\":{},\"p50\":{:.2f},\"p90\":{:.2f},"
        "\"p99\":{:.2f},\"p999\":{:.2f},\"max\":{:.2f},\"mean\":{:.2f}}},\"streams\":{},"
        "\"out_of_order\":{},\"lost\":{},\"duplicates\":{},\"untracked\":{},"
        "\"connect_ms\":{{\"p50\":{:.3f},\"p99\":{:.3f},\"max\":{:.3f}}},\"conn_per_s\":{:.1f}}}\n",
        mode_name(r.mode), r.connections, r.connected, r.failed, r.qos, r.size, r.sent, r.acked,
        r.received, r.elapsed_s, r.msg_per_s, r.mb_per_s, h.count(), us(h.percentile(50)),
        us(h.percentile(90)), us(h.percentile(99)), us(h.percentile(99.9)), us(h.max()),
        h.mean() / 1e3, r.stream_count, r.streams.out_of_order, r.streams.lost,
        r.streams.duplicates, r.untracked, ms(c.percentile(50)), ms(c.percentile(99)), ms(c.max()),
        r.connect_s > 0 ? r.connected / r.connect_s : 0.0);
}

}  // namespace nmq::cli
