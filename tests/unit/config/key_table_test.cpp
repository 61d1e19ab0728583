#include "config/key_table.hpp"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace nmq::config {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using test::load;
using test::load_error;

std::vector<std::string> warning_keys(const std::vector<ConfigWarning>& warnings) {
    std::vector<std::string> keys;
    for (const auto& w : warnings)
        keys.push_back(w.key);
    return keys;
}

TEST(KeyTable, EveryRowIsComplete) {
    std::set<std::string> paths;
    for (const auto& spec : key_table()) {
        EXPECT_TRUE(paths.insert(spec.path).second) << "duplicate row " << spec.path;
        EXPECT_FALSE(spec.doc.empty()) << spec.path;
        EXPECT_TRUE(static_cast<bool>(spec.set)) << spec.path;
        if (spec.type == KeyType::kInteger || spec.type == KeyType::kSize ||
            spec.type == KeyType::kDuration) {
            EXPECT_LT(spec.min, spec.max) << spec.path;
        }
        if (spec.type == KeyType::kEnum) {
            EXPECT_FALSE(spec.choices.empty()) << spec.path;
        }
        if (spec.path.find('*') == std::string::npos) {
            EXPECT_FALSE(spec.default_text.empty()) << spec.path;
        }
        if (!spec.env.empty()) {
            EXPECT_EQ(spec.env.rfind("NANOMQ_", 0), 0u) << spec.path;
        }
    }
}

// default_text is what the docs show; config.hpp is what the code starts from. They must agree.
// Listeners that exist only when configured (listeners.ssl, ws, wss) are checked on a config
// that has one: a key's default must be what that listener starts with.
TEST(KeyTable, DefaultTextsYieldTheDefaultConfig) {
    for (const auto& spec : key_table()) {
        if (spec.path.find('*') != std::string::npos) continue;
        Config base;
        for (const char* kind : {"listeners.ssl.", "listeners.ws.", "listeners.wss."}) {
            std::string k = kind;
            if (spec.path.rfind(k, 0) == 0) base = load(k.substr(0, k.size() - 1) + " {}\n");
        }
        auto root = parse_hocon_text("k = " + spec.default_text, "defaults");
        Config config = base;
        spec.set(config, convert_value(spec, *root.find("k"), spec.path), "");
        EXPECT_EQ(config, base) << spec.path << " = " << spec.default_text;
    }
}

TEST(KeyTable, FindKeyPrefersExactRowsOverWildcards) {
    ASSERT_NE(find_key("mqtt.max_packet_size"), nullptr);
    EXPECT_EQ(find_key("listeners.tcp.bind")->path, "listeners.tcp.bind");
    EXPECT_EQ(find_key("listeners.tcp.default_1.bind")->path, "listeners.tcp.*.bind");
    EXPECT_EQ(find_key("mqtt.nope"), nullptr);
}

TEST(KeyTable, EmptyFileGivesDefaults) {
    std::vector<ConfigWarning> warnings;
    EXPECT_EQ(load("# nothing\n", &warnings), Config{});
    EXPECT_TRUE(warnings.empty());
}

TEST(KeyTable, DefaultsAreNanoMqs) {
    Config c;
    EXPECT_EQ(c.mqtt.max_packet_size, 1024u * 1024);
    EXPECT_EQ(c.listeners.tcp, (std::vector<TcpListener>{{"", "0.0.0.0", 1883, true}}));
    EXPECT_FALSE(c.http_server.enable);
    EXPECT_EQ(c.http_server.port, 8081);
}

