#include "broker/retained_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mqtt/topic.hpp"

namespace nmq::broker {
namespace {

MessagePtr retained(std::string topic, std::string payload = "p") {
    auto m = std::make_shared<Message>();
    m->topic = std::move(topic);
    m->payload = std::move(payload);
    m->retain = true;
    return m;
}

std::vector<std::string> topics_found(const RetainedStore& store, std::string_view filter) {
    std::vector<MessagePtr> out;
    store.find(filter, out);
    std::vector<std::string> topics;
    for (const auto& m : out)
        topics.push_back(m->topic);
    std::sort(topics.begin(), topics.end());
    return topics;
}

using Topics = std::vector<std::string>;

TEST(RetainedStore, StoresOneMessagePerTopic) {
    // [MQTT-3.3.1-5] a new retained message replaces the previous one.
    RetainedStore store;
    store.set(retained("a/b", "first"));
    store.set(retained("a/b", "second"));
    EXPECT_EQ(store.size(), 1u);
    std::vector<MessagePtr> out;
    store.find("a/b", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0]->payload, "second");
}

TEST(RetainedStore, EmptyPayloadRemovesTheRetainedMessage) {
    // [MQTT-3.3.1-10] [MQTT-3.3.1-11]
    RetainedStore store;
    store.set(retained("a/b"));
    store.set(retained("a/b/c"));
    store.set(retained("a/b", ""));
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(topics_found(store, "a/b"), Topics{});
    EXPECT_EQ(topics_found(store, "#"), Topics{"a/b/c"});
    store.set(retained("a/b/c", ""));
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(topics_found(store, "#"), Topics{});
}

TEST(RetainedStore, EmptyPayloadForUnknownTopicIsNotStored) {
    RetainedStore store;
    store.set(retained("x/y", ""));
    EXPECT_EQ(store.size(), 0u);
    store.set(retained("a", "p"));
    store.set(retained("a/b", ""));  // below an existing message; must not touch it
    store.set(retained("x", ""));
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(topics_found(store, "#"), Topics{"a"});
}

TEST(RetainedStore, RemovalPrunesSoTopicsCanBeStoredAgain) {
    RetainedStore store;
    store.set(retained("a/b/c/d"));
    store.set(retained("a/b/c/d", ""));
    EXPECT_EQ(topics_found(store, "a/#"), Topics{});
    EXPECT_EQ(topics_found(store, "+/+/+"), Topics{});
    store.set(retained("a/b"));
    EXPECT_EQ(topics_found(store, "a/#"), Topics{"a/b"});
}

TEST(RetainedStore, FindsByWildcardFilter) {
    RetainedStore store;
    for (const char* t :
         {"sport", "sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking",
          "sport/golf/player1", "news", "/", "/finance", "a//b"}) {
        store.set(retained(t));
    }
    // [MQTT-4.7.1-2] '#' includes the parent level.
    EXPECT_EQ(topics_found(store, "sport/tennis/player1/#"),
              (Topics{"sport/tennis/player1", "sport/tennis/player1/ranking"}));
    EXPECT_EQ(topics_found(store, "sport/#"),
              (Topics{"sport", "sport/golf/player1", "sport/tennis", "sport/tennis/player1",
                      "sport/tennis/player1/ranking"}));
    // [MQTT-4.7.1-3] '+' is exactly one level.
    EXPECT_EQ(topics_found(store, "sport/+"), Topics{"sport/tennis"});
    EXPECT_EQ(topics_found(store, "sport/+/player1"),
              (Topics{"sport/golf/player1", "sport/tennis/player1"}));
    EXPECT_EQ(topics_found(store, "+"), (Topics{"news", "sport"}));
    EXPECT_EQ(topics_found(store, "+/+"), (Topics{"/", "/finance", "sport/tennis"}));
    EXPECT_EQ(topics_found(store, "/+"), (Topics{"/", "/finance"}));
    EXPECT_EQ(topics_found(store, "a/+/b"), Topics{"a//b"});
    EXPECT_EQ(topics_found(store, "+/#").size(), 9u);
    EXPECT_EQ(topics_found(store, "#").size(), 9u);
    EXPECT_EQ(topics_found(store, "nothing/#"), Topics{});
    EXPECT_EQ(topics_found(store, "sport/tennis"), Topics{"sport/tennis"});
}

TEST(RetainedStore, LeadingWildcardSkipsDollarTopics) {
    // [MQTT-4.7.2-1]
    RetainedStore store;
    store.set(retained("$SYS/broker/version"));
    store.set(retained("$SYS"));
    store.set(retained("a/$b"));
    EXPECT_EQ(topics_found(store, "#"), Topics{"a/$b"});
    EXPECT_EQ(topics_found(store, "+/broker/version"), Topics{});
    EXPECT_EQ(topics_found(store, "+"), Topics{});
    EXPECT_EQ(topics_found(store, "$SYS/#"), (Topics{"$SYS", "$SYS/broker/version"}));
    EXPECT_EQ(topics_found(store, "$SYS/+/version"), Topics{"$SYS/broker/version"});
    EXPECT_EQ(topics_found(store, "a/+"), Topics{"a/$b"});  // only the first level is special
}

TEST(RetainedStore, DeepTopicsDoNotExhaustTheStack) {
    std::string deep;
    for (int i = 0; i < 32767; ++i)
        deep += "a/";
    deep += "a";
    RetainedStore store;
    store.set(retained(deep));
    EXPECT_EQ(topics_found(store, "#").size(), 1u);
    EXPECT_EQ(topics_found(store, deep).size(), 1u);
    std::string plus;
    for (int i = 0; i < 32767; ++i)
        plus += "+/";
    plus += "+";
    EXPECT_EQ(topics_found(store, plus).size(), 1u);
    store.set(retained(deep.substr(0, 101)));  // 51 levels, inside the chain
    store.set(retained(deep, ""));
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(topics_found(store, "#"), Topics{deep.substr(0, 101)});
    store.set(retained(deep));  // destroyed with the store, iteratively
}

TEST(RetainedStore, AgreesWithBruteForceTopicMatches) {
    std::mt19937 rng(7);
    const std::vector<std::string> words{"a", "b", "", "$SYS", "x"};
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    auto random_levels = [&](bool wildcards) {
        std::string s;
        const std::size_t levels = 1 + pick(4);
        for (std::size_t i = 0; i < levels; ++i) {
            if (i) s += '/';
            const auto r = pick(8);
            if (wildcards && r < 2) {
                s += '+';
            } else if (wildcards && r == 2 && i + 1 == levels) {
                s += '#';
            } else {
                s += words[pick(words.size())];
            }
        }
        return s.empty() ? std::string("a") : s;
    };
    RetainedStore store;
    std::set<std::string> stored;
    for (int i = 0; i < 400; ++i) {
        const auto topic = random_levels(false);
        if (pick(4) == 0) {
            store.set(retained(topic, ""));
            stored.erase(topic);
        } else {
            store.set(retained(topic));
            stored.insert(topic);
        }
    }
    ASSERT_EQ(store.size(), stored.size());
    for (int k = 0; k < 500; ++k) {
        const auto filter = random_levels(true);
        ASSERT_TRUE(mqtt::is_valid_topic_filter(filter)) << filter;
        Topics expected;
        for (const auto& t : stored) {
            if (mqtt::topic_matches(filter, t)) expected.push_back(t);
        }
        ASSERT_EQ(topics_found(store, filter), expected) << "filter '" << filter << "'";
    }
}

}  // namespace
}  // namespace nmq::broker
