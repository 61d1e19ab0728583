#include "config/hocon.hpp"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace nmq::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

HoconValue parse(std::string_view text, const HoconOptions& options = {}) {
    return parse_hocon_text(text, "nanomq.conf", options);
}

// The message of the ConfigError that parsing `text` throws ("" if it does not throw).
std::string parse_error(std::string_view text, const HoconOptions& options = {}) {
    try {
        parse(text, options);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

const HoconValue& at(const HoconValue& root, std::string_view path) {
    const HoconValue* v = root.find_path(path);
    if (v == nullptr) throw std::runtime_error("no value at " + std::string(path));
    return *v;
}

HoconOptions fake_env(std::map<std::string, std::string> vars) {
    HoconOptions o;
    o.getenv = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
    return o;
}

TEST(Hocon, NestedObjectsWithEqualsColonOrNothingBeforeBrace) {
    auto root = parse("a = { x = 1 }\nb : { y : 2 }\nc { d { z = 3 } }\n");
    EXPECT_EQ(at(root, "a.x").text(), "1");
    EXPECT_EQ(at(root, "b.y").text(), "2");
    EXPECT_EQ(at(root, "c.d.z").text(), "3");
    EXPECT_EQ(at(root, "c.d.z").kind(), HoconKind::kNumber);
}

TEST(Hocon, BracedRootObject) {
    auto root = parse("{\n  a = 1\n}\n");
    EXPECT_EQ(at(root, "a").text(), "1");
}

TEST(Hocon, DottedKeysExpandIntoObjects) {
    auto root = parse(
        "a.b.c = 1\nlisteners.tcp { bind = \"0.0.0.0:1883\" }\n"
        "listeners.tcp.default_1 { bind = \"0.0.0.0:1884\" }\n"
        "http_server { jwt { public.keyfile = \"/k.pub\" } }\n");
    EXPECT_EQ(at(root, "a.b.c").text(), "1");
    EXPECT_EQ(at(root, "listeners.tcp.bind").text(), "0.0.0.0:1883");
    EXPECT_EQ(at(root, "listeners.tcp.default_1.bind").text(), "0.0.0.0:1884");
    EXPECT_EQ(at(root, "http_server.jwt.public.keyfile").text(), "/k.pub");
    // One `listeners` object holding one `tcp` object, in file order.
    ASSERT_EQ(root.fields().size(), 3u);
    const auto& tcp = at(root, "listeners.tcp");
    ASSERT_EQ(tcp.fields().size(), 2u);
    EXPECT_EQ(tcp.fields()[0].key, "bind");
    EXPECT_EQ(tcp.fields()[1].key, "default_1");
}

TEST(Hocon, QuotedKeySegmentKeepsItsDots) {
    auto root = parse("a.\"b.c\".d = 1\n\"admin\": \"public\"\n");
    const HoconValue* b = at(root, "a").find("b.c");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->find("d")->text(), "1");
    EXPECT_EQ(at(root, "admin").text(), "public");
}

TEST(Hocon, HashAndSlashSlashComments) {
    auto root = parse(
        "# a comment\n// another\na = 1 # trailing\nb = 2 // trailing\n"
        "url = \"http://host/#x\" // the string keeps its // and #\n");
    EXPECT_EQ(at(root, "a").text(), "1");
    EXPECT_EQ(at(root, "b").text(), "2");
    EXPECT_EQ(at(root, "url").text(), "http://host/#x");
    EXPECT_EQ(root.fields().size(), 3u);
}

TEST(Hocon, QuotedStringEscapes) {
    auto root = parse(R"(s = "q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00")");
    EXPECT_EQ(at(root, "s").text(), "q\"b\\s/n\nt\tu\xC3\xA9\xF0\x9F\x98\x80");
    EXPECT_EQ(at(root, "s").kind(), HoconKind::kString);
}

TEST(Hocon, QuotedLiteralsStayStrings) {
    auto root = parse("a = \"true\"\nb = \"12\"\nc = \"null\"\n");
    EXPECT_EQ(at(root, "a").kind(), HoconKind::kString);
    EXPECT_EQ(at(root, "b").kind(), HoconKind::kString);
    EXPECT_EQ(at(root, "c").kind(), HoconKind::kString);
}

TEST(Hocon, TripleQuotedStringsSpanLinesWithoutEscapes) {
    auto root = parse("s = \"\"\"line \\n one\nline \"two\"\"\"\"\n");
    EXPECT_EQ(at(root, "s").text(), "line \\n one\nline \"two\"");
}

TEST(Hocon, UnquotedStrings) {
    auto root = parse(
        "username = admin\nto = [file, console]\nip_addr = 0.0.0.0\n"
        "size = 256MB\nbind = 0.0.0.0:1883\nheaders.content-type = a/b\n");
    EXPECT_EQ(at(root, "username").text(), "admin");
    EXPECT_EQ(at(root, "username").kind(), HoconKind::kString);
    ASSERT_EQ(at(root, "to").items().size(), 2u);
    EXPECT_EQ(at(root, "to").items()[0].text(), "file");
    EXPECT_EQ(at(root, "to").items()[1].text(), "console");
    EXPECT_EQ(at(root, "ip_addr").text(), "0.0.0.0");
    EXPECT_EQ(at(root, "ip_addr").kind(), HoconKind::kString);
    EXPECT_EQ(at(root, "size").text(), "256MB");
    EXPECT_EQ(at(root, "bind").text(), "0.0.0.0:1883");
    EXPECT_EQ(at(root, "headers.content-type").text(), "a/b");
}

TEST(Hocon, NumbersBooleansAndNull) {
    auto root = parse("i = 42\nneg = -3\nf = 1.25\ne = 1e3\nt = true\nfl = false\nn = null\n");
    EXPECT_EQ(at(root, "i").kind(), HoconKind::kNumber);
    EXPECT_EQ(at(root, "neg").text(), "-3");
    EXPECT_EQ(at(root, "f").text(), "1.25");
    EXPECT_EQ(at(root, "e").kind(), HoconKind::kNumber);
    EXPECT_EQ(at(root, "t").kind(), HoconKind::kBool);
    EXPECT_TRUE(at(root, "t").as_bool());
    EXPECT_FALSE(at(root, "fl").as_bool());
    EXPECT_TRUE(at(root, "n").is_null());
}

TEST(Hocon, CommaAndNewlineSeparatorsWithTrailingCommas) {
    auto root = parse(
        "o { a = 1, b = 2,\n c = 3 }\n"
        "l = [1, 2,\n 3\n 4,]\n"
        "objs = [\n {x = 1}\n {x = 2},\n]\n");
    EXPECT_EQ(at(root, "o").fields().size(), 3u);
    ASSERT_EQ(at(root, "l").items().size(), 4u);
    EXPECT_EQ(at(root, "l").items()[3].text(), "4");
    ASSERT_EQ(at(root, "objs").items().size(), 2u);
    EXPECT_EQ(at(root, "objs").items()[1].find("x")->text(), "2");
}

TEST(Hocon, InlineObjectsLikeTheAclFile) {
    auto root = parse(R"(rules = [
	{"permit": "allow", "username": "dashboard", "action": "subscribe", "topics": ["$SYS/#"]}
	{"permit": "allow"}
])");
    const auto& rules = at(root, "rules").items();
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].find("topics")->items()[0].text(), "$SYS/#");
    EXPECT_EQ(rules[1].find("permit")->text(), "allow");
}