TEST(KeyTable, MqttKeys) {
    auto c = load(R"(mqtt {
    property_size = 64
    max_packet_size = 10KB
    max_mqueue_len = 100
    retry_interval = 1m
    keepalive_multiplier = 1.5
    max_inflight_window = 32
    max_topic_alias = 0
    max_awaiting_rel = 500ms
    await_rel_timeout = 2s
})");
    EXPECT_EQ(c.mqtt.property_size, 64u);
    EXPECT_EQ(c.mqtt.max_packet_size, 10u * 1024);
    EXPECT_EQ(c.mqtt.max_mqueue_len, 100u);
    EXPECT_EQ(c.mqtt.retry_interval, milliseconds(60'000));
    EXPECT_DOUBLE_EQ(c.mqtt.keepalive_multiplier, 1.5);
    EXPECT_EQ(c.mqtt.max_inflight_window, 32u);
    EXPECT_EQ(c.mqtt.max_topic_alias, 0u);
    EXPECT_EQ(c.mqtt.max_awaiting_rel, milliseconds(500));
    EXPECT_EQ(c.mqtt.await_rel_timeout, milliseconds(2000));
}

TEST(KeyTable, SystemKeysAndHoconConversions) {
    // HOCON converts quoted numbers and yes/no/on/off where a number or boolean is wanted.
    auto c = load(
        "system { daemon = \"yes\", num_taskq_thread = \"4\", max_taskq_thread = 8,"
        " parallel = 32 }\nauth.allow_anonymous = off\nmqtt.max_packet_size = 2048\n");
    EXPECT_TRUE(c.system.daemon);
    EXPECT_EQ(c.system.num_taskq_thread, 4u);
    EXPECT_EQ(c.system.max_taskq_thread, 8u);
    EXPECT_EQ(c.system.parallel, 32u);
    EXPECT_FALSE(c.auth.allow_anonymous);
    EXPECT_EQ(c.mqtt.max_packet_size, 2048u);  // a bare number is bytes
}

TEST(KeyTable, LogKeys) {
    auto c = load(
        "log { to = [file, console, syslog], level = DEBUG, dir = \"/var/log\","
        " file = \"n.log\", rotation { size = 1MB, count = 3 } }\n");
    EXPECT_THAT(c.log.to, ElementsAre("file", "console", "syslog"));
    EXPECT_EQ(c.log.level, "debug");
    EXPECT_EQ(c.log.dir, "/var/log");
    EXPECT_EQ(c.log.file, "n.log");
    EXPECT_EQ(c.log.rotation_size, 1024u * 1024);
    EXPECT_EQ(c.log.rotation_count, 3u);
    EXPECT_THAT(load("log.to = \"file, console\"").log.to, ElementsAre("file", "console"));
    EXPECT_THAT(load("log.to = console").log.to, ElementsAre("console"));
}

TEST(KeyTable, AuthKeys) {
    auto c = load("auth { allow_anonymous = false, no_match = deny, deny_action = disconnect }");
    EXPECT_FALSE(c.auth.allow_anonymous);
    EXPECT_EQ(c.auth.no_match, AclNoMatch::kDeny);
    EXPECT_EQ(c.auth.deny_action, AclDenyAction::kDisconnect);
}

TEST(KeyTable, HttpServerIsOnWhenItsSectionIsPresent) {
    auto c = load(R"(http_server {
    port = 9081
    ip_addr = 127.0.0.1
    limit_conn = 2
    max_body = 64KB
    username = root
    password = "s3cret"
    auth_type = jwt
    jwt { public.keyfile = "/etc/certs/jwt/jwtRS256.key.pub" }
})");
    EXPECT_TRUE(c.http_server.enable);
    EXPECT_EQ(c.http_server.port, 9081);
    EXPECT_EQ(c.http_server.ip_addr, "127.0.0.1");
    EXPECT_EQ(c.http_server.limit_conn, 2u);
    EXPECT_EQ(c.http_server.max_body, 64u * 1024);
    EXPECT_EQ(c.http_server.username, "root");
    EXPECT_EQ(c.http_server.password, "s3cret");
    EXPECT_EQ(c.http_server.auth_type, HttpAuthType::kJwt);
    EXPECT_EQ(c.http_server.jwt_public_keyfile, "/etc/certs/jwt/jwtRS256.key.pub");

    EXPECT_TRUE(load("http_server {}").http_server.enable);
    EXPECT_FALSE(load("http_server { enable = false, port = 1 }").http_server.enable);
    EXPECT_FALSE(load("mqtt {}").http_server.enable);
    EXPECT_EQ(load("http_server.auth_type = no_auth").http_server.auth_type, HttpAuthType::kNone);
}

