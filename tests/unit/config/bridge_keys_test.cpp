// Bridges to remote brokers: NanoMQ's bridges.mqtt.<name> sections, the older
// bridge.mqtt.<name>.* keys, and the checks across their keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/key_table.hpp"
#include "config/sources.hpp"
#include "test_support.hpp"

namespace nmq::config {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using test::load;
using test::load_error;

std::vector<std::string> keys_of(const std::vector<ConfigWarning>& warnings) {
    std::vector<std::string> keys;
    for (const auto& w : warnings)
        keys.push_back(w.key);
    return keys;
}

TEST(BridgeKeys, TwoNamedBridgesWithListsOfForwardsAndSubscriptions) {
    std::vector<ConfigWarning> warnings;
    auto c = load(R"(
bridges.mqtt.cloud {
    server = "mqtt-tcp://10.0.0.1:1883"
    proto_ver = 5
    clientid = edge1
    keepalive = 30s
    backoff_max = 10s
    clean_start = true
    username = u
    forwards = [
        {remote_topic = "edge1/sensors/#", local_topic = "sensors/#"}
        {local_topic = "alarms/+", retain = 0, prefix = "up/"}
    ]
    subscription = [
        {remote_topic = "$share/edges/cmd/+", local_topic = "cmd/+", qos = 2,
         retain_as_published = 1, retain_handling = 2, nolocal = false}
    ]
    max_send_queue_len = 100
    max_send_queue_size = 1MB
    max_inflight = 10
}
bridges.mqtt.backup {
    server = "tls+mqtt-tcp://backup.example.com:8883"
    ssl { cacertfile = "/ca.pem", verify_peer = false }
    forwards = [{local_topic = "#"}]
}
)",
                  &warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(c.bridges.mqtt.size(), 2u);
    const Bridge& a = c.bridges.mqtt[0];
    EXPECT_EQ(a.name, "cloud");
    EXPECT_EQ(a.proto_ver, 5);
    EXPECT_EQ(a.clientid, "edge1");
    EXPECT_EQ(a.keepalive, milliseconds(30'000));
    EXPECT_EQ(a.backoff_max, milliseconds(10'000));
    EXPECT_TRUE(a.clean_start);
    EXPECT_TRUE(a.has_username);
    EXPECT_FALSE(a.has_password);
    ASSERT_EQ(a.forwards.size(), 2u);
    EXPECT_EQ(a.forwards[0].key, "0");
    EXPECT_EQ(a.forwards[0].local_topic, "sensors/#");
    EXPECT_EQ(a.forwards[0].remote_topic, "edge1/sensors/#");
    EXPECT_EQ(a.forwards[0].retain, 2);
    EXPECT_EQ(a.forwards[1].local_topic, "alarms/+");
    EXPECT_EQ(a.forwards[1].remote_topic, "");
    EXPECT_EQ(a.forwards[1].retain, 0);
    EXPECT_EQ(a.forwards[1].prefix, "up/");
    ASSERT_EQ(a.subscriptions.size(), 1u);
    EXPECT_EQ(a.subscriptions[0].remote_topic, "$share/edges/cmd/+");
    EXPECT_EQ(a.subscriptions[0].qos, 2);
    EXPECT_TRUE(a.subscriptions[0].retain_as_published);
    EXPECT_EQ(a.subscriptions[0].retain_handling, 2);
    EXPECT_FALSE(a.subscriptions[0].no_local);
    EXPECT_EQ(a.max_send_queue_len, 100u);
    EXPECT_EQ(a.max_send_queue_size, 1024u * 1024);
    EXPECT_EQ(a.max_inflight, 10u);
    EXPECT_FALSE(a.ssl.enable);

    const Bridge& b = c.bridges.mqtt[1];
    EXPECT_EQ(b.name, "backup");
    EXPECT_TRUE(b.ssl.enable);
    EXPECT_EQ(b.ssl.cacertfile, "/ca.pem");
    EXPECT_FALSE(b.ssl.verify_peer);
    EXPECT_EQ(b.proto_ver, 4);
    EXPECT_FALSE(b.clean_start);
}

TEST(BridgeKeys, ServerUrls) {
    auto s = parse_bridge_server("mqtt-tcp://127.0.0.1:1884");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->host, "127.0.0.1");
    EXPECT_EQ(s->port, 1884);
    EXPECT_FALSE(s->tls);
    s = parse_bridge_server("tls+mqtt-tcp://broker.example.com");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->port, 8883);
    EXPECT_TRUE(s->tls);
    s = parse_bridge_server("mqtt://[::1]:1883");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->host, "::1");
    EXPECT_TRUE(parse_bridge_server("127.0.0.1:1883"));
    std::string why;
    EXPECT_FALSE(parse_bridge_server("mqtt-quic://54.75.171.11:14567", &why));
    EXPECT_THAT(why, HasSubstr("QUIC is not supported"));
    EXPECT_FALSE(parse_bridge_server("http://x:1", &why));
    EXPECT_FALSE(parse_bridge_server("mqtt-tcp://:1883", &why));
    EXPECT_FALSE(parse_bridge_server("mqtt-tcp://h:1883/mqtt", &why));  // a path: WebSocket only
    EXPECT_TRUE(parse_bridge_server("mqtt-tcp://h:1883/"));
}

TEST(BridgeKeys, WebSocketServerUrlsWithTheirPath) {
    auto s = parse_bridge_server("ws://127.0.0.1:8083/mqtt");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->websocket);
    EXPECT_FALSE(s->tls);
    EXPECT_EQ(s->port, 8083);
    EXPECT_EQ(s->path, "/mqtt");
    s = parse_bridge_server("wss://broker.example.com/ws/mqtt");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->websocket && s->tls);
    EXPECT_EQ(s->host, "broker.example.com");
    EXPECT_EQ(s->port, 8084);  // the usual secure WebSocket port when none is given
    EXPECT_EQ(s->path, "/ws/mqtt");
    s = parse_bridge_server("mqtt-ws://[::1]:9001");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->host, "::1");
    EXPECT_EQ(s->port, 9001);
    EXPECT_EQ(s->path, "/mqtt");  // the default path
    std::string why;
    EXPECT_FALSE(parse_bridge_server("ws://h:1/a b", &why));
    EXPECT_THAT(why, HasSubstr("a path without spaces"));
}

