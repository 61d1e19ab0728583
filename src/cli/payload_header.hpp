#pragma once
// The header every bench payload starts with: which publisher sent it, its place in that
// publisher's stream, and when it was written. `bench sub` uses it to check order, count losses
// and duplicates, and measure latency. Both ends run on the same host, so the steady clock
// (CLOCK_MONOTONIC, system-wide on Linux) is shared and host byte order is used.
#include <chrono>
#include <cstdint>
#include <cstring>

namespace nmq::cli {

inline constexpr std::size_t kPayloadHeaderSize = 20;

struct PayloadHeader {
    std::uint32_t publisher = 0;
    std::uint64_t seq = 0;
    std::uint64_t sent_ns = 0;
};

inline void write_payload_header(char* p, const PayloadHeader& h) noexcept {
    std::memcpy(p, &h.publisher, 4);
    std::memcpy(p + 4, &h.seq, 8);
    std::memcpy(p + 12, &h.sent_ns, 8);
}

inline PayloadHeader read_payload_header(const char* p) noexcept {
    PayloadHeader h;
    std::memcpy(&h.publisher, p, 4);
    std::memcpy(&h.seq, p + 4, 8);
    std::memcpy(&h.sent_ns, p + 12, 8);
    return h;
}

inline std::uint64_t now_ns() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace nmq::cli
