#include "broker/subscription_trie.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mqtt/topic.hpp"

namespace nmq::broker {
namespace {

Subscriber sub(SessionId session, mqtt::QoS qos = mqtt::QoS::kAtMostOnce,
               std::uint32_t subscription_id = 0) {
    Subscriber s;
    s.session = session;
    s.worker = static_cast<std::uint32_t>(session % 4);
    s.options.qos = qos;
    s.subscription_id = subscription_id;
    return s;
}

std::vector<SessionId> sessions_matching(const SubscriptionTrie& trie, std::string_view topic) {
    std::vector<Subscriber> out;
    trie.match(topic, out);
    std::vector<SessionId> ids;
    for (const auto& s : out)
        ids.push_back(s.session);
    std::sort(ids.begin(), ids.end());
    return ids;
}

using Ids = std::vector<SessionId>;

// One row of walk(), flattened for comparison.
struct Row {
    std::size_t level;
    std::string segment;
    std::size_t children;
    Ids sessions;
    bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
    os << "{" << r.level << ",'" << r.segment << "'," << r.children << ",[";
    for (auto id : r.sessions)
        os << id << " ";
    return os << "]}";
}

std::vector<Row> walk_rows(const SubscriptionTrie& trie) {
    std::vector<Row> rows;
    trie.walk([&](const SubscriptionTrie::NodeView& v) {
        Ids ids = v.sessions;
        std::sort(ids.begin(), ids.end());
        rows.push_back({v.level, std::string(v.segment), v.children, ids});
    });
    return rows;
}

// ---- Matching rules of section 4.7 ----

TEST(SubscriptionTrie, EmptyTrieMatchesNothing) {
    SubscriptionTrie trie;
    EXPECT_EQ(sessions_matching(trie, "a/b"), Ids{});
    EXPECT_EQ(trie.size(), 0u);
}

TEST(SubscriptionTrie, LiteralFilterMatchesOnlyItsTopic) {
    SubscriptionTrie trie;
    trie.subscribe("sport/tennis", sub(1));
    EXPECT_EQ(sessions_matching(trie, "sport/tennis"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "sport"), Ids{});
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player1"), Ids{});
    EXPECT_EQ(sessions_matching(trie, "sport/Tennis"), Ids{});
}

TEST(SubscriptionTrie, HashMatchesParentAndAllDescendants) {
    // [MQTT-4.7.1-2] "sport/tennis/player1/#" matches "sport/tennis/player1" too.
    SubscriptionTrie trie;
    trie.subscribe("sport/tennis/player1/#", sub(1));
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player1"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player1/ranking"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player1/score/wimbledon"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "sport/tennis"), Ids{});
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player2"), Ids{});
}

TEST(SubscriptionTrie, HashAloneMatchesEveryNonDollarTopic) {
    SubscriptionTrie trie;
    trie.subscribe("#", sub(1));
    EXPECT_EQ(sessions_matching(trie, "a"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "/"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "a/b/c/d"), Ids{1});
}

TEST(SubscriptionTrie, PlusMatchesExactlyOneLevel) {
    // [MQTT-4.7.1-3] the spec's examples.
    SubscriptionTrie trie;
    trie.subscribe("sport/tennis/+", sub(1));
    trie.subscribe("sport/+", sub(2));
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player1"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player2"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player1/ranking"), Ids{});
    EXPECT_EQ(sessions_matching(trie, "sport"), Ids{});  // "sport/+" needs a second level
    EXPECT_EQ(sessions_matching(trie, "sport/"), Ids{2});
}

TEST(SubscriptionTrie, PlusMatchesEmptyLevels) {
    // "+/+" and "/+" match "/finance"; "+" does not.
    SubscriptionTrie trie;
    trie.subscribe("+/+", sub(1));
    trie.subscribe("/+", sub(2));
    trie.subscribe("+", sub(3));
    EXPECT_EQ(sessions_matching(trie, "/finance"), (Ids{1, 2}));
    EXPECT_EQ(sessions_matching(trie, "/"), (Ids{1, 2}));
    EXPECT_EQ(sessions_matching(trie, "finance"), Ids{3});
}

TEST(SubscriptionTrie, EmptyLevelsAreRealLevels) {
    SubscriptionTrie trie;
    trie.subscribe("a//b", sub(1));
    trie.subscribe("/a", sub(2));
    trie.subscribe("a/b", sub(3));
    trie.subscribe("a/", sub(4));
    EXPECT_EQ(sessions_matching(trie, "a//b"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "/a"), Ids{2});
    EXPECT_EQ(sessions_matching(trie, "a"), Ids{});
    EXPECT_EQ(sessions_matching(trie, "a/b"), Ids{3});
    EXPECT_EQ(sessions_matching(trie, "a/"), Ids{4});
}

TEST(SubscriptionTrie, MixedWildcards) {
    SubscriptionTrie trie;
    trie.subscribe("+/tennis/#", sub(1));
    trie.subscribe("sport/+/player1", sub(2));
    trie.subscribe("+/+/+", sub(3));
    EXPECT_EQ(sessions_matching(trie, "sport/tennis/player1"), (Ids{1, 2, 3}));
    EXPECT_EQ(sessions_matching(trie, "sport/tennis"), Ids{1});
    EXPECT_EQ(sessions_matching(trie, "sport/golf/player1"), (Ids{2, 3}));
}

TEST(SubscriptionTrie, PlusDoesNotMatchDollarTopics) {
    // [MQTT-4.7.2-1]
    SubscriptionTrie trie;
    trie.subscribe("+/monitor/Clients", sub(1));
    trie.subscribe("+", sub(2));
    EXPECT_EQ(sessions_matching(trie, "$SYS/monitor/Clients"), Ids{});
    EXPECT_EQ(sessions_matching(trie, "$SYS"), Ids{});
    EXPECT_EQ(sessions_matching(trie, "SYS/monitor/Clients"), Ids{1});
}

TEST(SubscriptionTrie, HashDoesNotMatchDollarTopics) {
    // [MQTT-4.7.2-1] "#" does not receive $SYS messages.
    SubscriptionTrie trie;
    trie.subscribe("#", sub(1));
    trie.subscribe("+/#", sub(2));
    EXPECT_EQ(sessions_matching(trie, "$SYS/broker/uptime"), Ids{});
    EXPECT_EQ(sessions_matching(trie, "$"), Ids{});
}

TEST(SubscriptionTrie, DollarFiltersMatchDollarTopics) {
    SubscriptionTrie trie;
    trie.subscribe("$SYS/#", sub(1));
    trie.subscribe("$SYS/monitor/+", sub(2));
    trie.subscribe("#", sub(3));
    EXPECT_EQ(sessions_matching(trie, "$SYS/monitor/Clients"), (Ids{1, 2}));
    EXPECT_EQ(sessions_matching(trie, "$SYS"), Ids{1});
}

TEST(SubscriptionTrie, DollarRuleOnlyAppliesToTheFirstLevel) {
    SubscriptionTrie trie;
    trie.subscribe("a/+", sub(1));
    trie.subscribe("a/#", sub(2));
    EXPECT_EQ(sessions_matching(trie, "a/$b"), (Ids{1, 2}));
}

// ---- Overlaps, options and replacement ----

TEST(SubscriptionTrie, SessionWithTwoMatchingFiltersAppearsTwice) {
    SubscriptionTrie trie;
    trie.subscribe("a/+", sub(7, mqtt::QoS::kAtMostOnce, 1));
    trie.subscribe("a/#", sub(7, mqtt::QoS::kExactlyOnce, 2));
    std::vector<Subscriber> out;
    trie.match("a/b", out);
    ASSERT_EQ(out.size(), 2u);
    std::sort(out.begin(), out.end(),
              [](const auto& x, const auto& y) { return x.subscription_id < y.subscription_id; });
    EXPECT_EQ(out[0], sub(7, mqtt::QoS::kAtMostOnce, 1));
    EXPECT_EQ(out[1], sub(7, mqtt::QoS::kExactlyOnce, 2));
    EXPECT_EQ(trie.size(), 2u);
}

TEST(SubscriptionTrie, MatchAppendsWithoutClearing) {
    SubscriptionTrie trie;
    trie.subscribe("a", sub(1));
    std::vector<Subscriber> out{sub(99)};
    trie.match("a", out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].session, 99u);
    EXPECT_EQ(out[1].session, 1u);
}

TEST(SubscriptionTrie, ResubscribeReplacesOptions) {
    // [MQTT-3.8.4-3] a new subscription on an existing filter replaces it.
    SubscriptionTrie trie;
    EXPECT_FALSE(trie.subscribe("a/b", sub(1, mqtt::QoS::kAtMostOnce)));
    EXPECT_TRUE(trie.subscribe("a/b", sub(1, mqtt::QoS::kExactlyOnce, 5)));
    EXPECT_EQ(trie.size(), 1u);
    std::vector<Subscriber> out;
    trie.match("a/b", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], sub(1, mqtt::QoS::kExactlyOnce, 5));
}

