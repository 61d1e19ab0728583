#include "mqtt/topic.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nmq::mqtt {
namespace {

using namespace std::string_literals;

// ---- UTF-8 [MQTT-1.5.4-1] [MQTT-1.5.4-2] ----

TEST(Utf8, AcceptsAsciiOfEveryLength) {
    // Exercises the 8-byte fast path, its tail, and every alignment of a multi-byte char.
    std::string s;
    for (int i = 0; i < 40; ++i) {
        EXPECT_TRUE(is_valid_utf8(s)) << s.size();
        s.push_back(static_cast<char>('a' + i % 26));
    }
    for (std::size_t at = 0; at < 20; ++at) {
        std::string t(20, 'x');
        t.insert(at, "\xC3\xA9");
        EXPECT_TRUE(is_valid_utf8(t)) << at;
    }
}

TEST(Utf8, AcceptsEachEncodingLengthAtItsBoundaries) {
    EXPECT_TRUE(is_valid_utf8("\x01"));              // U+0001
    EXPECT_TRUE(is_valid_utf8("\x7F"));              // U+007F
    EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080
    EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));          // U+07FF
    EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));      // U+0800
    EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
    EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    EXPECT_TRUE(is_valid_utf8("sport/\xE6\x97\xA5/\xF0\x9F\x98\x80"));
    // [MQTT-1.5.4-3] a BOM is a character like any other and must not be stripped.
    EXPECT_TRUE(
        is_valid_utf8("\xEF\xBB\xBF"
                      "a"));
}

TEST(Utf8, RejectsNullCharacter) {
    // [MQTT-1.5.4-2] U+0000 anywhere, including inside an 8-byte ASCII block.
    EXPECT_FALSE(is_valid_utf8("\0"s));
    EXPECT_FALSE(is_valid_utf8("abc\0def"s));
    EXPECT_FALSE(is_valid_utf8("abcdefg\0"s));
    EXPECT_FALSE(is_valid_utf8("abcdefgh\0"s));
    EXPECT_FALSE(is_valid_utf8("abcdefghijklmno\0pq"s));
    EXPECT_FALSE(is_valid_utf8("\xC0\x80"));  // the "modified UTF-8" NUL is overlong
}

TEST(Utf8, RejectsSurrogates) {
    // [MQTT-1.5.4-1] U+D800..U+DFFF.
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));                      // U+D800
    EXPECT_FALSE(is_valid_utf8("\xED\xAF\xBF"));                      // U+DBFF
    EXPECT_FALSE(is_valid_utf8("\xED\xB0\x80"));                      // U+DC00
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));                      // U+DFFF
    EXPECT_FALSE(is_valid_utf8("abcdefgh\xED\xA0\x80\xED\xB0\x80"));  // a CESU-8 pair
}

TEST(Utf8, RejectsOverlongEncodings) {
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));  // '/' in two bytes
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in three bytes
    EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(Utf8, RejectsCodePointsAboveMaximum) {
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));  // old 5-byte form
    EXPECT_FALSE(is_valid_utf8("\xFE"));
    EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, RejectsTruncatedAndMalformedSequences) {
    EXPECT_FALSE(is_valid_utf8("\xC3"));
    EXPECT_FALSE(is_valid_utf8("\xE6\x97"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
    EXPECT_FALSE(is_valid_utf8("abcdefgh\xF0\x9F\x98"));  // truncated after the fast path
    EXPECT_FALSE(is_valid_utf8("\x80"));                  // lone continuation byte
    EXPECT_FALSE(
        is_valid_utf8("a\xBF"
                      "b"));
    EXPECT_FALSE(
        is_valid_utf8("\xC3"
                      "a"));  // lead byte then ASCII
    EXPECT_FALSE(
        is_valid_utf8("\xE6\x97"
                      "a"));
    EXPECT_FALSE(
        is_valid_utf8("\xF0\x9F\x98"
                      "a"));
    EXPECT_FALSE(is_valid_utf8("\xC3\xA9\xA9"));  // one continuation too many
}

TEST(Utf8, AgreesWithAReferenceDecoderOnEveryTwoAndThreeByteSequence) {
    // A slow, obviously correct decoder: decode, then require the shortest form.
    auto reference = [](const std::string& s) {
        std::size_t i = 0;
        while (i < s.size()) {
            auto c = static_cast<unsigned char>(s[i]);
            std::size_t len = c < 0x80         ? 1
                              : (c >> 5) == 6  ? 2
                              : (c >> 4) == 14 ? 3
                              : (c >> 3) == 30 ? 4
                                               : 0;
            if (len == 0 || i + len > s.size()) return false;
            std::uint32_t cp = len == 1 ? c : c & (0x7F >> len);
            for (std::size_t k = 1; k < len; ++k) {
                auto cc = static_cast<unsigned char>(s[i + k]);
                if ((cc & 0xC0) != 0x80) return false;
                cp = (cp << 6) | (cc & 0x3F);
            }
            const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
            if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0) {
                return false;
            }
            i += len;
        }
        return true;
    };
    std::string s(3, '\0');
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            s.assign({static_cast<char>(a), static_cast<char>(b)});
            ASSERT_EQ(is_valid_utf8(s), reference(s)) << a << " " << b;
            if (a >= 0xE0 && a <= 0xF4) {
                for (int c = 0x70; c < 0xC8; ++c) {
                    s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
                    ASSERT_EQ(is_valid_utf8(s), reference(s)) << a << " " << b << " " << c;
                }
            }
        }
    }
}

