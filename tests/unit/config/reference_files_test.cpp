// NanoMQ's own sample files must load unchanged, and give the values they say.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/key_table.hpp"
#include "config/listeners.hpp"
#include "test_support.hpp"

namespace nmq::config {
namespace {

using std::chrono::milliseconds;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsSupersetOf;

std::string reference_file(const std::string& name) {
    auto path = test::reference_dir() / name;
    return std::filesystem::exists(path) ? path.string() : std::string();
}

#define NMQ_REFERENCE_FILE(var, name)             \
    const std::string var = reference_file(name); \
    if (var.empty()) GTEST_SKIP() << name << " not found in " << test::reference_dir()

std::vector<std::string> keys_of(const std::vector<ConfigWarning>& warnings,
                                 ConfigWarning::Kind kind) {
    std::vector<std::string> keys;
    for (const auto& w : warnings) {
        if (w.kind == kind) keys.push_back(w.key);
    }
    return keys;
}

TEST(ReferenceFiles, NanomqConf) {
    NMQ_REFERENCE_FILE(path, "nanomq.conf");
    std::vector<ConfigWarning> warnings;
    Config c = load_hocon_file(path, warnings);

    EXPECT_EQ(c.listeners.tcp, (std::vector<TcpListener>{{"", "0.0.0.0", 1883, true}}));
    EXPECT_EQ(c.mqtt.property_size, 32u);
    EXPECT_EQ(c.mqtt.max_topic_alias, 1024u);
    EXPECT_EQ(c.mqtt.max_packet_size, 256u * 1024 * 1024);
    EXPECT_EQ(c.mqtt.max_mqueue_len, 2048u);
    EXPECT_EQ(c.mqtt.retry_interval, milliseconds(10'000));
    EXPECT_DOUBLE_EQ(c.mqtt.keepalive_multiplier, 1.25);
    EXPECT_EQ(c.mqtt.max_inflight_window, 2048u);
    EXPECT_EQ(c.mqtt.max_awaiting_rel, milliseconds(10'000));
    EXPECT_EQ(c.mqtt.await_rel_timeout, milliseconds(10'000));

    EXPECT_TRUE(c.http_server.enable);
    EXPECT_EQ(c.http_server.port, 8081);
    EXPECT_EQ(c.http_server.limit_conn, 2u);
    EXPECT_EQ(c.http_server.username, "admin");
    EXPECT_EQ(c.http_server.password, "public");
    EXPECT_EQ(c.http_server.auth_type, HttpAuthType::kBasic);
    EXPECT_EQ(c.http_server.jwt_public_keyfile, "/etc/certs/jwt/jwtRS256.key.pub");

    EXPECT_THAT(c.log.to, ElementsAre("file", "console"));
    EXPECT_EQ(c.log.level, "warn");
    EXPECT_EQ(c.log.dir, "/tmp");
    EXPECT_EQ(c.log.file, "nanomq.log");
    EXPECT_EQ(c.log.rotation_size, 10u * 1024 * 1024);
    EXPECT_EQ(c.log.rotation_count, 5u);

    EXPECT_TRUE(c.auth.allow_anonymous);
    EXPECT_EQ(c.auth.no_match, AclNoMatch::kAllow);
    EXPECT_EQ(c.auth.deny_action, AclDenyAction::kIgnore);

    ASSERT_EQ(c.listeners.ws.size(), 1u);
    EXPECT_EQ(c.listeners.ws[0].name, "");
    EXPECT_EQ(c.listeners.ws[0].host, "0.0.0.0");
    EXPECT_EQ(c.listeners.ws[0].port, 8083);
    EXPECT_EQ(c.listeners.ws[0].path, "/mqtt");
    EXPECT_TRUE(c.listeners.ws[0].enable);
    EXPECT_TRUE(c.listeners.ssl.empty());  // commented out
    EXPECT_TRUE(c.listeners.wss.empty());

    EXPECT_TRUE(keys_of(warnings, ConfigWarning::Kind::kNotSupported).empty());
    EXPECT_TRUE(keys_of(warnings, ConfigWarning::Kind::kUnknownKey).empty());
}

TEST(ReferenceFiles, NanomqExampleConf) {
    NMQ_REFERENCE_FILE(path, "nanomq_example.conf");
    std::vector<ConfigWarning> warnings;
    Config c = load_hocon_file(path, warnings);

    EXPECT_EQ(c.system.num_taskq_thread, 0u);
    EXPECT_EQ(c.system.max_taskq_thread, 0u);
    EXPECT_EQ(c.system.parallel, 0u);
    EXPECT_EQ(c.mqtt.max_packet_size, 1024u);  // the example says 1KB
    EXPECT_EQ(c.mqtt.max_mqueue_len, 2048u);
    EXPECT_EQ(c.mqtt.retry_interval, milliseconds(10'000));
    EXPECT_DOUBLE_EQ(c.mqtt.keepalive_multiplier, 1.25);
    EXPECT_EQ(c.listeners.tcp, (std::vector<TcpListener>{{"", "0.0.0.0", 1883, true},
                                                         {"default_1", "0.0.0.0", 1884, true},
                                                         {"default_2", "0.0.0.0", 1885, true}}));
    EXPECT_TRUE(c.http_server.enable);
    EXPECT_EQ(c.http_server.ip_addr, "0.0.0.0");
    EXPECT_EQ(c.http_server.limit_conn, 32u);

    // Three TLS listeners with NanoMQ's sample certificate paths (which need not exist to load).
    ASSERT_EQ(c.listeners.ssl.size(), 3u);
    EXPECT_EQ(c.listeners.ssl[0].name, "");
    EXPECT_EQ(c.listeners.ssl[0].port, 8883);
    EXPECT_EQ(c.listeners.ssl[1].name, "default_1");
    EXPECT_EQ(c.listeners.ssl[1].port, 8881);
    EXPECT_EQ(c.listeners.ssl[2].name, "default_2");
    EXPECT_EQ(c.listeners.ssl[2].port, 8884);
    for (const auto& l : c.listeners.ssl) {
        EXPECT_EQ(l.host, "0.0.0.0");
        EXPECT_EQ(l.tls.keyfile, "/etc/certs/key.pem");
        EXPECT_EQ(l.tls.certfile, "/etc/certs/cert.pem");
        EXPECT_EQ(l.tls.cacertfile, "/etc/certs/cacert.pem");
        EXPECT_EQ(l.tls.key_password, "");
        EXPECT_FALSE(l.tls.verify_peer);
        EXPECT_FALSE(l.tls.fail_if_no_peer_cert);
    }
    EXPECT_THAT(c.listeners.ssl[0].tls.keyfile_at.at,
                ::testing::EndsWith("nanomq_example.conf:141:12"));
    ASSERT_EQ(c.listeners.ws.size(), 1u);
    EXPECT_EQ(c.listeners.ws[0].port, 8083);
    EXPECT_EQ(c.listeners.ws[0].path, "/mqtt");
    ASSERT_EQ(c.listeners.wss.size(), 1u);
    EXPECT_EQ(c.listeners.wss[0].port, 8086);
    EXPECT_EQ(c.listeners.wss[0].path, "/mqtt");
    // The secure WebSocket listener names no files of its own: it uses listeners.ssl's.
    std::string from;
    ASSERT_EQ(wss_tls(c, c.listeners.wss[0], &from), &c.listeners.ssl[0].tls);
    EXPECT_EQ(from, "listeners.ssl");
    EXPECT_THAT(c.log.to, ElementsAre("file", "console"));

    // Everything else NanoMQ has is reported, once per section.
    // The sqlite section switches persistence on, in the folder it names (commented out there).
    EXPECT_TRUE(c.sqlite.enable);
    EXPECT_EQ(c.sqlite.mounted_file_path, "/tmp/");

    // The password list written inline is read; the example's include of
    // /etc/nanomq_pwd.conf and /etc/nanomq_acl.conf (installed by NanoMQ's packages) make
    // check_files() refuse to start where those files are missing: fail closed.
    EXPECT_TRUE(c.auth.password_configured);
    EXPECT_THAT(c.auth.users,
                ::testing::Contains(std::pair<std::string, std::string>{"admin", "public"}));
    EXPECT_TRUE(c.auth.acl_configured);
    if (!std::filesystem::exists("/etc/nanomq_pwd.conf")) {
        EXPECT_THAT(c.auth.unreadable, ::testing::HasSubstr("/etc/nanomq_pwd.conf"));
        EXPECT_THROW(check_files(c), ConfigError);
    }

    auto unsupported = keys_of(warnings, ConfigWarning::Kind::kNotSupported);
    EXPECT_THAT(unsupported,
                IsSupersetOf({"system.hook_ipc_url", "system.cmd_ipc_url", "mqtt.batch_resend",
                              "sqlite.disk_cache_size", "webhook", "auth.http_auth", "preset",
                              "bridges.mqtt.cache", "bridges.aws", "bridges.nng",
                              "bridges.mqtt.emqx1.quic_keepalive", "bridges.mqtt.emqx1.transparent",
                              "rules", "exchange_client", "parquet", "plugin"}));
    std::set<std::string> unique(unsupported.begin(), unsupported.end());
    EXPECT_EQ(unique.size(), unsupported.size());
    EXPECT_TRUE(keys_of(warnings, ConfigWarning::Kind::kUnknownKey).empty());
}

TEST(ReferenceFiles, NanomqBridgeConf) {
    NMQ_REFERENCE_FILE(path, "nanomq_bridge.conf");
    std::vector<ConfigWarning> warnings;
    Config c = load_hocon_file(path, warnings);
    ASSERT_EQ(c.bridges.mqtt.size(), 1u);
    const Bridge& b = c.bridges.mqtt[0];
    EXPECT_EQ(b.name, "emqx1");
    EXPECT_TRUE(b.enable);
    EXPECT_EQ(b.server, "mqtt-tcp://127.0.0.1:1883");
    EXPECT_EQ(b.proto_ver, 4);
    EXPECT_EQ(b.clientid, "");  // commented out: a random one
    EXPECT_EQ(b.keepalive, milliseconds(60'000));
    EXPECT_EQ(b.backoff_max, milliseconds(60'000));
    EXPECT_FALSE(b.clean_start);
    EXPECT_TRUE(b.has_username);
    EXPECT_EQ(b.username, "username");
    EXPECT_EQ(b.password, "passwd");
    EXPECT_EQ(b.conn_properties.maximum_packet_size, 1024u);
    EXPECT_EQ(b.conn_properties.receive_maximum, 65535);
    EXPECT_EQ(b.conn_properties.request_problem_information, 1);
    EXPECT_EQ(b.conn_properties.user_properties,
              (UserPropertyList{{"key1", "value1"}, {"key2", "value2"}}));
    EXPECT_TRUE(b.will.enable);
    EXPECT_EQ(b.will.topic, "will_topic");
    EXPECT_EQ(b.will.qos, 1);
    EXPECT_EQ(b.will.payload, "will_message");
    EXPECT_EQ(b.will.user_properties.size(), 2u);
    EXPECT_FALSE(b.ssl.enable);  // commented out
    ASSERT_EQ(b.forwards.size(), 2u);
    EXPECT_EQ(b.forwards[0].local_topic, "topic1");
    EXPECT_EQ(b.forwards[0].remote_topic, "fwd/topic1");
    EXPECT_EQ(b.forwards[1].local_topic, "topic2");
    EXPECT_EQ(b.forwards[1].remote_topic, "fwd/topic2");
    ASSERT_EQ(b.subscriptions.size(), 2u);
    EXPECT_EQ(b.subscriptions[0].remote_topic, "cmd/topic3");
    EXPECT_EQ(b.subscriptions[0].local_topic, "topic3");
    EXPECT_EQ(b.subscriptions[0].qos, 1);
    EXPECT_EQ(b.subscriptions[1].remote_topic, "cmd/topic4");
    EXPECT_EQ(b.subscriptions[1].qos, 2);
    EXPECT_EQ(b.sub_identifier, 1u);
    EXPECT_EQ(b.max_parallel_processes, 2u);
    EXPECT_EQ(b.max_send_queue_len, 32u);

    // What nmq does not implement is reported, once each: QUIC, hybrid bridging, NanoMQ's
    // receive queue and the disk cache.
    auto unsupported = keys_of(warnings, ConfigWarning::Kind::kNotSupported);
    EXPECT_THAT(
        unsupported,
        IsSupersetOf({"bridges.mqtt.emqx1.quic_keepalive", "bridges.mqtt.emqx1.quic_0rtt",
                      "bridges.mqtt.emqx1.hybrid_bridging", "bridges.mqtt.emqx1.hybrid_servers",
                      "bridges.mqtt.emqx1.max_recv_queue_len", "bridges.mqtt.cache"}));
    EXPECT_EQ(unsupported.size(), 14u);
    EXPECT_TRUE(keys_of(warnings, ConfigWarning::Kind::kUnknownKey).empty());
}

TEST(ReferenceFiles, PasswordFileParsesAsHocon) {
    NMQ_REFERENCE_FILE(path, "nanomq_pwd.conf");
    HoconValue root = parse_hocon_file(path);
    ASSERT_EQ(root.fields().size(), 2u);
    EXPECT_EQ(root.find("admin")->text(), "public");
    EXPECT_EQ(root.find("client")->text(), "public");
}

TEST(ReferenceFiles, AclFileParsesAsHocon) {
    NMQ_REFERENCE_FILE(path, "nanomq_acl.conf");
    HoconValue root = parse_hocon_file(path);
    const HoconValue* rules = root.find("rules");
    ASSERT_NE(rules, nullptr);
    ASSERT_EQ(rules->items().size(), 2u);
    EXPECT_EQ(rules->items()[0].find("username")->text(), "dashboard");
    EXPECT_EQ(rules->items()[0].find("topics")->items()[0].text(), "$SYS/#");
    EXPECT_EQ(rules->items()[1].find("permit")->text(), "allow");
}

// nanomq.conf's commented-out lines, switched on, pointing at the sample files.
TEST(ReferenceFiles, AuthIncludesOfThePasswordAndAclFiles) {
    NMQ_REFERENCE_FILE(pwd, "nanomq_pwd.conf");
    NMQ_REFERENCE_FILE(acl, "nanomq_acl.conf");
    auto root = parse_hocon_text("auth {\n  allow_anonymous = true\n  password = {include \"" +
                                     pwd + "\"}\n  acl = {include \"" + acl + "\"}\n}\n",
                                 "nanomq.conf");
    EXPECT_EQ(root.find_path("auth.password.admin")->text(), "public");
    EXPECT_EQ(root.find_path("auth.acl.rules")->items().size(), 2u);
}

TEST(ReferenceFiles, EveryHoconSampleLoads) {
    if (!std::filesystem::exists(test::reference_dir())) GTEST_SKIP();
    for (const char* name : {"nanomq.conf", "nanomq_example.conf", "nanomq_bridge.conf"}) {
        std::vector<ConfigWarning> warnings;
        EXPECT_NO_THROW(load_hocon_file((test::reference_dir() / name).string(), warnings)) << name;
    }
}

}  // namespace
}  // namespace nmq::config
