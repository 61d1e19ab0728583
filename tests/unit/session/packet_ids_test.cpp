#include "session/packet_ids.hpp"

#include <gtest/gtest.h>

#include <set>

using nmq::session::PacketIds;

TEST(PacketIds, NeverHandsOutZero_MQTT_2_2_1_3) {
    PacketIds ids;
    for (int i = 0; i < 70000; ++i) {
        auto id = ids.acquire();
        ASSERT_NE(id, 0);
        ids.release(id);
    }
}

TEST(PacketIds, NotReusedWhileInUse_MQTT_2_2_1_2) {
    PacketIds ids;
    std::set<std::uint16_t> seen;
    for (int i = 0; i < 65535; ++i)
        ASSERT_TRUE(seen.insert(ids.acquire()).second);
    EXPECT_EQ(ids.acquire(), 0);  // exhausted
    ids.release(42);
    EXPECT_EQ(ids.acquire(), 42);
}

TEST(PacketIds, ClaimRefusesAnIdInUse) {
    PacketIds ids;
    EXPECT_TRUE(ids.claim(7));
    EXPECT_FALSE(ids.claim(7));
    EXPECT_FALSE(ids.claim(0));
    ids.release(7);
    EXPECT_EQ(ids.in_use(), 0u);
}
