// req 11 (the configuration as the API shows it) and req 12 (a change, validated in full by the
// key table before anything is applied), as pure functions of a Config.
#include "http/config_api.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <variant>

#include <unistd.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/overrides.hpp"

namespace nmq::http {
namespace {

namespace json = boost::json;

std::string view_text(const config::Config& c) {
    return json::serialize(config_view(c));
}

ConfigChange change_ok(const std::string& data, const config::Config& c) {
    auto r = change_config(json::parse(data).as_object(), c);
    if (auto* e = std::get_if<ConfigChangeError>(&r)) ADD_FAILURE() << data << ": " << e->message;
    return std::holds_alternative<ConfigChange>(r) ? std::get<ConfigChange>(r) : ConfigChange{c};
}

std::string change_error(const std::string& data, const config::Config& c = {}) {
    auto r = change_config(json::parse(data).as_object(), c);
    if (auto* e = std::get_if<ConfigChangeError>(&r)) return e->message;
    return "accepted";
}

TEST(ConfigView, DefaultsInTheSpecShapeAndOrder) {
    EXPECT_EQ(view_text(config::Config{}),
              R"({"url":"nmq-tcp://0.0.0.0:1883","num_taskq_thread":0,"max_taskq_thread":0,)"
              R"("parallel":0,"property_size":32,"msq_len":2048,"qos_duration":10,)"
              R"("allow_anonymous":true,"daemon":false,)"
              R"("tls":{"enable":false,"url":null,"key_password":null,"key":null,"cert":null,)"
              R"("cacert":null,"verify_peer":false,"fail_if_no_peer_cert":false},)"
              R"("websocket":{"enable":false,"url":null,"tls_url":null},)"
              R"("http_server":{"enable":false,"port":8081,"username":"admin",)"
              R"("password":"******","auth_type":"basic"},)"
              R"("bridge":{"bridge_mode":false,"address":null,"proto_ver":null,"clientid":null,)"
              R"("clean_start":null,"username":null,"password":null,"keepalive":null,)"
              R"("parallel":null,"forwards":[],"subscription":[]}})");
}

TEST(ConfigView, UnsetStringsAreNullAndSecretsRedacted) {
    config::Config c;
    c.http_server.username.clear();
    c.http_server.password.clear();
    auto hs = config_view(c).at("http_server").as_object();
    EXPECT_TRUE(hs.at("username").is_null());
    EXPECT_TRUE(hs.at("password").is_null());
    c.http_server.password = "secret";
    EXPECT_EQ(config_view(c).at("http_server").at("password"), json::value("******"));
    EXPECT_EQ(view_text(c).find("secret"), std::string::npos);
}

TEST(ConfigView, UrlIsTheFirstTcpListener) {
    config::Config c;
    c.listeners.tcp = {{"a", "::1", 1884, true}, {"b", "127.0.0.1", 1885, true}};
    EXPECT_EQ(config_view(c).at("url"), json::value("nmq-tcp://[::1]:1884"));
    c.listeners.tcp.clear();
    EXPECT_TRUE(config_view(c).at("url").is_null());
}

TEST(ConfigView, QosDurationInWholeSeconds) {
    config::Config c;
    c.mqtt.retry_interval = std::chrono::milliseconds(1500);
    EXPECT_EQ(config_view(c).at("qos_duration"), json::value(2));
    c.mqtt.retry_interval = std::chrono::milliseconds(300);
    EXPECT_EQ(config_view(c).at("qos_duration"), json::value(1));
}

TEST(ConfigChange, TheViewSentBackChangesNothing) {
    config::Config c;
    c.mqtt.retry_interval = std::chrono::milliseconds(1500);  // shown rounded: still no change
    c.http_server.password = "pw";
    c.listeners.tcp.clear();
    EXPECT_TRUE(change_ok(view_text(c), c).empty());
    EXPECT_TRUE(change_ok(view_text(config::Config{}), config::Config{}).empty());
    EXPECT_TRUE(change_ok("{}", c).empty());
}

TEST(ConfigChange, SetsKeysThroughTheKeyTable) {
    config::Config c;
    auto ch =
        change_ok(R"({"msq_len":64,"qos_duration":15,"allow_anonymous":false,)"
                  R"("num_taskq_thread":4,"http_server":{"username":"root","auth_type":"BASIC"}})",
                  c);
    EXPECT_EQ(ch.next.mqtt.max_mqueue_len, 64u);
    EXPECT_EQ(ch.next.mqtt.retry_interval, std::chrono::seconds(15));
    EXPECT_FALSE(ch.next.auth.allow_anonymous);
    EXPECT_EQ(ch.next.system.num_taskq_thread, 4u);
    EXPECT_EQ(ch.next.http_server.username, "root");
    const std::vector<config::Override> expected{{"mqtt.max_mqueue_len", "64"},
                                                 {"mqtt.retry_interval", "15"},
                                                 {"auth.allow_anonymous", "false"},
                                                 {"system.num_taskq_thread", "4"},
                                                 {"http_server.username", "\"root\""}};
    EXPECT_EQ(ch.overrides, expected);  // auth_type "BASIC" is the current one: no change
    EXPECT_EQ(ch.live, (std::vector<std::string>{"msq_len", "qos_duration", "allow_anonymous",
                                                 "http_server.username"}));
    EXPECT_EQ(ch.at_restart, (std::vector<std::string>{"num_taskq_thread"}));
    EXPECT_EQ(c.mqtt.max_mqueue_len, 2048u);  // the current configuration is left alone
}

TEST(ConfigChange, PersistedOverridesRebuildTheSameConfiguration) {
    config::Config c;
    c.listeners.tcp = {{"main", "0.0.0.0", 1883, true}, {"x", "0.0.0.0", 1884, true}};
    auto ch = change_ok(R"({"msq_len":9,"url":"nmq-tcp://127.0.0.1:2883","property_size":77,)"
                        R"("http_server":{"password":"new \"pw\"\n"},"daemon":true})",
                        c);
    auto dir = std::filesystem::temp_directory_path() /
               ("nmq_config_api_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "o.conf").string();
    config::write_overrides(path, ch.overrides);
    config::Config rebuilt = c;
    std::vector<config::ConfigWarning> warnings;
    config::apply_overrides_file(rebuilt, path, warnings);
    std::filesystem::remove_all(dir);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(rebuilt, ch.next);
    ASSERT_EQ(ch.next.listeners.tcp.size(), 2u);  // the first listener moved, the other kept
    EXPECT_EQ(ch.next.listeners.tcp[0].host, "127.0.0.1");
    EXPECT_EQ(ch.next.listeners.tcp[0].port, 2883);
    EXPECT_EQ(ch.next.listeners.tcp[1].port, 1884);
    EXPECT_EQ(ch.next.http_server.password, "new \"pw\"\n");
}

