// NanoMQ's key=value format and NANOMQ_* environment overrides, applied through the key table.
#include "config/sources.hpp"

#include <gtest/gtest.h>

#include <map>

#include "test_support.hpp"

namespace nmq::config {
namespace {

using test::reference_dir;
using test::TempDir;

Getenv env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

TEST(TcpUrl, SchemesOfPlainTcpGiveTheirBindAddress) {
    EXPECT_EQ(tcp_url_to_bind("nmq-tcp://0.0.0.0:1883"), "0.0.0.0:1883");
    EXPECT_EQ(tcp_url_to_bind("broker+tcp://127.0.0.1:1884"), "127.0.0.1:1884");
    EXPECT_EQ(tcp_url_to_bind("0.0.0.0:1883"), "0.0.0.0:1883");
    EXPECT_EQ(tcp_url_to_bind("tls+nmq-tcp://0.0.0.0:8883"), std::nullopt);
    EXPECT_EQ(tcp_url_to_bind("nmq-ws://0.0.0.0:8083/mqtt"), std::nullopt);
}

TEST(OldFormat, ReadsTheV1KeysWithTheirOldUnits) {
    TempDir dir;
    auto path = dir.write("nanomq.conf",
                          "# comment\n"
                          "url = nmq-tcp://127.0.0.1:2883\n"
                          "num_taskq_thread=3\n"
                          "max_packet_size=64\n"
                          "msq_len=77\n"
                          "qos_duration=15\n"
                          "keepalive_backoff=1500\n"
                          "allow_anonymous=YES\n"
                          "msq_len=78\n");
    std::vector<ConfigWarning> warnings;
    Config c = load_old_conf_file(path, warnings);
    ASSERT_EQ(c.listeners.tcp.size(), 1u);
    EXPECT_EQ(c.listeners.tcp[0].host, "127.0.0.1");
    EXPECT_EQ(c.listeners.tcp[0].port, 2883);
    EXPECT_EQ(c.system.num_taskq_thread, 3u);
    EXPECT_EQ(c.mqtt.max_packet_size, 64u * 1024);  // KiB in this format
    EXPECT_EQ(c.mqtt.max_mqueue_len, 78u);          // a later line overrides
    EXPECT_EQ(c.mqtt.retry_interval, std::chrono::seconds(15));
    EXPECT_DOUBLE_EQ(c.mqtt.keepalive_multiplier, 1.5);
    EXPECT_TRUE(c.auth.allow_anonymous);
    EXPECT_TRUE(warnings.empty());
}

TEST(OldFormat, HttpServerStaysOffUnlessEnabled) {
    TempDir dir;
    auto off = dir.write("a.conf", "http_server.port=9000\n");
    std::vector<ConfigWarning> w;
    EXPECT_FALSE(load_old_conf_file(off, w).http_server.enable);
    auto on = dir.write("b.conf", "http_server.enable=true\nhttp_server.port=9000\n");
    auto c = load_old_conf_file(on, w);
    EXPECT_TRUE(c.http_server.enable);
    EXPECT_EQ(c.http_server.port, 9000);
}

TEST(OldFormat, BadValueNamesTheFileLineAndKey) {
    TempDir dir;
    auto path = dir.write("bad.conf", "daemon=false\n\nmsq_len=lots\n");
    std::vector<ConfigWarning> w;
    try {
        load_old_conf_file(path, w);
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("bad.conf:3:"), std::string::npos) << what;
        EXPECT_NE(what.find("mqtt.max_mqueue_len"), std::string::npos) << what;
        EXPECT_NE(what.find("lots"), std::string::npos) << what;
    }
}

TEST(OldFormat, UnsupportedKeysAreWarnedOnceEach) {
    TempDir dir;
    auto path = dir.write(
        "c.conf", "client_max_packet_size=1\nclient_max_packet_size=2\nsqlite.enable=false\n");
    std::vector<ConfigWarning> w;
    load_old_conf_file(path, w);
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0].key, "client_max_packet_size");
    EXPECT_EQ(w[1].key, "sqlite.enable");
}

TEST(OldFormat, NanoMQsOwnFilesLoad) {
    for (const char* name :
         {"nanomq_old.conf", "v0.8.0-nanomq.conf", "v0.8.0-nanomq_bridge.conf"}) {
        auto path = reference_dir() / name;
        if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
        std::vector<ConfigWarning> w;
        Config c = load_old_conf_file(path.string(), w);
        EXPECT_FALSE(w.empty() && std::string(name) != "v0.8.0-nanomq_bridge.conf") << name;
        if (std::string(name) == "v0.8.0-nanomq.conf") {
            EXPECT_EQ(c.system.num_taskq_thread, 4u);
            EXPECT_EQ(c.mqtt.max_mqueue_len, 256u);
            EXPECT_EQ(c.mqtt.retry_interval, std::chrono::seconds(60));
            EXPECT_EQ(c.mqtt.max_packet_size, 1024u * 1024);
            EXPECT_FALSE(c.http_server.enable);
            ASSERT_EQ(c.listeners.tcp.size(), 1u);
            EXPECT_EQ(c.listeners.tcp[0].port, 1883);
        }
        if (std::string(name) == "nanomq_old.conf") {
            EXPECT_EQ(c.mqtt.max_mqueue_len, 2048u);
            EXPECT_DOUBLE_EQ(c.mqtt.keepalive_multiplier, 1.25);
        }
    }
}

TEST(Environment, OverridesTheFile) {
    Config c;
    c.mqtt.max_mqueue_len = 10;
    std::vector<ConfigWarning> w;
    apply_environment(c,
                      env_of({{"NANOMQ_MSQ_LEN", "99"},
                              {"NANOMQ_BROKER_URL", "nmq-tcp://127.0.0.1:3883"},
                              {"NANOMQ_ALLOW_ANONYMOUS", "FALSE"},
                              {"NANOMQ_QOS_DURATION", "20"}}),
                      w);
    EXPECT_EQ(c.mqtt.max_mqueue_len, 99u);
    ASSERT_EQ(c.listeners.tcp.size(), 1u);
    EXPECT_EQ(c.listeners.tcp[0].port, 3883);
    EXPECT_FALSE(c.auth.allow_anonymous);
    EXPECT_EQ(c.mqtt.retry_interval, std::chrono::seconds(20));
}

TEST(Environment, BadValueNamesTheVariable) {
    Config c;
    std::vector<ConfigWarning> w;
    try {
        apply_environment(c, env_of({{"NANOMQ_MSQ_LEN", "many"}}), w);
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("NANOMQ_MSQ_LEN"), std::string::npos) << e.what();
    }
    EXPECT_THROW(apply_environment(c, env_of({{"NANOMQ_BROKER_URL", "nmq-ws://x:1/mqtt"}}), w),
                 ConfigError);
}

TEST(Environment, UnsetVariablesChangeNothing) {
    Config c;
    std::vector<ConfigWarning> w;
    apply_environment(c, env_of({}), w);
    EXPECT_EQ(c, Config{});
}

}  // namespace
}  // namespace nmq::config