TEST(Hocon, ValuesOnOneLineConcatenate) {
    auto root = parse("a = hello  big world\nb = \"x\" y 1\n");
    EXPECT_EQ(at(root, "a").text(), "hello  big world");
    EXPECT_EQ(at(root, "b").text(), "x y 1");
    EXPECT_EQ(at(root, "b").kind(), HoconKind::kString);
}

TEST(Hocon, RepeatedKeysMergeObjectsAndLaterScalarsWin) {
    auto root = parse(
        "auth { a = 1, b = 2 }\nauth { b = 3, c = 4 }\n"
        "auth.d = 5\nx = 1\nx = 2\ny = 1\ny { z = 1 }\nw { z = 1 }\nw = 7\n");
    EXPECT_EQ(at(root, "auth.a").text(), "1");
    EXPECT_EQ(at(root, "auth.b").text(), "3");
    EXPECT_EQ(at(root, "auth.c").text(), "4");
    EXPECT_EQ(at(root, "auth.d").text(), "5");
    EXPECT_EQ(at(root, "x").text(), "2");
    EXPECT_EQ(at(root, "y.z").text(), "1");
    EXPECT_EQ(at(root, "w").text(), "7");
    EXPECT_EQ(at(root, "x").location().line, 5u);  // the value that won
}

