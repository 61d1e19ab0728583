#include "config/units.hpp"

#include <gtest/gtest.h>

namespace nmq::config {
namespace {

using std::chrono::milliseconds;

TEST(Units, SizesWithUnits) {
    EXPECT_EQ(parse_size("256MB"), 256u * 1024 * 1024);
    EXPECT_EQ(parse_size("10KB"), 10u * 1024);
    EXPECT_EQ(parse_size("1GB"), 1024u * 1024 * 1024);
    EXPECT_EQ(parse_size("10M"), 10u * 1024 * 1024);  // NanoMQ's docs write "10M"
    EXPECT_EQ(parse_size("1kb"), 1024u);
    EXPECT_EQ(parse_size("2KiB"), 2048u);
    EXPECT_EQ(parse_size("100B"), 100u);
    EXPECT_EQ(parse_size("1024"), 1024u);
    EXPECT_EQ(parse_size("1.5KB"), 1536u);
    EXPECT_EQ(parse_size("10 MB"), 10u * 1024 * 1024);
    EXPECT_EQ(parse_size("0"), 0u);
}

TEST(Units, BadSizes) {
    for (const char* bad : {"", "big", "MB", "10XB", "-1KB", "1.KB", "10 M B", "1e3", "0x10",
                            "99999999999999999999", "17179869184GB"}) {
        EXPECT_FALSE(parse_size(bad).has_value()) << bad;
    }
}

TEST(Units, DurationsWithUnits) {
    EXPECT_EQ(parse_duration("10s"), milliseconds(10'000));
    EXPECT_EQ(parse_duration("1m"), milliseconds(60'000));
    EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
    EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
    EXPECT_EQ(parse_duration("2d"), milliseconds(172'800'000));
    EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
    EXPECT_EQ(parse_duration("10 seconds"), milliseconds(10'000));
    EXPECT_EQ(parse_duration("2 minutes"), milliseconds(120'000));
    EXPECT_EQ(parse_duration("800ms"), milliseconds(800));  // NanoMQ read this as 800 minutes
    EXPECT_EQ(parse_duration("10S"), milliseconds(10'000));
}

TEST(Units, BareNumberDurationIsSeconds) {
    EXPECT_EQ(parse_duration("60"), milliseconds(60'000));
}

TEST(Units, BadDurations) {
    for (const char* bad : {"", "soon", "s", "10x", "-1s", "10 s s", "1.s", "99999999999999999d"}) {
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
    }
}

TEST(Units, HostPort) {
    EXPECT_EQ(parse_host_port("0.0.0.0:1883"), (HostPort{"0.0.0.0", 1883}));
    EXPECT_EQ(parse_host_port("localhost:8081"), (HostPort{"localhost", 8081}));
    EXPECT_EQ(parse_host_port("[::]:1883"), (HostPort{"::", 1883}));
    EXPECT_EQ(parse_host_port("[fe80::1%eth0]:1"), (HostPort{"fe80::1%eth0", 1}));
    EXPECT_EQ(parse_host_port("127.0.0.1:0"), (HostPort{"127.0.0.1", 0}));
}

TEST(Units, BadHostPort) {
    for (const char* bad :
         {"", "1883", ":1883", "host:", "host:65536", "host:-1", "host:18a3", "::1:1883",
          "[::1]1883", "[::1", "a b:1883", "0.0.0.0:8083/mqtt", "nmq-tcp://0.0.0.0:1883"}) {
        EXPECT_FALSE(parse_host_port(bad).has_value()) << bad;
    }
}

TEST(Units, FormatPicksTheLargestExactUnit) {
    EXPECT_EQ(format_size(256u * 1024 * 1024), "256MB");
    EXPECT_EQ(format_size(1024), "1KB");
    EXPECT_EQ(format_size(1536), "1536B");
    EXPECT_EQ(format_size(0), "0B");
    EXPECT_EQ(format_duration(milliseconds(10'000)), "10s");
    EXPECT_EQ(format_duration(milliseconds(90'000)), "90s");
    EXPECT_EQ(format_duration(milliseconds(120'000)), "2m");
    EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
    EXPECT_EQ(format_duration(milliseconds(0)), "0ms");
    EXPECT_EQ(format_duration(milliseconds(86'400'000)), "1d");
}

}  // namespace
}  // namespace nmq::config