TEST(BridgeKeys, ErrorsNameTheFileLineAndKey) {
    EXPECT_EQ(load_error("bridges.mqtt.a {\n  server = \"mqtt-quic://1.2.3.4:14567\"\n}\n"),
              "nanomq.conf:2:12: bridges.mqtt.a.server: expected mqtt-tcp://host:port, "
              "tls+mqtt-tcp://host:port, ws://host:port/path or wss://host:port/path (MQTT over "
              "QUIC is not supported), got "
              "\"mqtt-quic://1.2.3.4:14567\"");
    EXPECT_EQ(load_error("bridges.mqtt.a {\n  proto_ver = 6\n}\n"),
              "nanomq.conf:2:15: bridges.mqtt.a.proto_ver: expected an integer from 3 to 5, got 6");
    EXPECT_EQ(load_error("bridges.mqtt.a {\n  forwards = [{local_topic = \"a\"}]\n}\n"),
              "nanomq.conf:1:16: bridges.mqtt.a.server: required (the remote broker's URL)");
    EXPECT_EQ(load_error("bridges.mqtt.a {\n server = \"mqtt-tcp://h:1\"\n"
                         " forwards = [\n  {local_topic = \"a/#/b\"}\n ]\n}\n"),
              "nanomq.conf:4:18: bridges.mqtt.a.forwards.0.local_topic: \"a/#/b\" is not a valid "
              "topic filter");
    EXPECT_EQ(load_error("bridges.mqtt.a {\n server = \"mqtt-tcp://h:1\"\n"
                         " forwards = [{local_topic = \"a/+\", remote_topic = \"b/+/+\"}]\n}\n"),
              "nanomq.conf:3:51: bridges.mqtt.a.forwards.0.remote_topic: \"b/+/+\" uses wildcards "
              "that \"a/+\" does not have");
    EXPECT_THAT(load_error("bridges.mqtt.a {\n server = \"mqtt-tcp://h:1\"\n"
                           " subscription = [{remote_topic = \"c/#\", local_topic = \"l/#\", qos = "
                           "3}]\n}\n"),
                HasSubstr("bridges.mqtt.a.subscription.0.qos: expected an integer from 0 to 2"));
    EXPECT_THAT(load_error("bridges.mqtt.a {\n server = \"mqtt-tcp://h:1\"\n"
                           " subscription = [{local_topic = \"l\"}]\n}\n"),
                HasSubstr("bridges.mqtt.a.subscription.0.remote_topic: required"));
    EXPECT_THAT(load_error("bridges.mqtt.a {\n server = \"mqtt-tcp://h:1\"\n"
                           " forwards = [{local_topic = \"$share/g/x\"}]\n}\n"),
                HasSubstr("cannot select local messages"));
    EXPECT_THAT(load_error("bridges.mqtt.a {\n server = \"mqtt-tcp://h:1\"\n"
                           " forwards = [{local_topic = \"x\", prefix = \"+/\"}]\n}\n"),
                HasSubstr("bridges.mqtt.a.forwards.0.prefix: must not contain + or #"));
    EXPECT_THAT(load_error("bridges.mqtt.a {\n server = \"mqtt-tcp://h:1\"\n"
                           " forwards = [\"x\"]\n}\n"),
                HasSubstr("bridges.mqtt.a.forwards.0: expected an object"));
    // A disabled bridge needs no server.
    EXPECT_EQ(load_error("bridges.mqtt.a { enable = false }\n"), "");
}

