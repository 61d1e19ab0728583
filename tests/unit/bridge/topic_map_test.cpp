// Topic remapping of bridged messages: NanoMQ's remote_topic/local_topic (kept, reflected to
// one topic, or rewritten level by level through wildcards), prefixes and suffixes, and
// mosquitto's `topic <pattern> <dir> <qos> <local-prefix> <remote-prefix>`.
#include "bridge/topic_map.hpp"

#include <gtest/gtest.h>

namespace nmq::bridge {
namespace {

TopicMap make(std::string_view filter, std::string_view target, std::string_view prefix = {},
              std::string_view suffix = {}) {
    std::string error;
    auto m = TopicMap::make(filter, target, prefix, suffix, &error);
    EXPECT_TRUE(m) << error;
    return *m;
}

TEST(TopicMap, EmptyTargetKeepsTheTopic) {
    auto m = make("sensors/#", "");
    EXPECT_TRUE(m.identity());
    EXPECT_EQ(m.map("sensors/a/b"), "sensors/a/b");
    EXPECT_EQ(m.map("other/a"), std::nullopt);
}

TEST(TopicMap, LiteralTargetReflectsEveryMatchingTopicToIt) {
    // NanoMQ's sample: local "topic1" -> remote "fwd/topic1".
    EXPECT_EQ(make("topic1", "fwd/topic1").map("topic1"), "fwd/topic1");
    auto all = make("sensors/#", "all");
    EXPECT_EQ(all.map("sensors/x/y"), "all");
    EXPECT_EQ(all.map("sensors"), "all");
}

TEST(TopicMap, PlusLevelsOfTheTargetTakeTheMatchedLevelsInOrder) {
    auto m = make("site/+/line/+/temp", "plant/+/+/t");
    EXPECT_EQ(m.map("site/7/line/3/temp"), "plant/7/3/t");
    auto first_only = make("a/+/b/+", "x/+");
    EXPECT_EQ(first_only.map("a/1/b/2"), "x/1");
    // An empty level is a level.
    EXPECT_EQ(make("a/+/c", "z/+/z").map("a//c"), "z//z");
}

TEST(TopicMap, HashTakesTheRemainingLevels) {
    auto m = make("site/+/sensors/#", "up/+/#");
    EXPECT_EQ(m.map("site/7/sensors/t/1"), "up/7/t/1");
    // '#' also matches its parent level [MQTT-4.7.1-2]: nothing is left to append.
    EXPECT_EQ(m.map("site/7/sensors"), "up/7");
    // ...which is not the same as one empty level.
    EXPECT_EQ(m.map("site/7/sensors/"), "up/7/");
    EXPECT_EQ(make("#", "edge1/#").map("a/b"), "edge1/a/b");
}

TEST(TopicMap, PrefixAndSuffixGoAroundTheResult) {
    EXPECT_EQ(make("a/#", "", "edge1/", "/raw").map("a/b"), "edge1/a/b/raw");
    EXPECT_EQ(make("a/#", "b/#", "x/").map("a/c"), "x/b/c");
    EXPECT_FALSE(TopicMap::make("a", "", "+/"));
    EXPECT_FALSE(TopicMap::make("a", "", "", "/#"));
}

TEST(TopicMap, MosquittoStylePrefixes) {
    // topic sensors/# out 1 local/ remote/
    auto m = TopicMap::from_prefixes("sensors/#", "local/", "remote/");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->map("local/sensors/t"), "remote/sensors/t");
    EXPECT_EQ(m->map("sensors/t"), std::nullopt);
    // The reverse rule, as a bridge's "in" direction uses it.
    auto in = TopicMap::from_prefixes("cmd/+", "remote/", "local/");
    ASSERT_TRUE(in);
    EXPECT_EQ(in->map("remote/cmd/reboot"), "local/cmd/reboot");
    // topic "" out 0 a/b c/d: the prefixes are whole topics.
    auto whole = TopicMap::from_prefixes("", "a/b", "c/d");
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->map("a/b"), "c/d");
    EXPECT_EQ(whole->map("a/b/c"), std::nullopt);
    // No remote prefix: the topic is kept.
    EXPECT_EQ(TopicMap::from_prefixes("x/#", "", "")->map("x/1"), "x/1");
}

TEST(TopicMap, SharedFiltersMapByTheirFilter) {
    auto m = make("$share/edges/cmd/+", "local/+");
    EXPECT_EQ(m.filter(), "$share/edges/cmd/+");
    EXPECT_EQ(m.match_filter(), "cmd/+");
    EXPECT_EQ(m.map("cmd/reboot"), "local/reboot");
}

TEST(TopicMap, LeadingWildcardsDoNotSelectDollarTopics) {
    // [MQTT-4.7.2-1]
    EXPECT_FALSE(make("#", "").matches("$SYS/brokers"));
    EXPECT_FALSE(make("+/x", "").matches("$x/x"));
    EXPECT_TRUE(make("$SYS/#", "").matches("$SYS/brokers"));
}

TEST(TopicMap, RejectsWhatCannotBeMapped) {
    std::string error;
    EXPECT_FALSE(TopicMap::make("a/+", "b/+/+", {}, {}, &error));
    EXPECT_EQ(error, "\"b/+/+\" uses wildcards that \"a/+\" does not have");
    EXPECT_FALSE(TopicMap::make("a/+", "b/#", {}, {}, &error));
    EXPECT_FALSE(TopicMap::make("a/#/b", "", {}, {}, &error));
    EXPECT_EQ(error, "\"a/#/b\" is not a valid topic filter");
    EXPECT_FALSE(TopicMap::make("a", "b+", {}, {}, &error));
    EXPECT_FALSE(TopicMap::make("a", "$share/g/b", {}, {}, &error));
}

TEST(TopicMap, CopiesKeepWorking) {
    std::vector<TopicMap> maps;
    for (int i = 0; i < 20; ++i)  // reallocation moves them
        maps.push_back(make("in/" + std::to_string(i) + "/+", "out/+/" + std::to_string(i)));
    EXPECT_EQ(maps[3].map("in/3/x"), "out/x/3");
    TopicMap copy = maps[7];
    maps.clear();
    EXPECT_EQ(copy.map("in/7/y"), "out/y/7");
}

TEST(TopicMap, FindMapTakesTheFirstMatchInConfigurationOrder) {
    std::vector<TopicMap> maps{make("a/b", "first"), make("a/#", "second")};
    EXPECT_EQ(find_map(maps, "a/b")->map("a/b"), "first");
    EXPECT_EQ(find_map(maps, "a/c")->map("a/c"), "second");
    EXPECT_EQ(find_map(maps, "b"), nullptr);
}

}  // namespace
}  // namespace nmq::bridge