TEST(SubscriptionTrie, DifferentSessionsOnOneFilterAreKeptApart) {
    SubscriptionTrie trie;
    EXPECT_FALSE(trie.subscribe("a/b", sub(1)));
    EXPECT_FALSE(trie.subscribe("a/b", sub(2)));
    EXPECT_EQ(trie.size(), 2u);
    EXPECT_EQ(sessions_matching(trie, "a/b"), (Ids{1, 2}));
}

// ---- Unsubscribe and pruning ----

TEST(SubscriptionTrie, UnsubscribeRemovesOnlyThatSession) {
    SubscriptionTrie trie;
    trie.subscribe("a/b", sub(1));
    trie.subscribe("a/b", sub(2));
    EXPECT_TRUE(trie.unsubscribe("a/b", 1));
    EXPECT_EQ(sessions_matching(trie, "a/b"), Ids{2});
    EXPECT_EQ(trie.size(), 1u);
}

TEST(SubscriptionTrie, UnsubscribeUnknownReturnsFalse) {
    SubscriptionTrie trie;
    trie.subscribe("a/b", sub(1));
    EXPECT_FALSE(trie.unsubscribe("a/b", 2));
    EXPECT_FALSE(trie.unsubscribe("a/c", 1));
    EXPECT_FALSE(trie.unsubscribe("a", 1));  // an inner node without subscribers
    EXPECT_FALSE(trie.unsubscribe("a/b/c", 1));
    EXPECT_FALSE(trie.unsubscribe("$share/g/a/b", 1));  // shared and plain are apart
    EXPECT_EQ(trie.size(), 1u);
    EXPECT_TRUE(trie.unsubscribe("a/b", 1));
    EXPECT_FALSE(trie.unsubscribe("a/b", 1));
}

