#pragma once
// What a bench run measured, and how it is printed: a human-readable block, or one JSON line
// for scripts (bench/run.py).
#include <cstdint>
#include <string>

#include "cli/latency_histogram.hpp"
#include "cli/options.hpp"
#include "cli/stream_tracker.hpp"

namespace nmq::cli {

struct BenchReport {
    BenchMode mode = BenchMode::kPub;
    std::uint32_t connections = 0;
    std::uint32_t connected = 0;
    std::uint32_t failed = 0;
    int qos = 0;
    std::uint32_t size = 0;
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t received = 0;
    double elapsed_s = 0;  // the window the rate is computed over
    double msg_per_s = 0;
    double mb_per_s = 0;  // payload bytes
    LatencyHistogram latency;
    LatencyHistogram connect_time;
    double connect_s = 0;  // from the first connect to the last CONNACK
    StreamCounts streams;
    std::uint64_t stream_count = 0;
    std::uint64_t untracked = 0;
};

void print_human(const BenchReport& r);
void print_json(const BenchReport& r);

}  // namespace nmq::cli