TEST(BridgeKeys, UnsupportedKeysAreReportedNotIgnored) {
    std::vector<ConfigWarning> warnings;
    auto c = load(R"(
bridges.mqtt.a {
    server = "mqtt-tcp://127.0.0.1:1883"
    quic_keepalive = 120s
    hybrid_bridging = false
    resend_interval = 5000
    tcp { nodelay = false, keepidle = 60000 }
}
bridges.mqtt.cache { disk_cache_size = 102400 }
bridges.aws.c1 { server = "127.0.0.1:8883" }
)",
                  &warnings);
    EXPECT_THAT(
        keys_of(warnings),
        ::testing::ElementsAre("bridges.mqtt.a.quic_keepalive", "bridges.mqtt.a.hybrid_bridging",
                               "bridges.mqtt.a.resend_interval", "bridges.mqtt.a.tcp.keepidle",
                               "bridges.mqtt.cache", "bridges.aws"));
    for (const auto& w : warnings)
        EXPECT_EQ(w.kind, ConfigWarning::Kind::kNotSupported) << w.key;
    EXPECT_EQ(warnings[0].message,
              "nanomq.conf:4:5: bridges.mqtt.a.quic_keepalive: not supported yet (MQTT over QUIC), "
              "ignored");
    ASSERT_EQ(c.bridges.mqtt.size(), 1u);  // "cache" is not a bridge
    EXPECT_FALSE(c.bridges.mqtt[0].tcp_nodelay);
}

TEST(BridgeKeys, NanomqExampleConfBridges) {
    auto path = test::reference_dir() / "nanomq_example.conf";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
    std::vector<ConfigWarning> warnings;
    Config c;
    try {
        c = load_hocon_file(path.string(), warnings);
    } catch (const ConfigError& e) {
        // The sample includes /etc/nanomq_pwd.conf, which need not exist on this machine.
        GTEST_SKIP() << e.what();
    }
    ASSERT_EQ(c.bridges.mqtt.size(), 1u);
    const Bridge& b = c.bridges.mqtt[0];
    EXPECT_EQ(b.name, "emqx1");
    EXPECT_EQ(b.proto_ver, 5);
    EXPECT_EQ(b.clientid, "bridge_client");
    EXPECT_FALSE(b.tcp_nodelay);
    ASSERT_EQ(b.subscriptions.size(), 2u);
    EXPECT_TRUE(b.subscriptions[0].retain_as_published);
    EXPECT_EQ(b.subscriptions[0].retain_handling, 2);
    EXPECT_EQ(b.subscriptions[1].qos, 2);
}