TEST(KeyTable, UnnamedAndNamedTcpListeners) {
    auto c = load(
        "listeners.tcp { bind = \"0.0.0.0:1883\" }\n"
        "listeners.tcp.default_1 { bind = \"127.0.0.1:1884\" }\n"
        "listeners.tcp.v6 { bind = \"[::]:1885\" }\n");
    EXPECT_EQ(c.listeners.tcp, (std::vector<TcpListener>{{"", "0.0.0.0", 1883, true},
                                                         {"default_1", "127.0.0.1", 1884, true},
                                                         {"v6", "::", 1885, true}}));
}

TEST(KeyTable, OnlyNamedListenersReplaceTheDefault) {
    auto c = load("listeners.tcp.a { bind = \"0.0.0.0:2883\" }\n");
    EXPECT_EQ(c.listeners.tcp, (std::vector<TcpListener>{{"a", "0.0.0.0", 2883, true}}));
}

TEST(KeyTable, EmptyTcpSectionIsTheDefaultListener) {
    auto c = load("listeners.tcp {}\n");
    EXPECT_EQ(c.listeners.tcp, (std::vector<TcpListener>{{"", "0.0.0.0", 1883, true}}));
}

TEST(KeyTable, DisabledListenersAreDropped) {
    auto c = load(
        "listeners.tcp { bind = \"0.0.0.0:1883\", enable = false }\n"
        "listeners.tcp.b { bind = \"0.0.0.0:1884\" }\n"
        "listeners.tcp.c { enable = false, bind = \"0.0.0.0:1885\" }\n");
    EXPECT_EQ(c.listeners.tcp, (std::vector<TcpListener>{{"b", "0.0.0.0", 1884, true}}));
}

TEST(KeyTable, ListenersElsewhereKeepTheDefaultTcpListener) {
    std::vector<ConfigWarning> warnings;
    auto c = load("listeners.ws { bind = \"0.0.0.0:8083/mqtt\" }\n", &warnings);
    EXPECT_EQ(c.listeners.tcp, Config{}.listeners.tcp);
    EXPECT_EQ(c.listeners.ws.size(), 1u);
    EXPECT_TRUE(warnings.empty());
}

TEST(KeyTable, TwoListenersOnOneAddressIsAnError) {
    EXPECT_EQ(load_error("listeners.tcp { bind = \"0.0.0.0:1883\" }\n"
                         "listeners.tcp.x {\n  bind = \"0.0.0.0:1883\"\n}\n"),
              "nanomq.conf:3:10: listeners.tcp.x.bind: 0.0.0.0:1883 is already used by "
              "listeners.tcp");
}

TEST(KeyTableErrors, SizeMessageNamesFileLineColumnAndKey) {
    EXPECT_EQ(load_error("mqtt {\n    max_packet_size = \"big\"\n}\n"),
              "nanomq.conf:2:23: mqtt.max_packet_size: expected a size like 256MB, got \"big\"");
    EXPECT_EQ(load_error("mqtt.max_packet_size = 300MB"),
              "nanomq.conf:1:24: mqtt.max_packet_size: expected a size from 1B to 260MB, got "
              "\"300MB\"");
    EXPECT_EQ(load_error("mqtt.max_packet_size = [1]"),
              "nanomq.conf:1:24: mqtt.max_packet_size: expected a size like 256MB, got a list");
}