TEST(SubscriptionTrie, UnsubscribePrunesEmptyNodes) {
    SubscriptionTrie trie;
    trie.subscribe("a/b/c/d", sub(1));
    trie.subscribe("a/+/#", sub(2));
    trie.subscribe("a", sub(3));
    ASSERT_TRUE(trie.unsubscribe("a/b/c/d", 1));
    ASSERT_TRUE(trie.unsubscribe("a/+/#", 2));
    EXPECT_EQ(trie.size(), 1u);
    // Only the root and "a" (still subscribed) remain.
    EXPECT_EQ(walk_rows(trie), (std::vector<Row>{{0, "", 1, {}}, {1, "a", 0, {3}}}));
    ASSERT_TRUE(trie.unsubscribe("a", 3));
    EXPECT_EQ(walk_rows(trie), (std::vector<Row>{{0, "", 0, {}}}));
    EXPECT_EQ(trie.size(), 0u);
    EXPECT_EQ(sessions_matching(trie, "a"), Ids{});
}

TEST(SubscriptionTrie, PruningKeepsNodesOthersStillNeed) {
    SubscriptionTrie trie;
    trie.subscribe("a/b", sub(1));
    trie.subscribe("a/b/c", sub(2));
    ASSERT_TRUE(trie.unsubscribe("a/b", 1));
    EXPECT_EQ(sessions_matching(trie, "a/b/c"), Ids{2});
    EXPECT_EQ(
        walk_rows(trie),
        (std::vector<Row>{{0, "", 1, {}}, {1, "a", 1, {}}, {2, "b", 1, {}}, {3, "c", 0, {2}}}));
    // Subscribing again after a prune rebuilds the path.
    trie.subscribe("a/b", sub(1));
    EXPECT_EQ(sessions_matching(trie, "a/b"), Ids{1});
}