TEST(BridgeKeys, OldFormatNamedBridges) {
    test::TempDir dir;
    auto path = dir.write("nanomq.conf",
                          "bridge.mqtt.emqx.bridge_mode=true\n"
                          "bridge.mqtt.emqx.address=mqtt-tcp://127.0.0.1:1885\n"
                          "bridge.mqtt.emqx.proto_ver=5\n"
                          "bridge.mqtt.emqx.keepalive=30\n"
                          "bridge.mqtt.emqx.clean_start=TRUE\n"
                          "bridge.mqtt.emqx.forwards.1.remote_topic=fwd/topic1\n"
                          "bridge.mqtt.emqx.forwards.1.local_topic=topic1\n"
                          "bridge.mqtt.emqx.subscription.1.remote_topic=cmd/topic1\n"
                          "bridge.mqtt.emqx.subscription.1.local_topic=topic1\n"
                          "bridge.mqtt.emqx.subscription.1.qos=2\n"
                          "bridge.mqtt.emqx.parallel=4\n"
                          "bridge.mqtt.emqx.connect.properties.receive_maximum=10\n"
                          "bridge.mqtt.emqx.will.topic=w\n"
                          "bridge.mqtt.emqx.will.properties.user_property={\"k\":\"v\"}\n"
                          "bridge.mqtt.emqx.tls.enable=false\n"
                          "bridge.mqtt.emqx.quic_keepalive=120\n"
                          "bridge.mqtt.other.address=mqtt-tcp://127.0.0.1:1886\n");
    std::vector<ConfigWarning> warnings;
    Config c = load_old_conf_file(path, warnings);
    ASSERT_EQ(c.bridges.mqtt.size(), 2u);
    const Bridge& b = c.bridges.mqtt[0];
    EXPECT_EQ(b.name, "emqx");
    EXPECT_TRUE(b.enable);
    EXPECT_EQ(b.server, "mqtt-tcp://127.0.0.1:1885");
    EXPECT_EQ(b.proto_ver, 5);
    EXPECT_EQ(b.keepalive, milliseconds(30'000));
    EXPECT_TRUE(b.clean_start);
    ASSERT_EQ(b.forwards.size(), 1u);
    EXPECT_EQ(b.forwards[0].remote_topic, "fwd/topic1");
    EXPECT_EQ(b.forwards[0].local_topic, "topic1");
    ASSERT_EQ(b.subscriptions.size(), 1u);
    EXPECT_EQ(b.subscriptions[0].remote_topic, "cmd/topic1");
    EXPECT_EQ(b.subscriptions[0].qos, 2);
    EXPECT_EQ(b.max_parallel_processes, 4u);
    EXPECT_EQ(b.conn_properties.receive_maximum, 10);
    EXPECT_EQ(b.will.topic, "w");
    EXPECT_EQ(b.will.user_properties, (UserPropertyList{{"k", "v"}}));
    EXPECT_FALSE(b.ssl.enable);
    EXPECT_EQ(c.bridges.mqtt[1].name, "other");
    // The unsupported key is reported at its line of the user's file.
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].key, "bridges.mqtt.emqx.quic_keepalive");
    EXPECT_THAT(warnings[0].where, ::testing::StartsWith(path + ":16:"));
}

TEST(BridgeKeys, OldFormatV1SingleBridge) {
    test::TempDir dir;
    auto path = dir.write("nanomq_bridge.conf",
                          "bridge.mqtt.address=mqtt-tcp://127.0.0.1:1883\n"
                          "bridge.mqtt.bridge_mode=true\n"
                          "bridge.mqtt.forwards=topic1/#,topic2/#\n"
                          "bridge.mqtt.subscription.1.topic=cmd/topic1\n"
                          "bridge.mqtt.subscription.1.qos=1\n"
                          "bridge.mqtt.subscription.2.topic=cmd/topic2\n"
                          "bridge.mqtt.subscription.2.qos=2\n");
    std::vector<ConfigWarning> warnings;
    Config c = load_old_conf_file(path, warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(c.bridges.mqtt.size(), 1u);
    const Bridge& b = c.bridges.mqtt[0];
    EXPECT_TRUE(b.enable);
    ASSERT_EQ(b.forwards.size(), 2u);
    EXPECT_EQ(b.forwards[0].local_topic, "topic1/#");
    EXPECT_EQ(b.forwards[0].remote_topic, "");  // the topic is kept
    EXPECT_EQ(b.forwards[1].local_topic, "topic2/#");
    ASSERT_EQ(b.subscriptions.size(), 2u);
    EXPECT_EQ(b.subscriptions[1].remote_topic, "cmd/topic2");
    EXPECT_EQ(b.subscriptions[1].qos, 2);
}

TEST(BridgeKeys, NanoMqsOldSamplesDefineDisabledBridges) {
    for (const char* name : {"nanomq_old.conf", "v0.8.0-nanomq_bridge.conf"}) {
        auto path = test::reference_dir() / name;
        if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
        std::vector<ConfigWarning> w;
        Config c = load_old_conf_file(path.string(), w);
        ASSERT_EQ(c.bridges.mqtt.size(), 1u) << name;
        // bridge_mode=false: the sample bridges to broker.emqx.io stay off.
        EXPECT_FALSE(c.bridges.mqtt[0].enable) << name;
        EXPECT_EQ(c.bridges.mqtt[0].subscriptions.size(), 2u) << name;
    }
}

}  // namespace
}  // namespace nmq::config