TEST(Hocon, ObjectsAssignedWithEqualsMergeToo) {
    auto root = parse("password = {\"admin\": \"a\"}\npassword = {\n\"client\": \"c\"\n}\n");
    EXPECT_EQ(at(root, "password.admin").text(), "a");
    EXPECT_EQ(at(root, "password.client").text(), "c");
}

TEST(Hocon, PlusEqualsAppendsToAList) {
    auto root = parse("l = [a]\nl += b\nm += c\n");
    ASSERT_EQ(at(root, "l").items().size(), 2u);
    EXPECT_EQ(at(root, "l").items()[1].text(), "b");
    ASSERT_EQ(at(root, "m").items().size(), 1u);
    EXPECT_THAT(parse_error("s = 1\ns += 2\n"),
                StartsWith("nanomq.conf:2:1: '+=' needs 's' to be a list"));
}

TEST(Hocon, SubstitutionFromTheEnvironment) {
    auto opts = fake_env({{"NMQ_USER", "alice"}, {"NMQ_HOST", "10.0.0.1"}});
    auto root = parse("u = ${NMQ_USER}\nbind = ${NMQ_HOST}\":1883\"\nq = ${ NMQ_USER }\n", opts);
    EXPECT_EQ(at(root, "u").text(), "alice");
    EXPECT_EQ(at(root, "bind").text(), "10.0.0.1:1883");
    EXPECT_EQ(at(root, "q").text(), "alice");
    EXPECT_EQ(at(root, "u").location().column, 5u);
}

TEST(Hocon, SubstitutionUsesTheRealEnvironmentByDefault) {
    ::setenv("NMQ_CONFIG_TEST_VAR", "from-env", 1);
    auto root = parse("v = ${NMQ_CONFIG_TEST_VAR}\n");
    ::unsetenv("NMQ_CONFIG_TEST_VAR");
    EXPECT_EQ(at(root, "v").text(), "from-env");
}

TEST(Hocon, OptionalSubstitutionKeepsTheEarlierValueWhenUnset) {
    auto opts = fake_env({{"SET", "9"}});
    auto root = parse(
        "a = 1\na = ${?UNSET}\nb = 1\nb = ${?SET}\nc = ${?UNSET}\nl = [x, ${?UNSET}]\n", opts);
    EXPECT_EQ(at(root, "a").text(), "1");
    EXPECT_EQ(at(root, "b").text(), "9");
    EXPECT_EQ(root.find("c"), nullptr);
    EXPECT_EQ(at(root, "l").items().size(), 1u);
}

TEST(Hocon, SubstitutionOfAKeyReadEarlier) {
    auto root = parse(
        "base { port = 1883 }\ncopy = ${base}\np = ${base.port}\n"
        "path = a\npath = ${path}\"/b\"\n",
        fake_env({}));
    EXPECT_EQ(at(root, "copy.port").text(), "1883");
    EXPECT_EQ(at(root, "p").text(), "1883");
    EXPECT_EQ(at(root, "p").kind(), HoconKind::kNumber);
    EXPECT_EQ(at(root, "path").text(), "a/b");
}

TEST(Hocon, MissingRequiredSubstitutionIsAnError) {
    EXPECT_EQ(parse_error("a = 1\nb = ${NOPE_NOT_SET}\n", fake_env({})),
              "nanomq.conf:2:5: ${NOPE_NOT_SET} is not set in the file or the environment (use "
              "${?NOPE_NOT_SET} if it is optional)");
}

TEST(Hocon, IncludeAtTopLevelIsRelativeToTheIncludingFile) {
    test::TempDir dir;
    dir.write("conf/extra.conf", "mqtt { max_mqueue_len = 7 }\n");
    auto main =
        dir.write("conf/nanomq.conf", "mqtt { retry_interval = 5s }\ninclude \"extra.conf\"\n");
    auto root = parse_hocon_file(main);
    EXPECT_EQ(at(root, "mqtt.max_mqueue_len").text(), "7");
    EXPECT_EQ(at(root, "mqtt.retry_interval").text(), "5s");
    // Values from the included file point into it.
    const auto& where = at(root, "mqtt.max_mqueue_len").location();
    EXPECT_THAT(where.file, HasSubstr("extra.conf"));
    EXPECT_EQ(where.line, 1u);
    EXPECT_EQ(where.column, 25u);
}