TEST(KeyTableErrors, Durations) {
    EXPECT_EQ(load_error("mqtt.retry_interval = soon"),
              "nanomq.conf:1:23: mqtt.retry_interval: expected a duration like 10s, got \"soon\"");
    EXPECT_EQ(load_error("mqtt.retry_interval = 0s"),
              "nanomq.conf:1:23: mqtt.retry_interval: expected a duration from 1ms to 365d, got "
              "\"0s\"");
}

TEST(KeyTableErrors, Integers) {
    EXPECT_EQ(load_error("system.num_taskq_thread = 300"),
              "nanomq.conf:1:27: system.num_taskq_thread: expected an integer from 0 to 255, "
              "got 300");
    EXPECT_EQ(load_error("system.num_taskq_thread = 1.5"),
              "nanomq.conf:1:27: system.num_taskq_thread: expected an integer from 0 to 255, "
              "got 1.5");
    EXPECT_EQ(load_error("system { num_taskq_thread = four }"),
              "nanomq.conf:1:29: system.num_taskq_thread: expected an integer from 0 to 255, "
              "got \"four\"");
    EXPECT_EQ(load_error("mqtt.max_mqueue_len = -1"),
              "nanomq.conf:1:23: mqtt.max_mqueue_len: expected an integer from 1 to 4294967295, "
              "got -1");
}

TEST(KeyTableErrors, BooleansDoublesEnumsStrings) {
    EXPECT_EQ(load_error("auth.allow_anonymous = 1"),
              "nanomq.conf:1:24: auth.allow_anonymous: expected true or false, got 1");
    EXPECT_EQ(load_error("mqtt.keepalive_multiplier = 0.5"),
              "nanomq.conf:1:29: mqtt.keepalive_multiplier: expected a number above 0.5, got 0.5");
    EXPECT_EQ(load_error("mqtt.keepalive_multiplier = fast"),
              "nanomq.conf:1:29: mqtt.keepalive_multiplier: expected a number, got \"fast\"");
    EXPECT_EQ(load_error("http_server.auth_type = digest"),
              "nanomq.conf:1:25: http_server.auth_type: expected one of basic, jwt, no_auth, got "
              "\"digest\"");
    EXPECT_EQ(load_error("http_server.username = {a = 1}"),
              "nanomq.conf:1:24: http_server.username: expected a string, got an object");
}

TEST(KeyTableErrors, HostPortAndLists) {
    EXPECT_EQ(load_error("listeners.tcp.bind = \"0.0.0.0\""),
              "nanomq.conf:1:22: listeners.tcp.bind: expected host:port like 0.0.0.0:1883, got "
              "\"0.0.0.0\"");
    EXPECT_EQ(load_error("listeners.tcp.x.bind = 1883"),
              "nanomq.conf:1:24: listeners.tcp.x.bind: expected host:port like 0.0.0.0:1883, got "
              "1883");
    EXPECT_EQ(load_error("log {\n  to = [file,\n    printer]\n}"),
              "nanomq.conf:3:5: log.to: expected each of file, console, syslog, got \"printer\"");
    EXPECT_EQ(load_error("log.to = [[file]]"),
              "nanomq.conf:1:11: log.to: expected a list of strings, got a list in the list");
}

TEST(KeyTableErrors, ScalarWhereASectionBelongs) {
    EXPECT_EQ(load_error("mqtt = 5"), "nanomq.conf:1:8: mqtt: expected an object, got 5");
    EXPECT_EQ(load_error("http_server = on"),
              "nanomq.conf:1:15: http_server: expected an object, got \"on\"");
}

TEST(KeyTableErrors, ErrorsInsideIncludedFilesNameThatFile) {
    test::TempDir dir;
    dir.write("mqtt.conf", "\nmax_mqueue_len = lots\n");
    auto main = dir.write("nanomq.conf", "mqtt { include \"mqtt.conf\" }\n");
    try {
        load_hocon_file(main);
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir.path() / "mqtt.conf").string() +
                      ":2:18: mqtt.max_mqueue_len: expected an integer from 1 to 4294967295, got "
                      "\"lots\"");
    }
}

