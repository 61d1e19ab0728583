// The TLS, WebSocket and secure WebSocket listeners in every configuration source: HOCON (named
// and unnamed), NanoMQ's key=value format, and the NANOMQ_TLS_* / NANOMQ_WEBSOCKET_* variables.
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/key_table.hpp"
#include "config/listeners.hpp"
#include "config/sources.hpp"
#include "test_support.hpp"

namespace nmq::config {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using test::load;
using test::load_error;

TEST(WsBind, HostPortAndPath) {
    EXPECT_EQ(parse_ws_bind("0.0.0.0:8083/mqtt"), (WsBind{"0.0.0.0", 8083, "/mqtt"}));
    EXPECT_EQ(parse_ws_bind("127.0.0.1:9000/a/b"), (WsBind{"127.0.0.1", 9000, "/a/b"}));
    EXPECT_EQ(parse_ws_bind("[::]:8084/mqtt"), (WsBind{"::", 8084, "/mqtt"}));
    // NanoMQ's docs also write the secure listener without a path.
    EXPECT_EQ(parse_ws_bind("0.0.0.0:8084"), (WsBind{"0.0.0.0", 8084, "/mqtt"}));
    EXPECT_EQ(parse_ws_bind("0.0.0.0:8083/"), (WsBind{"0.0.0.0", 8083, "/"}));
}

TEST(WsBind, Rejects) {
    EXPECT_EQ(parse_ws_bind(""), std::nullopt);
    EXPECT_EQ(parse_ws_bind("/mqtt"), std::nullopt);
    EXPECT_EQ(parse_ws_bind("0.0.0.0/mqtt"), std::nullopt);
    EXPECT_EQ(parse_ws_bind("0.0.0.0:99999/mqtt"), std::nullopt);
    EXPECT_EQ(parse_ws_bind("0.0.0.0:8083/a b"), std::nullopt);
    EXPECT_EQ(parse_ws_bind("0.0.0.0:8083/mqtt?x=1"), std::nullopt);
    EXPECT_EQ(parse_ws_bind("[::1:8083/mqtt"), std::nullopt);
}

TEST(TlsWsKeys, NoneByDefault) {
    Config c;
    EXPECT_TRUE(c.listeners.ssl.empty());
    EXPECT_TRUE(c.listeners.ws.empty());
    EXPECT_TRUE(c.listeners.wss.empty());
}

TEST(TlsWsKeys, SslSectionWithEveryKey) {
    auto c = load(R"(listeners.ssl {
    bind = "127.0.0.1:18883"
    keyfile = "/k.pem"
    certfile = "/c.pem"
    cacertfile = "/ca.pem"
    key_password = secret
    verify_peer = true
    fail_if_no_peer_cert = true
    use_identity_as_username = true
    handshake_timeout = 2s
}
)");
    ASSERT_EQ(c.listeners.ssl.size(), 1u);
    const auto& l = c.listeners.ssl[0];
    EXPECT_EQ(l.name, "");
    EXPECT_EQ(l.host, "127.0.0.1");
    EXPECT_EQ(l.port, 18883);
    EXPECT_TRUE(l.enable);
    EXPECT_EQ(l.handshake_timeout, milliseconds(2000));
    EXPECT_EQ(l.tls.keyfile, "/k.pem");
    EXPECT_EQ(l.tls.certfile, "/c.pem");
    EXPECT_EQ(l.tls.cacertfile, "/ca.pem");
    EXPECT_EQ(l.tls.key_password, "secret");
    EXPECT_TRUE(l.tls.verify_peer);
    EXPECT_TRUE(l.tls.fail_if_no_peer_cert);
    EXPECT_TRUE(l.tls.use_identity_as_username);
    // Where the files were written, for the start-up check that reads them.
    EXPECT_EQ(l.tls.keyfile_at.at, "nanomq.conf:3:15");
    EXPECT_EQ(l.tls.certfile_at.at, "nanomq.conf:4:16");
    EXPECT_EQ(l.tls.cacertfile_at.at, "nanomq.conf:5:18");
}

TEST(TlsWsKeys, WhereAFileWasWrittenIsNoPartOfTheValue) {
    auto a = load("listeners.ssl { keyfile = \"/k.pem\" }\n");
    auto b = load("\n\nlisteners.ssl {\n  keyfile = \"/k.pem\"\n}\n");
    EXPECT_NE(a.listeners.ssl[0].tls.keyfile_at.at, b.listeners.ssl[0].tls.keyfile_at.at);
    EXPECT_EQ(a, b);
}

