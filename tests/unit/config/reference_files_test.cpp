// NanoMQ's own sample files must load unchanged, and give the values they say.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/key_table.hpp"
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

    EXPECT_THAT(keys_of(warnings, ConfigWarning::Kind::kNotSupported), ElementsAre("listeners.ws"));
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
    EXPECT_THAT(c.log.to, ElementsAre("file", "console"));

    // Everything else NanoMQ has is reported, once per section.
    auto unsupported = keys_of(warnings, ConfigWarning::Kind::kNotSupported);
    EXPECT_THAT(unsupported,
                IsSupersetOf({"system.hook_ipc_url", "system.cmd_ipc_url", "mqtt.batch_resend",
                              "listeners.ssl", "listeners.ws", "listeners.wss", "sqlite", "webhook",
                              "auth.password", "auth.acl", "auth.http_auth", "preset", "bridges",
                              "rules", "exchange_client", "parquet", "plugin"}));
    std::set<std::string> unique(unsupported.begin(), unsupported.end());
    EXPECT_EQ(unique.size(), unsupported.size());
    EXPECT_TRUE(keys_of(warnings, ConfigWarning::Kind::kUnknownKey).empty());
}

TEST(ReferenceFiles, NanomqBridgeConf) {
    NMQ_REFERENCE_FILE(path, "nanomq_bridge.conf");
    std::vector<ConfigWarning> warnings;
    Config c = load_hocon_file(path, warnings);
    EXPECT_EQ(c, Config{});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].key, "bridges");
    EXPECT_EQ(warnings[0].where, path + ":5:1");
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