// ---- Topic names ----

TEST(TopicName, RequiresAtLeastOneCharacter) {
    EXPECT_FALSE(is_valid_topic_name(""));  // [MQTT-4.7.3-1]
    EXPECT_TRUE(is_valid_topic_name("a"));
    EXPECT_TRUE(is_valid_topic_name("/"));  // two empty levels are still a name
    EXPECT_TRUE(is_valid_topic_name("a//b"));
    EXPECT_TRUE(is_valid_topic_name(" "));
}

TEST(TopicName, RejectsWildcards) {
    // [MQTT-3.3.2-2]
    EXPECT_FALSE(is_valid_topic_name("a/+"));
    EXPECT_FALSE(is_valid_topic_name("#"));
    EXPECT_FALSE(is_valid_topic_name("a/b#"));
    EXPECT_FALSE(is_valid_topic_name("a+b"));
}

TEST(TopicName, RejectsInvalidUtf8AndOversize) {
    EXPECT_FALSE(is_valid_topic_name("a/\0"s));
    EXPECT_FALSE(is_valid_topic_name("a/\xED\xA0\x80"));
    EXPECT_TRUE(is_valid_topic_name(std::string(65535, 'a')));
    EXPECT_FALSE(is_valid_topic_name(std::string(65536, 'a')));
}

TEST(TopicName, AllowsDollarTopics) {
    EXPECT_TRUE(is_valid_topic_name("$SYS/broker/uptime"));
    EXPECT_TRUE(is_valid_topic_name("$share/g/t"));  // a plain name; only filters share
}

// ---- Topic filters ----

TEST(TopicFilter, AcceptsTheSpecExamples) {
    for (const char* f :
         {"sport/tennis/player1/#", "sport/#", "#", "+", "+/tennis/#", "sport/+/player1", "/+",
          "+/+", "sport/+", "a//b", "/", "$SYS/#", "+/monitor/Clients"}) {
        EXPECT_TRUE(is_valid_topic_filter(f)) << f;
    }
}

TEST(TopicFilter, HashOnlyAsWholeLastLevel) {
    // [MQTT-4.7.1-2]
    EXPECT_FALSE(is_valid_topic_filter("sport/tennis#"));
    EXPECT_FALSE(is_valid_topic_filter("sport/tennis/#/ranking"));
    EXPECT_FALSE(is_valid_topic_filter("#/"));
    EXPECT_FALSE(is_valid_topic_filter("##"));
    EXPECT_FALSE(is_valid_topic_filter("a/#b"));
}

TEST(TopicFilter, PlusOnlyAsWholeLevel) {
    // [MQTT-4.7.1-3]
    EXPECT_FALSE(is_valid_topic_filter("sport+"));
    EXPECT_FALSE(is_valid_topic_filter("sport/+x"));
    EXPECT_FALSE(is_valid_topic_filter("++"));
    EXPECT_TRUE(is_valid_topic_filter("+/+/+"));
    EXPECT_TRUE(is_valid_topic_filter("+/#"));
}

TEST(TopicFilter, RejectsEmptyInvalidUtf8AndOversize) {
    EXPECT_FALSE(is_valid_topic_filter(""));
    EXPECT_FALSE(is_valid_topic_filter("a/\xC0\xAF"));
    EXPECT_FALSE(is_valid_topic_filter("a\0b"s));
    EXPECT_TRUE(is_valid_topic_filter(std::string(65535, 'a')));
    EXPECT_FALSE(is_valid_topic_filter(std::string(65536, 'a')));
}

TEST(TopicFilter, SharedFilterNeedsGroupAndFilter) {
    // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
    EXPECT_TRUE(is_valid_topic_filter("$share/g/a/b"));
    EXPECT_TRUE(is_valid_topic_filter("$share/g/#"));
    EXPECT_TRUE(is_valid_topic_filter("$share/g//"));
    EXPECT_TRUE(is_valid_topic_filter("$queue/a/+"));
    EXPECT_FALSE(is_valid_topic_filter("$share/g"));
    EXPECT_FALSE(is_valid_topic_filter("$share/g/"));
    EXPECT_FALSE(is_valid_topic_filter("$share//a"));
    EXPECT_FALSE(is_valid_topic_filter("$share/g+/a"));
    EXPECT_FALSE(is_valid_topic_filter("$share/+/a"));
    EXPECT_FALSE(is_valid_topic_filter("$share/#/a"));
    EXPECT_FALSE(is_valid_topic_filter("$share/g/a#"));
    EXPECT_FALSE(is_valid_topic_filter("$share/\xC0\xAF/a"));
    EXPECT_FALSE(is_valid_topic_filter("$queue/"));
    EXPECT_FALSE(is_valid_topic_filter("$queue/a+"));
    // Not shared at all: the prefix needs its '/'.
    EXPECT_TRUE(is_valid_topic_filter("$share"));
    EXPECT_TRUE(is_valid_topic_filter("$sharegroup/a"));
}