TEST(TlsWsKeys, EmptySslSectionGetsTheDefaults) {
    auto c = load("listeners.ssl {}\n");
    ASSERT_EQ(c.listeners.ssl.size(), 1u);
    EXPECT_EQ(c.listeners.ssl[0].host, "0.0.0.0");
    EXPECT_EQ(c.listeners.ssl[0].port, 8883);
    EXPECT_EQ(c.listeners.ssl[0].handshake_timeout, milliseconds(10'000));
    EXPECT_EQ(c.listeners.ssl[0].tls, TlsOptions{});
    // The TCP listener is untouched by other kinds.
    EXPECT_EQ(c.listeners.tcp, Config{}.listeners.tcp);
}

TEST(TlsWsKeys, NamedListenersOfEachKind) {
    auto c = load(R"(
listeners.ssl.a { bind = "0.0.0.0:8881", keyfile = "/a.key", certfile = "/a.crt" }
listeners.ssl.b { bind = "0.0.0.0:8882", keyfile = "/b.key", certfile = "/b.crt" }
listeners.ws.w1 { bind = "0.0.0.0:9083/mqtt" }
listeners.ws.w2 { bind = "0.0.0.0:9084/other", allowed_origins = ["https://a.example"] }
listeners.wss.s1 { bind = "0.0.0.0:9085", max_frame_size = 64KB }
)");
    ASSERT_EQ(c.listeners.ssl.size(), 2u);  // only named ones: no unnamed listener
    EXPECT_EQ(c.listeners.ssl[0].name, "a");
    EXPECT_EQ(c.listeners.ssl[0].port, 8881);
    EXPECT_EQ(c.listeners.ssl[0].tls.keyfile, "/a.key");
    EXPECT_EQ(c.listeners.ssl[1].name, "b");
    EXPECT_EQ(c.listeners.ssl[1].tls.certfile, "/b.crt");
    ASSERT_EQ(c.listeners.ws.size(), 2u);
    EXPECT_EQ(c.listeners.ws[0].name, "w1");
    EXPECT_EQ(c.listeners.ws[0].port, 9083);
    EXPECT_EQ(c.listeners.ws[1].path, "/other");
    EXPECT_THAT(c.listeners.ws[1].allowed_origins, ElementsAre("https://a.example"));
    ASSERT_EQ(c.listeners.wss.size(), 1u);
    EXPECT_EQ(c.listeners.wss[0].name, "s1");
    EXPECT_EQ(c.listeners.wss[0].port, 9085);
    EXPECT_EQ(c.listeners.wss[0].path, "/mqtt");
    EXPECT_EQ(c.listeners.wss[0].max_frame_size, 64u * 1024);
}

TEST(TlsWsKeys, UnnamedAndNamedTogether) {
    auto c = load(R"(listeners.ws {
    bind = "0.0.0.0:8083/mqtt"
    extra { bind = "0.0.0.0:8093/mqtt" }
}
)");
    ASSERT_EQ(c.listeners.ws.size(), 2u);
    EXPECT_EQ(c.listeners.ws[0].name, "");
    EXPECT_EQ(c.listeners.ws[1].name, "extra");
    EXPECT_EQ(c.listeners.ws[1].port, 8093);
}

TEST(TlsWsKeys, DisabledListenersStayListed) {
    auto c = load("listeners.ssl { enable = false }\nlisteners.ws.x { enable = false }\n");
    ASSERT_EQ(c.listeners.ssl.size(), 1u);
    EXPECT_FALSE(c.listeners.ssl[0].enable);
    ASSERT_EQ(c.listeners.ws.size(), 1u);
    EXPECT_FALSE(c.listeners.ws[0].enable);
}

TEST(TlsWsKeys, SecureWebSocketUsesTheSslListenersTlsUnlessItNamesItsOwn) {
    auto c = load(R"(
listeners.ssl.named { keyfile = "/n.key", certfile = "/n.crt" }
listeners.ssl { keyfile = "/u.key", certfile = "/u.crt", verify_peer = true }
listeners.wss { bind = "0.0.0.0:8084/mqtt" }
listeners.wss.own { bind = "0.0.0.0:8085/mqtt", keyfile = "/o.key", certfile = "/o.crt" }
)");
    ASSERT_EQ(c.listeners.wss.size(), 2u);
    std::string from;
    const TlsOptions* inherited = wss_tls(c, c.listeners.wss[0], &from);
    ASSERT_NE(inherited, nullptr);
    EXPECT_EQ(inherited->keyfile, "/u.key");  // the unnamed listener before a named one
    EXPECT_TRUE(inherited->verify_peer);
    EXPECT_EQ(from, "listeners.ssl");
    const TlsOptions* own = wss_tls(c, c.listeners.wss[1], &from);
    EXPECT_EQ(own->keyfile, "/o.key");
    EXPECT_EQ(from, "listeners.wss.own");

    auto only_named = load("listeners.ssl.n { keyfile = \"/n.key\" }\nlisteners.wss {}\n");
    EXPECT_EQ(wss_tls(only_named, only_named.listeners.wss[0], &from)->keyfile, "/n.key");
    EXPECT_EQ(from, "listeners.ssl.n");
    auto none = load("listeners.wss {}\n");
    EXPECT_EQ(wss_tls(none, none.listeners.wss[0]), nullptr);
}

TEST(TlsWsKeys, ErrorsNameFileLineAndKey) {
    EXPECT_EQ(load_error("listeners.ws {\n  bind = \"0.0.0.0/mqtt\"\n}\n"),
              "nanomq.conf:2:10: listeners.ws.bind: expected host:port/path like "
              "0.0.0.0:8083/mqtt, got \"0.0.0.0/mqtt\"");
    EXPECT_THAT(load_error("listeners.ssl.a { verify_peer = maybe }\n"),
                HasSubstr("nanomq.conf:1:33: listeners.ssl.a.verify_peer: expected true or false"));
    EXPECT_THAT(load_error("listeners.ssl { bind = \"0.0.0.0\" }\n"),
                HasSubstr("listeners.ssl.bind: expected host:port"));
    EXPECT_THAT(load_error("listeners.wss { handshake_timeout = 1ms }\n"),
                HasSubstr("listeners.wss.handshake_timeout: expected a duration from 100ms"));
}

TEST(TlsWsKeys, TheyAreNoLongerReportedAsUnsupported) {
    std::vector<ConfigWarning> warnings;
    load("listeners.ssl {}\nlisteners.ws {}\nlisteners.wss {}\n", &warnings);
    EXPECT_TRUE(warnings.empty());
}

// ---------------------------------------------------------------------------------------------
// NanoMQ's key=value format

Config load_old(const std::string& text, std::vector<ConfigWarning>* warnings = nullptr) {
    test::TempDir dir;
    std::vector<ConfigWarning> ignored;
    return load_old_conf_file(dir.write("nanomq.conf", text),
                              warnings != nullptr ? *warnings : ignored);
}

TEST(TlsWsOldFormat, TlsOnWithItsFiles) {
    std::vector<ConfigWarning> w;
    auto c = load_old(
        "tls.enable=true\n"
        "tls.url=tls+nmq-tcp://127.0.0.1:18883\n"
        "tls.keyfile=/k.pem\n"
        "tls.certfile=/c.pem\n"
        "tls.cacertfile=/ca.pem\n"
        "tls.key_password=pw\n"
        "tls.verify_peer=true\n"
        "tls.fail_if_no_peer_cert=True\n",
        &w);
    EXPECT_TRUE(w.empty());
    ASSERT_EQ(c.listeners.ssl.size(), 1u);
    const auto& l = c.listeners.ssl[0];
    EXPECT_TRUE(l.enable);
    EXPECT_EQ(l.host, "127.0.0.1");
    EXPECT_EQ(l.port, 18883);
    EXPECT_EQ(l.tls.keyfile, "/k.pem");
    EXPECT_EQ(l.tls.certfile, "/c.pem");
    EXPECT_EQ(l.tls.cacertfile, "/ca.pem");
    EXPECT_EQ(l.tls.key_password, "pw");
    EXPECT_TRUE(l.tls.verify_peer);
    // The V1 parser took only "true" for the tls.* booleans.
    EXPECT_FALSE(l.tls.fail_if_no_peer_cert);
    EXPECT_THAT(l.tls.keyfile_at.at, HasSubstr("nanomq.conf:3:"));
}

TEST(TlsWsOldFormat, TlsIsOffUnlessEnabled) {
    auto off = load_old("tls.url=tls+nmq-tcp://0.0.0.0:8883\ntls.keyfile=/k.pem\n");
    ASSERT_EQ(off.listeners.ssl.size(), 1u);
    EXPECT_FALSE(off.listeners.ssl[0].enable);
    auto explicit_off = load_old("tls.enable=false\ntls.url=tls+nmq-tcp://0.0.0.0:8883\n");
    EXPECT_FALSE(explicit_off.listeners.ssl[0].enable);
    EXPECT_TRUE(load_old("url=nmq-tcp://0.0.0.0:1883\n").listeners.ssl.empty());
}

TEST(TlsWsOldFormat, WebSocketAndItsTlsUrl) {
    auto c = load_old(
        "websocket.enable=yes\n"
        "websocket.url=nmq-ws://127.0.0.1:18083/mqtt\n"
        "websocket.tls_url=nmq-wss://127.0.0.1:18084/mqtt\n"
        "tls.enable=true\n");
    ASSERT_EQ(c.listeners.ws.size(), 1u);
    EXPECT_TRUE(c.listeners.ws[0].enable);
    EXPECT_EQ(c.listeners.ws[0].port, 18083);
    EXPECT_EQ(c.listeners.ws[0].path, "/mqtt");
    ASSERT_EQ(c.listeners.wss.size(), 1u);
    EXPECT_TRUE(c.listeners.wss[0].enable);
    EXPECT_EQ(c.listeners.wss[0].port, 18084);

    // Without TLS on, websocket.tls_url opens nothing (NanoMQ's sample files say so).
    auto no_tls = load_old(
        "websocket.enable=true\nwebsocket.url=nmq-ws://0.0.0.0:8083/mqtt\n"
        "websocket.tls_url=nmq-wss://0.0.0.0:8084/mqtt\n");
    ASSERT_EQ(no_tls.listeners.wss.size(), 1u);
    EXPECT_FALSE(no_tls.listeners.wss[0].enable);
    auto ws_off = load_old("websocket.enable=false\nwebsocket.url=nmq-ws://0.0.0.0:8083/mqtt\n");
    EXPECT_FALSE(ws_off.listeners.ws[0].enable);
}

TEST(TlsWsOldFormat, BadUrlIsWarnedNotApplied) {
    std::vector<ConfigWarning> w;
    auto c = load_old("websocket.url=nmq-tcp://0.0.0.0:8083\n", &w);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].key, "websocket.url");
    EXPECT_TRUE(c.listeners.ws.empty());
}

