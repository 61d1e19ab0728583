#pragma once
// The value syntaxes of NanoMQ's configuration that are more than a number or a string:
// sizes ("256MB"), durations ("10s") and listener addresses ("0.0.0.0:1883").
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nmq::config {

// "1024", "10KB", "256MB", "1GB", "1.5MB": units B, K/KB/KiB, M/MB/MiB, G/GB/GiB in any case,
// all 1024-based as in NanoMQ. Optional space between number and unit. nullopt if malformed
// or above 2^64-1 bytes.
std::optional<std::uint64_t> parse_size(std::string_view text);

// "500ms", "10s", "1m", "1h", "2d" (also "1.5s", "10 seconds", "2 minutes"). A bare number is
// seconds, as NanoMQ's docs write `retry_interval (s)`. nullopt if malformed or negative.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

struct HostPort {
    std::string host;  // IPv6 without brackets: "::"
    std::uint16_t port = 0;
    bool operator==(const HostPort&) const = default;
};

// "0.0.0.0:1883", "localhost:1883", "[::]:1883". Port 0 (any free port) is allowed.
std::optional<HostPort> parse_host_port(std::string_view text);

// The shortest exact spelling: 268435456 -> "256MB", 1536 -> "1536B"... 10000ms -> "10s".
std::string format_size(std::uint64_t bytes);
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace nmq::config
