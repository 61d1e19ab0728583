#pragma once
// Counters for the management API (req 2) and $SYS. Each worker has its own, written only by
// that worker with relaxed atomics; readers sum them.
#include <atomic>
#include <cstdint>

namespace nmq::broker {

struct alignas(64) WorkerCounters {
    std::atomic<std::uint64_t> message_in{0};    // PUBLISHes received, wills fired, bridge input
    std::atomic<std::uint64_t> message_out{0};   // deliveries sent: one per (message, client)
    std::atomic<std::uint64_t> message_drop{0};  // no subscriber, or a delivery given up

    void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

struct Stats {
    std::uint64_t message_in = 0;
    std::uint64_t message_out = 0;
    std::uint64_t message_drop = 0;
    std::uint64_t connections = 0;
    std::uint64_t subscribing_clients = 0;
    std::uint64_t sessions = 0;
};

}  // namespace nmq::broker