TEST(TlsWsOldFormat, NanoMQsSampleFileOpensOnlyPlainWebSocket) {
    auto path = test::reference_dir() / "nanomq_old.conf";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
    std::vector<ConfigWarning> w;
    Config c = load_old_conf_file(path.string(), w);
    ASSERT_EQ(c.listeners.ssl.size(), 1u);
    EXPECT_FALSE(c.listeners.ssl[0].enable);  // tls.enable=false
    EXPECT_EQ(c.listeners.ssl[0].tls.keyfile, "/etc/certs/key.pem");
    ASSERT_EQ(c.listeners.ws.size(), 1u);
    EXPECT_TRUE(c.listeners.ws[0].enable);
    EXPECT_EQ(c.listeners.ws[0].port, 8083);
    ASSERT_EQ(c.listeners.wss.size(), 1u);
    EXPECT_FALSE(c.listeners.wss[0].enable);
    for (const auto& warning : w) {
        EXPECT_NE(warning.key.rfind("tls.", 0), 0u) << warning.message;
        EXPECT_NE(warning.key.rfind("websocket.", 0), 0u) << warning.message;
    }
}

TEST(TlsWsUrls, SchemesOfEachKind) {
    EXPECT_EQ(tls_url_to_bind("tls+nmq-tcp://0.0.0.0:8883"), "0.0.0.0:8883");
    EXPECT_EQ(tls_url_to_bind("tls+mqtt-tcp://127.0.0.1:8883"), "127.0.0.1:8883");
    EXPECT_EQ(tls_url_to_bind("0.0.0.0:8883"), "0.0.0.0:8883");
    EXPECT_EQ(tls_url_to_bind("nmq-tcp://0.0.0.0:1883"), std::nullopt);
    EXPECT_EQ(ws_url_to_bind("nmq-ws://0.0.0.0:8083/mqtt", false), "0.0.0.0:8083/mqtt");
    EXPECT_EQ(ws_url_to_bind("nmq+ws://0.0.0.0:8083/mqtt", false), "0.0.0.0:8083/mqtt");
    EXPECT_EQ(ws_url_to_bind("nmq-wss://0.0.0.0:8084/mqtt", false), std::nullopt);
    EXPECT_EQ(ws_url_to_bind("nmq-wss://0.0.0.0:8084/mqtt", true), "0.0.0.0:8084/mqtt");
    EXPECT_EQ(ws_url_to_bind("wss://0.0.0.0:8084/mqtt", true), "0.0.0.0:8084/mqtt");
}

