// The V1 envelope: replies are compact JSON in the spec's key order, and always valid UTF-8.
#include "http/envelope.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace nmq::http {
namespace {

TEST(Envelope, ErrorKeysInOrder) {
    boost::json::value seq = 7;
    EXPECT_EQ(error_reply(400, 108, "bad", &seq, 12).body,
              R"({"code":108,"seq":7,"rep":12,"message":"bad"})");
    EXPECT_EQ(error_reply(401, 104, "no").body, R"({"code":104,"message":"no"})");
}

TEST(Envelope, SuccessKeysInOrder) {
    boost::json::value seq = std::uint64_t{18446744073709551615ull};
    EXPECT_EQ(success_reply(seq, 12, std::nullopt).body,
              R"({"code":0,"seq":18446744073709551615,"rep":12})");
}

TEST(Envelope, MessagesAreMadeValidUtf8) {
    EXPECT_EQ(valid_utf8("plain"), "plain");
    EXPECT_EQ(valid_utf8("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");  // été
    EXPECT_EQ(valid_utf8("cut \xc3"), "cut ?");                       // cut in a character
    EXPECT_EQ(valid_utf8("\xff\xfe"), "??");
    EXPECT_EQ(valid_utf8("\xc0\xaf"), "??");                        // overlong '/'
    EXPECT_EQ(valid_utf8("\xed\xa0\x80"), "???");                   // a surrogate
    EXPECT_EQ(valid_utf8("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");  // U+1F600
    auto r = error_reply(400, 108, "x: got \"\xe2\x82...\"");
    boost::json::error_code ec;
    boost::json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
}

}  // namespace
}  // namespace nmq::http