// ---- Shared subscriptions ----

TEST(SubscriptionTrie, SharedGroupDeliversToOneMember) {
    // [MQTT-4.8.2] each message goes to one session of the group.
    SubscriptionTrie trie;
    trie.subscribe("$share/g/a/+", sub(1));
    trie.subscribe("$share/g/a/+", sub(2));
    trie.subscribe("$share/g/a/+", sub(3));
    EXPECT_EQ(trie.size(), 3u);
    std::vector<Subscriber> out;
    trie.match("a/x", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_GE(out[0].session, 1u);
    EXPECT_LE(out[0].session, 3u);
    EXPECT_EQ(sessions_matching(trie, "b/x"), Ids{});
}

TEST(SubscriptionTrie, SharedGroupRoundRobinSpreadsEvenly) {
    SubscriptionTrie trie;
    for (SessionId s = 1; s <= 4; ++s)
        trie.subscribe("$share/workers/jobs/#", sub(s));
    std::map<SessionId, int> counts;
    for (int i = 0; i < 400; ++i) {
        std::vector<Subscriber> out;
        trie.match("jobs/42", out);
        ASSERT_EQ(out.size(), 1u);
        ++counts[out[0].session];
    }
    EXPECT_EQ(counts, (std::map<SessionId, int>{{1, 100}, {2, 100}, {3, 100}, {4, 100}}));
}

TEST(SubscriptionTrie, ConcurrentMatchesStillSpreadEvenly) {
    // match() runs under a shared lock on several workers; the round-robin ticket is atomic,
    // so two threads together still hand out exactly one ticket per message.
    SubscriptionTrie trie;
    trie.subscribe("$share/g/t", sub(1));
    trie.subscribe("$share/g/t", sub(2));
    std::array<std::map<SessionId, int>, 2> counts;
    auto run = [&](std::map<SessionId, int>& c) {
        std::vector<Subscriber> out;
        for (int i = 0; i < 1000; ++i) {
            out.clear();
            trie.match("t", out);
            for (const auto& s : out)
                ++c[s.session];
        }
    };
    std::thread a(run, std::ref(counts[0]));
    std::thread b(run, std::ref(counts[1]));
    a.join();
    b.join();
    EXPECT_EQ(counts[0][1] + counts[1][1], 1000);
    EXPECT_EQ(counts[0][2] + counts[1][2], 1000);
}

TEST(SubscriptionTrie, EachSharedGroupGetsOneCopy) {
    SubscriptionTrie trie;
    trie.subscribe("$share/g1/t", sub(1));
    trie.subscribe("$share/g1/t", sub(2));
    trie.subscribe("$share/g2/t", sub(3));
    trie.subscribe("$share/g2/t", sub(4));
    trie.subscribe("t", sub(5));
    for (int i = 0; i < 8; ++i) {
        auto ids = sessions_matching(trie, "t");
        ASSERT_EQ(ids.size(), 3u);
        EXPECT_TRUE(ids[0] == 1 || ids[0] == 2);
        EXPECT_TRUE(ids[1] == 3 || ids[1] == 4);
        EXPECT_EQ(ids[2], 5u);
    }
}

TEST(SubscriptionTrie, SameGroupOnTwoMatchingFiltersGivesOneEach) {
    SubscriptionTrie trie;
    trie.subscribe("$share/g/a/+", sub(1));
    trie.subscribe("$share/g/a/#", sub(2));
    EXPECT_EQ(sessions_matching(trie, "a/b"), (Ids{1, 2}));
}

TEST(SubscriptionTrie, QueuePrefixIsASharedGroup) {
    SubscriptionTrie trie;
    trie.subscribe("$queue/q", sub(1));
    trie.subscribe("$queue/q", sub(2));
    std::vector<Subscriber> out;
    trie.match("q", out);
    EXPECT_EQ(out.size(), 1u);
    // "$queue" and "$share/$queue" name the same group on the same filter.
    EXPECT_TRUE(trie.unsubscribe("$share/$queue/q", 1));
}

TEST(SubscriptionTrie, SharedMemberResubscribeReplacesOptions) {
    SubscriptionTrie trie;
    EXPECT_FALSE(trie.subscribe("$share/g/t", sub(1, mqtt::QoS::kAtMostOnce)));
    EXPECT_TRUE(trie.subscribe("$share/g/t", sub(1, mqtt::QoS::kAtLeastOnce)));
    EXPECT_FALSE(trie.subscribe("$share/h/t", sub(1)));  // another group is another subscription
    EXPECT_FALSE(trie.subscribe("t", sub(1)));           // and so is the plain filter
    EXPECT_EQ(trie.size(), 3u);
    std::vector<Subscriber> out;
    trie.match("t", out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(std::count(out.begin(), out.end(), sub(1, mqtt::QoS::kAtLeastOnce)), 1);
}

TEST(SubscriptionTrie, UnsubscribedSharedMemberNoLongerReceives) {
    SubscriptionTrie trie;
    trie.subscribe("$share/g/t", sub(1));
    trie.subscribe("$share/g/t", sub(2));
    ASSERT_TRUE(trie.unsubscribe("$share/g/t", 1));
    EXPECT_FALSE(trie.unsubscribe("$share/g/t", 1));
    EXPECT_EQ(trie.size(), 1u);
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(sessions_matching(trie, "t"), Ids{2});
    ASSERT_TRUE(trie.unsubscribe("$share/g/t", 2));
    EXPECT_EQ(sessions_matching(trie, "t"), Ids{});
    EXPECT_EQ(walk_rows(trie), (std::vector<Row>{{0, "", 0, {}}}));
}

TEST(SubscriptionTrie, SharedDollarFilterFollowsDollarRule) {
    SubscriptionTrie trie;
    trie.subscribe("$share/g/#", sub(1));
    trie.subscribe("$share/g/$SYS/#", sub(2));
    EXPECT_EQ(sessions_matching(trie, "$SYS/x"), Ids{2});
    EXPECT_EQ(sessions_matching(trie, "x"), Ids{1});
}

// ---- walk() for the HTTP API's topic tree (req 13) ----

TEST(SubscriptionTrie, WalkOfEmptyTrieIsTheRootAlone) {
    SubscriptionTrie trie;
    EXPECT_EQ(walk_rows(trie), (std::vector<Row>{{0, "", 0, {}}}));
}

TEST(SubscriptionTrie, WalkIsBreadthFirstWithSortedSiblings) {
    SubscriptionTrie trie;
    trie.subscribe("b/y", sub(1));
    trie.subscribe("a/#", sub(2));
    trie.subscribe("b/+", sub(3));
    trie.subscribe("a/z", sub(4));
    trie.subscribe("b/x", sub(5));
    trie.subscribe("a", sub(6));
    trie.subscribe("$share/g/b/x", sub(7));  // shown under "b/x" without the prefix
    EXPECT_EQ(walk_rows(trie), (std::vector<Row>{
                                   {0, "", 2, {}},
                                   {1, "a", 2, {6}},
                                   {1, "b", 3, {}},
                                   // a's children, then b's; '#' < '+' < letters by byte
                                   {2, "#", 0, {2}},
                                   {2, "z", 0, {4}},
                                   {2, "+", 0, {3}},
                                   {2, "x", 0, {5, 7}},
                                   {2, "y", 0, {1}},
                               }));
}

TEST(SubscriptionTrie, WalkShowsEmptySegments) {
    SubscriptionTrie trie;
    trie.subscribe("/a", sub(1));
    EXPECT_EQ(walk_rows(trie),
              (std::vector<Row>{{0, "", 1, {}}, {1, "", 1, {}}, {2, "a", 0, {1}}}));
}

// ---- Deep topics (32768 levels is the most a 65535-byte topic can have) ----

TEST(SubscriptionTrie, DeepFiltersAndTopicsDoNotExhaustTheStack) {
    std::string deep;
    for (int i = 0; i < 32767; ++i)
        deep += "a/";
    deep += "a";  // 32768 levels, 65535 bytes
    ASSERT_EQ(deep.size(), 65535u);
    std::string deep_plus;
    for (int i = 0; i < 32767; ++i)
        deep_plus += "+/";
    deep_plus += "#";

    SubscriptionTrie trie;
    trie.subscribe(deep, sub(1));
    trie.subscribe(deep_plus, sub(2));
    trie.subscribe("a/#", sub(3));
    EXPECT_EQ(sessions_matching(trie, deep), (Ids{1, 2, 3}));
    // 32767 levels: the "+" chain consumes them all and "#" matches its parent level.
    EXPECT_EQ(sessions_matching(trie, deep.substr(0, deep.size() - 2)), (Ids{2, 3}));

    std::size_t nodes = 0;
    trie.walk([&](const SubscriptionTrie::NodeView&) { ++nodes; });
    // The root, the "a" chain, the '#' under the first "a", the "+" chain and its '#'.
    EXPECT_EQ(nodes, 1u + 32768u + 1u + 32768u);

    EXPECT_TRUE(trie.unsubscribe(deep, 1));
    EXPECT_EQ(sessions_matching(trie, deep), (Ids{2, 3}));
    // Destroying the trie with the deep "+/+/..." chain left in it must not recurse.
}

// ---- Randomised: the trie agrees with topic_matches ----

TEST(SubscriptionTrie, AgreesWithBruteForceTopicMatches) {
    std::mt19937 rng(20240611);
    const std::vector<std::string> words{"a", "b", "c", "", "$SYS", "$x", "sport"};
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };

    auto random_topic = [&] {
        std::string t;
        const std::size_t levels = 1 + pick(5);
        for (std::size_t i = 0; i < levels; ++i) {
            if (i) t += '/';
            t += words[pick(words.size())];
        }
        return t.empty() ? std::string("a") : t;
    };
    auto random_filter = [&] {
        std::string f;
        const std::size_t levels = 1 + pick(5);
        for (std::size_t i = 0; i < levels; ++i) {
            if (i) f += '/';
            const auto r = pick(10);
            if (r < 3) {
                f += '+';
            } else if (r == 3 && i + 1 == levels) {
                f += '#';
            } else {
                f += words[pick(words.size())];
            }
        }
        return f.empty() ? std::string("+") : f;
    };

    for (int round = 0; round < 20; ++round) {
        SubscriptionTrie trie;
        std::vector<std::pair<std::string, SessionId>> subs;
        for (SessionId s = 1; s <= 300; ++s) {
            auto f = random_filter();
            ASSERT_TRUE(mqtt::is_valid_topic_filter(f)) << f;
            trie.subscribe(f, sub(s));
            subs.emplace_back(f, s);
        }
        // Unsubscribe a third to exercise pruning.
        for (std::size_t i = 0; i < subs.size(); i += 3) {
            ASSERT_TRUE(trie.unsubscribe(subs[i].first, subs[i].second));
            subs[i].second = 0;
        }
        for (int k = 0; k < 200; ++k) {
            const auto topic = random_topic();
            Ids expected;
            for (const auto& [f, s] : subs) {
                if (s != 0 && mqtt::topic_matches(f, topic)) expected.push_back(s);
            }
            std::sort(expected.begin(), expected.end());
            ASSERT_EQ(sessions_matching(trie, topic), expected) << "topic '" << topic << "'";
        }
    }
}

}  // namespace
}  // namespace nmq::broker