TEST(Hocon, IncludeAsAValueFillsThatObject) {
    test::TempDir dir;
    dir.write("pwd.conf", "# users\n\"admin\": \"public\"\n\"client\": \"secret\"\n");
    dir.write("sub/acl.conf", "rules = [{\"permit\": \"allow\"}]\n");
    auto main = dir.write("nanomq.conf",
                          "auth {\n  password = {include \"pwd.conf\"}\n"
                          "  acl = {include file(\"sub/acl.conf\")}\n}\n");
    auto root = parse_hocon_file(main);
    EXPECT_EQ(at(root, "auth.password.admin").text(), "public");
    EXPECT_EQ(at(root, "auth.password.client").text(), "secret");
    EXPECT_EQ(at(root, "auth.acl.rules").items().size(), 1u);
}

TEST(Hocon, IncludeWithAnAbsolutePath) {
    test::TempDir dir;
    auto pwd = dir.write("p/pwd.conf", "\"u\": \"p\"\n");
    auto root = parse("password = {include \"" + pwd + "\"}\n");
    EXPECT_EQ(at(root, "password.u").text(), "p");
}

TEST(Hocon, MissingOptionalIncludeIsAWarning) {
    std::vector<ConfigWarning> warnings;
    HoconOptions opts;
    opts.warnings = &warnings;
    auto root =
        parse("a = 1\nauth {\n  password = {include \"/nonexistent/nmq_pwd.conf\"}\n}\n", opts);
    EXPECT_EQ(at(root, "a").text(), "1");
    EXPECT_TRUE(at(root, "auth.password").is_object());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].kind, ConfigWarning::Kind::kMissingInclude);
    EXPECT_EQ(warnings[0].message,
              "nanomq.conf:3:15: include \"/nonexistent/nmq_pwd.conf\": file not found, ignored");
}

TEST(Hocon, MissingRequiredIncludeIsAnError) {
    EXPECT_EQ(parse_error("include required(\"/nonexistent/x.conf\")\n"),
              "nanomq.conf:1:1: include required(\"/nonexistent/x.conf\"): cannot read the file");
    EXPECT_EQ(parse_error("include required(file(\"/nonexistent/x.conf\"))\n"),
              "nanomq.conf:1:1: include required(\"/nonexistent/x.conf\"): cannot read the file");
}

TEST(Hocon, IncludeCycleIsAnError) {
    test::TempDir dir;
    dir.write("a.conf", "include \"b.conf\"\n");
    auto b = dir.write("b.conf", "x = 1\ninclude \"a.conf\"\n");
    try {
        parse_hocon_file(b);
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), HasSubstr("deep (does a file include itself?)"));
    }
}

TEST(Hocon, IncludeIsAnOrdinaryKeyWhenFollowedByEquals) {
    auto root = parse("include = 5\n");
    EXPECT_EQ(at(root, "include").text(), "5");
}

TEST(Hocon, UrlIncludesAreRejected) {
    EXPECT_EQ(parse_error("include url(\"http://x/y.conf\")\n"),
              "nanomq.conf:1:9: include url(...) and classpath(...) are not supported, use a file");
}

TEST(Hocon, LocationsCountLinesAndColumns) {
    auto root = parse("mqtt {\n\tmax_packet_size = 256MB\n    retry_interval = \"10s\"\n}\n");
    const auto& size = at(root, "mqtt.max_packet_size");
    EXPECT_EQ(size.location().to_string(), "nanomq.conf:2:20");
    EXPECT_EQ(at(root, "mqtt.retry_interval").location().to_string(), "nanomq.conf:3:22");
    EXPECT_EQ(at(root, "mqtt").fields()[0].key_location.to_string(), "nanomq.conf:2:2");
}

TEST(Hocon, ColumnsCountCharactersNotBytes) {
    EXPECT_EQ(parse_error("s = \"\xC3\xA9\xC3\xA9\" =\n"),
              "nanomq.conf:1:10: expected ',' or a newline after the value of 's', got '='");
}

TEST(Hocon, CarriageReturnsAndByteOrderMark) {
    auto root = parse(
        "\xEF\xBB\xBF"
        "a = 1\r\nb {\r\n c = x\r\n}\r\n");
    EXPECT_EQ(at(root, "a").text(), "1");
    EXPECT_EQ(at(root, "b.c").text(), "x");
}

