#include "session/topic_alias.hpp"

#include <gtest/gtest.h>

using namespace nmq;
using nmq::session::InboundAliases;
using nmq::session::OutboundAliases;

TEST(InboundAliases, ZeroIsInvalid_MQTT_3_3_2_8) {
    InboundAliases a(10);
    auto r = a.resolve(0, "t");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ReasonCode::kTopicAliasInvalid);
}

TEST(InboundAliases, AboveMaximumIsInvalid_MQTT_3_3_2_9) {
    InboundAliases a(10);
    EXPECT_EQ(a.resolve(11, "t").error().code, ReasonCode::kTopicAliasInvalid);
    InboundAliases none(0);
    EXPECT_EQ(none.resolve(1, "t").error().code, ReasonCode::kTopicAliasInvalid);
}

TEST(InboundAliases, TopicBindsThenAliasAloneResolves_MQTT_3_3_2_12) {
    InboundAliases a(10);
    ASSERT_TRUE(a.resolve(3, "a/b").ok());
    auto r = a.resolve(3, "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), "a/b");
    ASSERT_TRUE(a.resolve(3, "c").ok());  // rebinding is allowed
    EXPECT_EQ(a.resolve(3, "").value(), "c");
}

TEST(InboundAliases, UnknownAliasAloneIsAProtocolError) {
    InboundAliases a(10);
    EXPECT_EQ(a.resolve(2, "").error().code, ReasonCode::kProtocolError);
}

TEST(OutboundAliases, AssignsUpToTheClientsMaximumThenSendsTopics_MQTT_3_3_2_10) {
    OutboundAliases a(2);
    auto x = a.choose("x");
    EXPECT_EQ(x.alias, 1);
    EXPECT_TRUE(x.send_topic);
    auto x2 = a.choose("x");
    EXPECT_EQ(x2.alias, 1);
    EXPECT_FALSE(x2.send_topic);
    EXPECT_EQ(a.choose("y").alias, 2);
    auto z = a.choose("z");
    EXPECT_EQ(z.alias, 0);
    EXPECT_TRUE(z.send_topic);
}

TEST(OutboundAliases, NoneWhenTheClientAllowsNone) {
    OutboundAliases a(0);
    EXPECT_EQ(a.choose("x").alias, 0);
}