// ---------------------------------------------------------------------------------------------
// Environment

Getenv env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

TEST(TlsWsEnvironment, NanoMQsVariables) {
    Config c;
    std::vector<ConfigWarning> w;
    apply_environment(c,
                      env_of({{"NANOMQ_TLS_URL", "tls+nmq-tcp://127.0.0.1:18883"},
                              {"NANOMQ_TLS_KEY_PATH", "/k.pem"},
                              {"NANOMQ_TLS_CERT_PATH", "/c.pem"},
                              {"NANOMQ_TLS_CA_CERT_PATH", "/ca.pem"},
                              {"NANOMQ_TLS_KEY_PASSWORD", "pw"},
                              {"NANOMQ_TLS_VERIFY_PEER", "true"},
                              {"NANOMQ_TLS_FAIL_IF_NO_PEER_CERT", "TRUE"},
                              {"NANOMQ_WEBSOCKET_URL", "nmq-ws://127.0.0.1:18083/ws"}}),
                      w);
    ASSERT_EQ(c.listeners.ssl.size(), 1u);
    const auto& l = c.listeners.ssl[0];
    EXPECT_TRUE(l.enable);
    EXPECT_EQ(l.port, 18883);
    EXPECT_EQ(l.tls.keyfile, "/k.pem");
    EXPECT_EQ(l.tls.certfile, "/c.pem");
    EXPECT_EQ(l.tls.cacertfile, "/ca.pem");
    EXPECT_EQ(l.tls.key_password, "pw");
    EXPECT_TRUE(l.tls.verify_peer);
    EXPECT_TRUE(l.tls.fail_if_no_peer_cert);
    EXPECT_THAT(l.tls.keyfile_at.at, HasSubstr("environment NANOMQ_TLS_KEY_PATH"));
    ASSERT_EQ(c.listeners.ws.size(), 1u);
    EXPECT_EQ(c.listeners.ws[0].port, 18083);
    EXPECT_EQ(c.listeners.ws[0].path, "/ws");
}