TEST(HoconErrors, UnterminatedString) {
    EXPECT_EQ(parse_error("a = 1\nb = \"abc\n"),
              "nanomq.conf:2:5: string is never closed (missing '\"')");
}

TEST(HoconErrors, UnclosedBraceAndBracket) {
    EXPECT_EQ(parse_error("mqtt {\n  a = 1\n"), "nanomq.conf:1:6: '{' is never closed");
    EXPECT_EQ(parse_error("a = [1,\n2\n"), "nanomq.conf:1:5: '[' is never closed");
}

TEST(HoconErrors, StrayClosingBrace) {
    EXPECT_EQ(parse_error("a = 1\n}\n"), "nanomq.conf:2:1: unexpected '}' with no '{' open");
}

TEST(HoconErrors, MissingSeparatorAfterKey) {
    EXPECT_EQ(parse_error("mqtt {\n    max_packet_size 256MB\n}\n"),
              "nanomq.conf:2:21: expected '=', ':' or '{' after 'max_packet_size', got '2'");
}

TEST(HoconErrors, MissingValue) {
    EXPECT_EQ(parse_error("a =\nb = 1\n"),
              "nanomq.conf:1:4: expected a value for 'a', got a newline");
    EXPECT_EQ(parse_error("a = }"), "nanomq.conf:1:5: expected a value for 'a', got '}'");
}

TEST(HoconErrors, TwoFieldsOnOneLineNeedAComma) {
    EXPECT_EQ(parse_error("a = \"x\" b = 2\n"),
              "nanomq.conf:1:11: expected ',' or a newline after the value of 'a', got '='");
}

TEST(HoconErrors, BadEscape) {
    EXPECT_EQ(parse_error("a = \"x\\qy\"\n"), "nanomq.conf:1:7: invalid escape \\q in a string");
    EXPECT_EQ(parse_error("a = \"\\u12\"\n"), "nanomq.conf:1:6: \\u needs four hex digits");
}

TEST(HoconErrors, MissingKey) {
    EXPECT_EQ(parse_error("a = 1\n= 2\n"), "nanomq.conf:2:1: expected a key, got '='");
    EXPECT_EQ(parse_error("a = 1,,\n"), "nanomq.conf:1:7: expected a key, got ','");
}

TEST(HoconErrors, BadListSeparator) {
    EXPECT_EQ(parse_error("a = [1 = 2]\n"),
              "nanomq.conf:1:8: expected ',' or a newline between list items, got '='");
    EXPECT_EQ(parse_error("a = [1, }]\n"), "nanomq.conf:1:9: expected a list item or ']', got '}'");
}

TEST(HoconErrors, RootMustBeAnObject) {
    EXPECT_EQ(parse_error("[1, 2]\n"),
              "nanomq.conf:1:1: a configuration file must hold an object, not a list");
    EXPECT_EQ(parse_error("{ a = 1 }\nb = 2\n"),
              "nanomq.conf:2:1: unexpected 'b' after the root object");
}

TEST(HoconErrors, ObjectAndStringCannotConcatenate) {
    EXPECT_EQ(parse_error("a = [1] x\n"),
              "nanomq.conf:1:5: cannot join an object or a list with other values");
}

TEST(HoconErrors, DeepNestingIsRefusedNotACrash) {
    std::string deep = "a = " + std::string(5000, '[') + std::string(5000, ']');
    EXPECT_THAT(parse_error(deep), HasSubstr("nested too deeply"));
}

TEST(HoconErrors, UnreadableFile) {
    try {
        parse_hocon_file("/nonexistent/nanomq.conf");
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/nanomq.conf: cannot read the configuration file");
    }
}

TEST(Hocon, DescribeForErrorMessages) {
    auto root = parse("s = \"big\"\nn = 12\nb = true\no {}\nl = []\nz = null\n");
    EXPECT_EQ(at(root, "s").describe(), "\"big\"");
    EXPECT_EQ(at(root, "n").describe(), "12");
    EXPECT_EQ(at(root, "b").describe(), "true");
    EXPECT_EQ(at(root, "o").describe(), "an object");
    EXPECT_EQ(at(root, "l").describe(), "a list");
    EXPECT_EQ(at(root, "z").describe(), "null");
}

}  // namespace
}  // namespace nmq::config