TEST(ConfigChange, SecretsRedactedKeepTheirValue) {
    config::Config c;
    c.http_server.password = "pw";
    auto ch = change_ok(R"({"http_server":{"password":"******"},"tls":{"keypass":null}})", c);
    EXPECT_TRUE(ch.empty());
    EXPECT_EQ(ch.next.http_server.password, "pw");
}

TEST(ConfigChange, ErrorsNameTheField) {
    auto starts = [](const std::string& message, const std::string& field) {
        return message.rfind(field + ": ", 0) == 0;
    };
    EXPECT_EQ(change_error(R"({"bogus":1})"), "bogus: unknown key");
    EXPECT_EQ(change_error(R"({"http_server":{"x":1}})"), "http_server.x: unknown key");
    EXPECT_EQ(change_error(R"({"tls":{"x":1}})"), "tls.x: unknown key");
    EXPECT_EQ(change_error(R"({"msq_len":"5"})"), "msq_len: expected an integer, got a string");
    EXPECT_EQ(change_error(R"({"msq_len":5.0})"),
              "msq_len: expected an integer, got a number with a fraction or an exponent");
    EXPECT_EQ(change_error(R"({"msq_len":0})"),
              "msq_len: expected an integer from 1 to 4294967295, got 0");
    EXPECT_TRUE(starts(change_error(R"({"num_taskq_thread":300})"), "num_taskq_thread"));
    EXPECT_TRUE(starts(change_error(R"({"qos_duration":0})"), "qos_duration"));
    EXPECT_TRUE(starts(change_error(R"({"allow_anonymous":"no"})"), "allow_anonymous"));
    EXPECT_TRUE(starts(change_error(R"({"url":"nmq-ws://0.0.0.0:8083"})"), "url"));
    EXPECT_TRUE(starts(change_error(R"({"url":"nmq-tcp://0.0.0.0:x"})"), "url"));
    EXPECT_TRUE(starts(change_error(R"({"url":null})"), "url"));
    EXPECT_TRUE(starts(change_error(R"({"http_server":{"port":65536}})"), "http_server.port"));
    EXPECT_TRUE(starts(change_error(R"({"http_server":{"password":""}})"), "http_server.password"));
    EXPECT_TRUE(starts(change_error(R"({"http_server":{"auth_type":"no_auth"}})"),
                       "http_server.auth_type"));
    // JWT without a usable key would lock every caller out.
    EXPECT_TRUE(
        starts(change_error(R"({"http_server":{"auth_type":"jwt"}})"), "http_server.auth_type"));
    EXPECT_TRUE(starts(change_error(R"({"http_server":[]})"), "http_server"));
}

TEST(ConfigChange, UrlCannotTakeAnotherListenersAddress) {
    config::Config c;
    c.listeners.tcp = {{"", "0.0.0.0", 1883, true}, {"other", "0.0.0.0", 1884, true}};
    EXPECT_EQ(change_error(R"({"url":"nmq-tcp://0.0.0.0:1884"})", c),
              "url: 0.0.0.0:1884 is already used by listeners.tcp.other");
    auto ch = change_ok(R"({"url":"mqtt-tcp://0.0.0.0:1885"})", c);
    EXPECT_EQ(ch.overrides,
              (std::vector<config::Override>{{"listeners.tcp.bind", "\"0.0.0.0:1885\""}}));
}

TEST(ConfigChange, TheFirstErrorRejectsEverything) {
    config::Config c;
    auto r = change_config(json::parse(R"({"msq_len":5,"bogus":true})").as_object(), c);
    ASSERT_TRUE(std::holds_alternative<ConfigChangeError>(r));
}

TEST(ConfigView, FeatureSectionsShowTheFirstListenerAndBridge) {
    config::Config c;
    config::SslListener ssl;
    ssl.host = "::";
    ssl.port = 8883;
    ssl.enable = false;
    ssl.tls.keyfile = "/nonexistent/key.pem";
    ssl.tls.certfile = "/nonexistent/cert.pem";  // unreadable: shown as null
    ssl.tls.verify_peer = true;
    c.listeners.ssl.push_back(ssl);
    config::WsListener ws;
    ws.host = "127.0.0.1";
    ws.port = 8083;
    ws.path = "/mqtt";
    c.listeners.ws.push_back(ws);
    config::Bridge b;
    b.name = "up";
    b.server = "mqtt-tcp://broker:1883";
    b.has_password = true;
    b.password = "pw";
    b.keepalive = std::chrono::seconds(45);
    b.forwards.push_back({"0", "a/#"});
    config::BridgeSubscription sub;
    sub.remote_topic = "cmd/#";
    sub.qos = 2;
    b.subscriptions.push_back(sub);
    c.bridges.mqtt.push_back(b);
    const auto view = config_view(c);
    EXPECT_EQ(json::serialize(view.at("tls")),
              R"({"enable":false,"url":"tls+nmq-tcp://[::]:8883","key_password":null,)"
              R"("key":"******","cert":null,"cacert":null,"verify_peer":true,)"
              R"("fail_if_no_peer_cert":false})");
    EXPECT_EQ(json::serialize(view.at("websocket")),
              R"({"enable":true,"url":"nmq-ws://127.0.0.1:8083/mqtt","tls_url":null})");
    EXPECT_EQ(json::serialize(view.at("bridge")),
              R"({"bridge_mode":true,"address":"mqtt-tcp://broker:1883","proto_ver":4,)"
              R"("clientid":null,"clean_start":false,"username":null,"password":"******",)"
              R"("keepalive":45,"parallel":2,"forwards":["a/#"],)"
              R"("subscription":[{"topic":"cmd/#","qos":2}]})");
    // And back: no change.
    EXPECT_TRUE(change_ok(view_text(c), c).empty());
}

TEST(ConfigChange, WebSocketListenerOpenedByKeys) {
    config::Config c;
    auto ch = change_ok(R"({"websocket":{"enable":true,"url":"ws://127.0.0.1:9001/x"}})", c);
    ASSERT_EQ(ch.next.listeners.ws.size(), 1u);
    EXPECT_EQ(ch.next.listeners.ws[0].port, 9001);
    EXPECT_EQ(ch.next.listeners.ws[0].path, "/x");
    EXPECT_EQ(ch.overrides,
              (std::vector<config::Override>{{"listeners.ws.enable", "true"},
                                             {"listeners.ws.bind", "\"127.0.0.1:9001/x\""}}));
    EXPECT_EQ(ch.live, (std::vector<std::string>{"websocket.enable", "websocket.url"}));
    // Without TLS settings the secure listener is configured but stays closed.
    auto secure = change_ok(R"({"websocket":{"tls_url":"nmq-wss://0.0.0.0:9002/mqtt"}})", c);
    ASSERT_EQ(secure.next.listeners.wss.size(), 1u);
    EXPECT_EQ(secure.next.listeners.wss[0].port, 9002);
    EXPECT_FALSE(secure.next.listeners.wss[0].enable);
}

TEST(ConfigChange, TlsPemNeedsAFolderAndAValidKey) {
    config::Config c;
    EXPECT_EQ(change_error(R"({"tls":{"key":"x"}})", c),
              "tls.key: the broker has no folder to keep files in");
    auto r = change_config(json::parse(R"({"tls":{"key":"x","cert":"y"}})").as_object(), c, "/d");
    ASSERT_TRUE(std::holds_alternative<ConfigChangeError>(r));
    EXPECT_EQ(std::get<ConfigChangeError>(r).message,
              "tls.key: not a PEM private key, or key_password does not decrypt it");
}

TEST(ConfigChange, BridgeChangesAreLiveAndAddOneWhenNoneIsConfigured) {
    config::Config c;
    // None configured: the change adds bridges.mqtt.bridge, off unless bridge_mode says so.
    auto added = change_ok(R"({"bridge":{"address":"mqtt-tcp://h:1883","forwards":["a/#"]}})", c);
    ASSERT_EQ(added.next.bridges.mqtt.size(), 1u);
    EXPECT_EQ(added.next.bridges.mqtt[0].name, "bridge");
    EXPECT_FALSE(added.next.bridges.mqtt[0].enable);
    EXPECT_EQ(added.next.bridges.mqtt[0].forwards.at(0).local_topic, "a/#");
    // Enabled without an address: the address is what is missing.
    EXPECT_EQ(change_error(R"({"bridge":{"bridge_mode":true}})", c).rfind("bridge.address: ", 0),
              0u);
    config::Bridge b;
    b.name = "up";
    b.server = "mqtt-tcp://h:1883";
    config::BridgeForward f;
    f.key = "0";
    f.local_topic = "b/#";
    f.remote_topic = "remote/#";
    b.forwards.push_back(f);
    c.bridges.mqtt.push_back(b);
    auto ch = change_ok(R"({"bridge":{"keepalive":5,"clientid":"x","bridge_mode":false}})", c);
    EXPECT_EQ(ch.next.bridges.mqtt[0].keepalive, std::chrono::seconds(5));
    EXPECT_FALSE(ch.next.bridges.mqtt[0].enable);
    EXPECT_EQ(ch.live, (std::vector<std::string>{"bridge.keepalive", "bridge.clientid",
                                                 "bridge.bridge_mode"}));
    EXPECT_TRUE(ch.at_restart.empty());
    // A list replaces the bridge's; an entry that was there keeps its remote topic.
    auto lists = change_ok(R"({"bridge":{"forwards":["b/#","c"]}})", c);
    const auto& fw = lists.next.bridges.mqtt[0].forwards;
    ASSERT_EQ(fw.size(), 2u);
    EXPECT_EQ(fw[0].remote_topic, "remote/#");
    EXPECT_EQ(fw[1].local_topic, "c");
    EXPECT_EQ(fw[1].remote_topic, "");
    EXPECT_EQ(change_error(R"({"bridge":{"forwards":["b/#/c"]}})", c).rfind("bridge.forwards: ", 0),
              0u);
}

}  // namespace
}  // namespace nmq::http
