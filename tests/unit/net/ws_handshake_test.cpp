// The WebSocket upgrade policy: path, origin, subprotocol (MQTT 5.0 section 6).
#include "net/ws_handshake.hpp"

#include <gtest/gtest.h>

namespace nmq::net {
namespace {

UpgradeRequest upgrade(std::string_view target = "/mqtt") {
    UpgradeRequest r;
    r.method = "GET";
    r.target = target;
    r.is_upgrade = true;
    return r;
}

TEST(WsSubprotocol, MqttIsPreferred) {
    // [MQTT-6.0.0-4] the subprotocol the server selects is "mqtt".
    EXPECT_EQ(choose_subprotocol("mqtt"), "mqtt");
    EXPECT_EQ(choose_subprotocol("mqttv3.1, mqtt"), "mqtt");
    EXPECT_EQ(choose_subprotocol(" foo ,mqtt "), "mqtt");
    EXPECT_EQ(choose_subprotocol("MQTT"), "mqtt");
}

TEST(WsSubprotocol, Mqtt31ForOldClients) {
    EXPECT_EQ(choose_subprotocol("mqttv3.1"), "mqttv3.1");
    EXPECT_EQ(choose_subprotocol("chat, mqttv3.1"), "mqttv3.1");
}

TEST(WsSubprotocol, NothingElse) {
    EXPECT_EQ(choose_subprotocol(""), std::nullopt);
    EXPECT_EQ(choose_subprotocol("chat"), std::nullopt);
    EXPECT_EQ(choose_subprotocol("mqttv5, mqt"), std::nullopt);
}

TEST(WsUpgrade, AcceptsTheConfiguredPathWithOrWithoutSubprotocol) {
    auto d = check_upgrade(upgrade(), "/mqtt", {});
    EXPECT_EQ(d.status, 0u);
    EXPECT_EQ(d.subprotocol, "");
    auto r = upgrade("/mqtt?token=1");
    r.protocols = "mqtt";
    d = check_upgrade(r, "/mqtt", {});
    EXPECT_EQ(d.status, 0u);
    EXPECT_EQ(d.subprotocol, "mqtt");
}

TEST(WsUpgrade, PlainHttpRequestGets426) {
    UpgradeRequest r;
    r.method = "GET";
    r.target = "/";
    auto d = check_upgrade(r, "/mqtt", {});
    EXPECT_EQ(d.status, 426u);
    EXPECT_EQ(d.reason, "not a WebSocket upgrade request (GET /)");
}

TEST(WsUpgrade, OtherPathGets404) {
    auto d = check_upgrade(upgrade("/other"), "/mqtt", {});
    EXPECT_EQ(d.status, 404u);
    EXPECT_EQ(d.reason, "no MQTT endpoint at /other (it is at /mqtt)");
    EXPECT_EQ(check_upgrade(upgrade("/mqtt/"), "/mqtt", {}).status, 404u);
}

TEST(WsUpgrade, UnsupportedSubprotocolGets400) {
    auto r = upgrade();
    r.protocols = "chat";
    auto d = check_upgrade(r, "/mqtt", {});
    EXPECT_EQ(d.status, 400u);
    EXPECT_EQ(d.reason, "no MQTT subprotocol offered (mqtt or mqttv3.1), got \"chat\"");
}

TEST(WsUpgrade, OriginsAreCheckedOnlyWhenListed) {
    auto r = upgrade();
    r.origin = "https://evil.example";
    EXPECT_EQ(check_upgrade(r, "/mqtt", {}).status, 0u);
    auto d = check_upgrade(r, "/mqtt", {"https://good.example"});
    EXPECT_EQ(d.status, 403u);
    EXPECT_EQ(d.reason, "origin https://evil.example is not allowed");
    r.origin = "HTTPS://GOOD.example";
    EXPECT_EQ(check_upgrade(r, "/mqtt", {"https://good.example"}).status, 0u);
    // No Origin: not a browser, accepted.
    EXPECT_EQ(check_upgrade(upgrade(), "/mqtt", {"https://good.example"}).status, 0u);
}

}  // namespace
}  // namespace nmq::net