TEST(SharedFilter, SplitsGroupAndFilter) {
    auto s = parse_shared_filter("$share/consumer1/sport/tennis/+");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->group, "consumer1");
    EXPECT_EQ(s->filter, "sport/tennis/+");

    s = parse_shared_filter("$share/g/$share/h/x");  // only the first prefix is special
    ASSERT_TRUE(s);
    EXPECT_EQ(s->group, "g");
    EXPECT_EQ(s->filter, "$share/h/x");
}

TEST(SharedFilter, QueuePrefixUsesQueueGroup) {
    auto s = parse_shared_filter("$queue/sport/#");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->group, "$queue");
    EXPECT_EQ(s->filter, "sport/#");
}

TEST(SharedFilter, RejectsPlainAndMalformedFilters) {
    EXPECT_FALSE(parse_shared_filter("sport/#"));
    EXPECT_FALSE(parse_shared_filter("$SYS/#"));
    EXPECT_FALSE(parse_shared_filter("$share"));
    EXPECT_FALSE(parse_shared_filter("$share/"));
    EXPECT_FALSE(parse_shared_filter("$share/g"));
    EXPECT_FALSE(parse_shared_filter("$share/g/"));
    EXPECT_FALSE(parse_shared_filter("$share//t"));
    EXPECT_FALSE(parse_shared_filter("$share/a+b/t"));
    EXPECT_FALSE(parse_shared_filter("$share/a#/t"));
    EXPECT_FALSE(parse_shared_filter("$queue/"));
    EXPECT_FALSE(parse_shared_filter("$queue"));
}

// ---- Matching (section 4.7) ----

struct MatchCase {
    const char* filter;
    const char* topic;
    bool matches;
};

TEST(TopicMatches, FollowsEveryRuleOfSection4_7) {
    const MatchCase cases[] = {
        // Literal levels: exact, case-sensitive, no prefix matching.
        {"a/b", "a/b", true},
        {"a/b", "a/B", false},
        {"a/b", "a/bc", false},
        {"a/b", "a", false},
        {"a", "a/b", false},
        {"ACCOUNTS", "Accounts", false},
        // [MQTT-4.7.1-2] multi-level wildcard, the spec's examples.
        {"sport/tennis/player1/#", "sport/tennis/player1", true},
        {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
        {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
        {"sport/#", "sport", true},
        {"sport/#", "sports", false},
        {"#", "sport", true},
        {"#", "/", true},
        {"#", "a/b/c", true},
        {"a/#", "a/", true},
        {"a/b/#", "a", false},
        // [MQTT-4.7.1-3] single-level wildcard, the spec's examples.
        {"sport/tennis/+", "sport/tennis/player1", true},
        {"sport/tennis/+", "sport/tennis/player2", true},
        {"sport/tennis/+", "sport/tennis/player1/ranking", false},
        {"sport/+", "sport", false},
        {"sport/+", "sport/", true},
        {"sport/+", "sport/tennis/player1", false},
        {"+", "sport", true},
        {"+", "/", false},
        {"+/+", "/finance", true},
        {"/+", "/finance", true},
        {"+", "/finance", false},
        {"+/tennis/#", "sport/tennis/player1", true},
        {"+/tennis/#", "sport/tennis", true},
        {"sport/+/player1", "sport/tennis/player1", true},
        {"+/+/+", "a/b/c", true},
        {"+/+/+", "a/b", false},
        {"+/#", "a", true},
        // Empty levels are real levels.
        {"a//b", "a//b", true},
        {"a/+/b", "a//b", true},
        {"a/b", "a//b", false},
        {"/", "/", true},
        {"+/+", "/", true},
        {"/#", "/", true},
        {"/#", "a", false},
        // [MQTT-4.7.2-1] '$' topics and leading wildcards.
        {"#", "$SYS/broker/uptime", false},
        {"+/monitor/Clients", "$SYS/monitor/Clients", false},
        {"$SYS/#", "$SYS/monitor/Clients", true},
        {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
        {"+", "$", false},
        {"$", "$", true},
        {"a/#", "a/$b", true},  // only the first level is special
        {"a/+", "a/$b", true},
        // Degenerate inputs never match.
        {"", "a", false},
        {"a", "", false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(topic_matches(c.filter, c.topic), c.matches)
            << "filter '" << c.filter << "' topic '" << c.topic << "'";
    }
}

}  // namespace
}  // namespace nmq::mqtt