TEST(TlsWsEnvironment, EnableFalseWinsOverTheOtherVariables) {
    Config c;
    std::vector<ConfigWarning> w;
    apply_environment(c,
                      env_of({{"NANOMQ_TLS_ENABLE", "false"},
                              {"NANOMQ_TLS_KEY_PATH", "/k.pem"},
                              {"NANOMQ_WEBSOCKET_ENABLE", "false"}}),
                      w);
    ASSERT_EQ(c.listeners.ssl.size(), 1u);
    EXPECT_FALSE(c.listeners.ssl[0].enable);
    ASSERT_EQ(c.listeners.ws.size(), 1u);
    EXPECT_FALSE(c.listeners.ws[0].enable);
}

TEST(TlsWsEnvironment, BadUrlNamesTheVariable) {
    Config c;
    std::vector<ConfigWarning> w;
    try {
        apply_environment(c, env_of({{"NANOMQ_WEBSOCKET_URL", "nmq-tcp://0.0.0.0:1883"}}), w);
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), HasSubstr("NANOMQ_WEBSOCKET_URL"));
    }
    EXPECT_THROW(apply_environment(c, env_of({{"NANOMQ_TLS_URL", "nmq-ws://x:1/mqtt"}}), w),
                 ConfigError);
}

}  // namespace
}  // namespace nmq::config