TEST(KeyTableWarnings, UnsupportedSectionsAreReportedOnceEach) {
    std::vector<ConfigWarning> warnings;
    load(
        "webhook { url = \"http://127.0.0.1:80\" }\n"
        "webhook { body.encoding = plain }\n"
        "bridges.mqtt.emqx1 { server = \"mqtt-tcp://127.0.0.1:1883\" }\n"
        "bridges.mqtt.cache { disk_cache_size = 102400 }\n"
        "auth { http_auth = {timeout = 5s}\n http_auth = {timeout = 6s} }\n"
        "mqtt.batch_resend = false\n",
        &warnings);
    EXPECT_THAT(warning_keys(warnings), ElementsAre("webhook", "bridges.mqtt.cache",
                                                    "auth.http_auth", "mqtt.batch_resend"));
    for (const auto& w : warnings)
        EXPECT_EQ(w.kind, ConfigWarning::Kind::kNotSupported);
    EXPECT_EQ(warnings[0].message,
              "nanomq.conf:1:1: webhook: not supported yet (web hooks), ignored");
    EXPECT_EQ(warnings[0].where, "nanomq.conf:1:1");
}

TEST(KeyTableWarnings, UnknownKeysAreWarnedWithASuggestion) {
    std::vector<ConfigWarning> warnings;
    auto c = load("mqtt {\n  max_packt_size = 1KB\n  max_mqueue_len = 5\n}\nfrobnicate = 1\n",
                  &warnings);
    EXPECT_EQ(c.mqtt.max_mqueue_len, 5u);
    EXPECT_EQ(c.mqtt.max_packet_size, Config{}.mqtt.max_packet_size);
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_EQ(warnings[0].kind, ConfigWarning::Kind::kUnknownKey);
    EXPECT_EQ(warnings[0].message,
              "nanomq.conf:2:3: mqtt.max_packt_size: unknown key, ignored (did you mean "
              "mqtt.max_packet_size?)");
    EXPECT_EQ(warnings[1].message, "nanomq.conf:5:1: frobnicate: unknown key, ignored");
    std::vector<ConfigWarning> short_key;
    load("tls { enable = true }\n", &short_key);  // V1's section; "blf" is no suggestion
    ASSERT_EQ(short_key.size(), 1u);
    EXPECT_EQ(short_key[0].message, "nanomq.conf:1:1: tls: unknown key, ignored");
}

TEST(KeyTableWarnings, MissingIncludeIsReportedOnce) {
    std::vector<ConfigWarning> warnings;
    load(
        "auth {\n password = {include \"/nonexistent/pwd.conf\"}\n"
        " password = {include \"/nonexistent/pwd.conf\"}\n}\n",
        &warnings);
    // Loading notes the missing file once; check_files() then refuses it (fail closed).
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].kind, ConfigWarning::Kind::kMissingInclude);
    EXPECT_EQ(warnings[0].key, "/nonexistent/pwd.conf");
}

TEST(KeyTable, LaterFileValuesWin) {
    auto c = load("mqtt.max_mqueue_len = 1\nmqtt { max_mqueue_len = 2 }\n");
    EXPECT_EQ(c.mqtt.max_mqueue_len, 2u);
}

TEST(KeyTable, MarkdownListsEveryKey) {
    std::string md = keys_markdown();
    for (const auto& spec : key_table())
        EXPECT_THAT(md, HasSubstr("`" + spec.path + "`"));
    for (const auto& u : unsupported_table())
        EXPECT_THAT(md, HasSubstr("`" + u.path + "`"));
    EXPECT_THAT(md, HasSubstr("| `mqtt.max_packet_size` | size | `1MB` | 1B to 260MB | yes |"));
    EXPECT_THAT(md, HasSubstr("`NANOMQ_MSQ_LEN`"));
}

}  // namespace
}  // namespace nmq::config
