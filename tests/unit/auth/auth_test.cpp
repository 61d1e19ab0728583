// The password list and the ACL, read from NanoMQ-style configuration text.
#include <gtest/gtest.h>

#include "auth/auth.hpp"
#include "config/key_table.hpp"

namespace nmq::auth {
namespace {

using config::Config;

Config load(const std::string& text) {
    std::vector<config::ConfigWarning> warnings;
    return config::load_hocon_text(text, "nanomq.conf", warnings);
}

std::string load_error(const std::string& text) {
    try {
        config::check_files(load(text));
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "";
}

const std::optional<std::string> kNone;
std::optional<std::string> s(const char* v) {
    return std::string(v);
}

TEST(Credentials, AnonymousFollowsAllowAnonymous) {
    Config open = load("auth { allow_anonymous = true }");
    EXPECT_EQ(check_credentials(open.auth, kNone, kNone), Credentials::kAccepted);
    Config closed = load("auth { allow_anonymous = false }");
    EXPECT_EQ(check_credentials(closed.auth, kNone, kNone), Credentials::kAnonymousRefused);
}

TEST(Credentials, WithoutAPasswordListAUserNameIsOnlyAName) {
    Config c = load("auth { allow_anonymous = false }");
    EXPECT_EQ(check_credentials(c.auth, s("anyone"), kNone), Credentials::kAccepted);
}

TEST(Credentials, PasswordListIsCheckedForEveryNamedClient) {
    Config c = load(R"(auth {
        allow_anonymous = true
        password = {
            "admin": "public"
            "client": "s3cret"
        }
    })");
    EXPECT_EQ(c.auth.users.size(), 2u);
    EXPECT_EQ(check_credentials(c.auth, s("admin"), s("public")), Credentials::kAccepted);
    EXPECT_EQ(check_credentials(c.auth, s("client"), s("s3cret")), Credentials::kAccepted);
    EXPECT_EQ(check_credentials(c.auth, s("client"), s("public")), Credentials::kBadCredentials);
    EXPECT_EQ(check_credentials(c.auth, s("admin"), s("publi")), Credentials::kBadCredentials);
    EXPECT_EQ(check_credentials(c.auth, s("admin"), kNone), Credentials::kBadCredentials);
    EXPECT_EQ(check_credentials(c.auth, s("nobody"), s("public")), Credentials::kBadCredentials);
    // allow_anonymous still lets clients without a user name in.
    EXPECT_EQ(check_credentials(c.auth, kNone, kNone), Credentials::kAccepted);
}

TEST(Credentials, AnEmptyPasswordListRefusesEveryUserName) {
    Config c = load("auth { password = {} }");
    EXPECT_TRUE(c.auth.password_configured);
    EXPECT_EQ(check_credentials(c.auth, s("admin"), s("public")), Credentials::kBadCredentials);
}

TEST(AuthConfig, MissingPasswordOrAclFileStopsLoading) {
    std::string e = load_error(R"(auth {
    password = {include "/nonexistent/nanomq_pwd.conf"}
})");
    EXPECT_NE(e.find("nanomq.conf:2:17"), std::string::npos) << e;
    EXPECT_NE(e.find("auth.password"), std::string::npos) << e;
    EXPECT_NE(e.find("/nonexistent/nanomq_pwd.conf"), std::string::npos) << e;

    e = load_error("auth.acl = {include \"/nonexistent/acl.conf\"}\n");
    EXPECT_NE(e.find("auth.acl"), std::string::npos) << e;
    EXPECT_NE(e.find("ACL file"), std::string::npos) << e;
}

TEST(AuthConfig, BadRulesNameTheirPlace) {
    EXPECT_NE(load_error(R"(auth.acl { rules = [{"permit": "maybe"}] })")
                  .find("auth.acl.rules[0].permit: expected allow or deny"),
              std::string::npos);
    EXPECT_NE(load_error(R"(auth.acl { rules = [{"topics": ["a"]}] })")
                  .find("every rule needs \"permit\""),
              std::string::npos);
    EXPECT_NE(load_error(R"(auth.acl { rules = [{"permit": "allow", "user": "x"}] })")
                  .find("auth.acl.rules[0].user: unknown key"),
              std::string::npos);
    EXPECT_NE(load_error(R"(auth.acl { rules = [{"permit": "allow", "action": "read"}] })")
                  .find("expected publish, subscribe or pubsub"),
              std::string::npos);
    EXPECT_NE(load_error(R"(auth.acl { rules = [{"permit": "allow", "topics": ["a/#/b"]}] })")
                  .find("expected a topic filter"),
              std::string::npos);
    EXPECT_NE(load_error(R"(auth.acl { rules = [{"permit": "allow", "ipaddr": "10.0.0.300"}] })")
                  .find("expected an IP address"),
              std::string::npos);
    EXPECT_NE(load_error(R"(auth { password = { "u": [1] } })").find("auth.password.u"),
              std::string::npos);
}

TEST(Covers, TopicNamesAndFilters) {
    EXPECT_TRUE(covers("a/b", "a/b"));
    EXPECT_FALSE(covers("a/b", "a/c"));
    EXPECT_TRUE(covers("a/+", "a/b"));
    EXPECT_TRUE(covers("a/+", "a/+"));
    EXPECT_FALSE(covers("a/+", "a/#"));
    EXPECT_FALSE(covers("a/+", "a/b/c"));
    EXPECT_FALSE(covers("a/+", "a"));
    EXPECT_TRUE(covers("a/#", "a"));  // [MQTT-4.7.1-2] "sport/#" matches "sport"
    EXPECT_TRUE(covers("a/#", "a/b/c"));
    EXPECT_TRUE(covers("a/#", "a/#"));
    EXPECT_TRUE(covers("#", "#"));
    EXPECT_FALSE(covers("a/b", "a/+"));
    EXPECT_FALSE(covers("a/b/c", "a/b"));
    // [MQTT-4.7.2-1] wildcards at the first level do not reach '$' topics.
    EXPECT_FALSE(covers("#", "$SYS/brokers"));
    EXPECT_FALSE(covers("+/brokers", "$SYS/brokers"));
    EXPECT_TRUE(covers("$SYS/#", "$SYS/brokers"));
    EXPECT_TRUE(covers("$SYS/#", "$SYS/#"));
}

// NanoMQ's own sample rules plus the forms its documentation shows.
const char* kAcl = R"(auth {
  no_match = deny
  acl = {
    rules = [
      {"permit": "allow", "username": "dashboard", "action": "subscribe", "topics": ["$SYS/#"]}
      {"permit": "allow", "ipaddr": "10.1.0.0/16", "action": "publish", "topics": ["lan/#"]}
      {"permit": "allow", "and": [{"username": "sensor"}, {"clientid": "s1"}], "topics": ["sensors/s1/#"]}
      {"permit": "allow", "or": [{"username": "ops"}, {"clientid": "ops-console"}], "action": "publish", "topics": ["cmd/+"]}
      {"permit": "allow", "topics": ["users/%u/#", "clients/%c/#"]}
      {"permit": "allow", "action": "subscribe", "topics": ["eq news/#"]}
      {"permit": "deny", "username": "#", "action": "subscribe", "topics": ["$SYS/#", "#"]}
      {"permit": "deny", "clientid": "banned"}
      {"permit": "allow", "action": "publish", "topics": ["open/#"]}
    ]
  }
})";

struct Who {
    std::string client_id;
    std::optional<std::string> username;
    std::string address = "127.0.0.1:5000";
    Identity id() const { return {client_id, username ? &*username : nullptr, address}; }
};

bool can(const Config& c, const Who& w, Action a, std::string_view topic) {
    return check_acl(c.auth, w.id(), a, topic).allow;
}

TEST(Acl, FirstMatchingRuleDecides) {
    Config c = load(kAcl);
    ASSERT_EQ(c.auth.acl.size(), 9u);
    Who dashboard{"d", "dashboard"};
    Who other{"o", "someone"};
    Who anonymous{"a", std::nullopt};
    EXPECT_TRUE(can(c, dashboard, Action::kSubscribe, "$SYS/brokers/+/clients"));
    EXPECT_FALSE(can(c, other, Action::kSubscribe, "$SYS/brokers"));
    EXPECT_FALSE(can(c, anonymous, Action::kSubscribe, "$SYS/#"));  // "#" is every user
    EXPECT_FALSE(can(c, other, Action::kSubscribe, "#"));
    // no_match = deny: nothing else allows "x".
    auto v = check_acl(c.auth, other.id(), Action::kPublish, "x");
    EXPECT_FALSE(v.allow);
    EXPECT_EQ(v.rule, nullptr);
    EXPECT_EQ(describe(v), "no ACL rule matched, no_match = deny");
    // The rule that decided is named by its place.
    v = check_acl(c.auth, other.id(), Action::kSubscribe, "#");
    EXPECT_EQ(describe(v), "ACL rule at nanomq.conf:11:7 (deny)");
}

TEST(Acl, ActionsAreSeparate) {
    Config c = load(kAcl);
    Who w{"c", "u"};
    EXPECT_TRUE(can(c, w, Action::kPublish, "open/1"));
    EXPECT_FALSE(can(c, w, Action::kSubscribe, "open/1"));
}

TEST(Acl, IpAddressesAndBlocks) {
    Config c = load(kAcl);
    Who lan{"c", std::nullopt, "10.1.200.3:4000"};
    Who wan{"c", std::nullopt, "10.2.0.1:4000"};
    Who mapped{"c", std::nullopt, "[::ffff:10.1.0.9]:4000"};
    EXPECT_TRUE(can(c, lan, Action::kPublish, "lan/a"));
    EXPECT_FALSE(can(c, wan, Action::kPublish, "lan/a"));
    EXPECT_TRUE(can(c, mapped, Action::kPublish, "lan/a"));
}

TEST(Acl, AndOr) {
    Config c = load(kAcl);
    EXPECT_TRUE(can(c, {"s1", "sensor"}, Action::kPublish, "sensors/s1/t"));
    EXPECT_FALSE(can(c, {"s2", "sensor"}, Action::kPublish, "sensors/s1/t"));
    EXPECT_TRUE(can(c, {"x", "ops"}, Action::kPublish, "cmd/reboot"));
    EXPECT_TRUE(can(c, {"ops-console", std::nullopt}, Action::kPublish, "cmd/reboot"));
    EXPECT_FALSE(can(c, {"x", "dev"}, Action::kPublish, "cmd/reboot"));
}

TEST(Acl, Placeholders) {
    Config c = load(kAcl);
    Who alice{"phone", "alice"};
    EXPECT_TRUE(can(c, alice, Action::kPublish, "users/alice/inbox"));
    EXPECT_TRUE(can(c, alice, Action::kSubscribe, "users/alice/#"));
    EXPECT_FALSE(can(c, alice, Action::kPublish, "users/bob/inbox"));
    EXPECT_TRUE(can(c, alice, Action::kPublish, "clients/phone/state"));
    // %u never matches a client without a user name.
    Who anon{"phone", std::nullopt};
    EXPECT_FALSE(can(c, anon, Action::kPublish, "users//inbox"));
    EXPECT_TRUE(can(c, anon, Action::kPublish, "clients/phone/x"));
}

TEST(Acl, EqMatchesTheFilterLiterally) {
    Config c = load(kAcl);
    Who w{"c", "u"};
    EXPECT_TRUE(can(c, w, Action::kSubscribe, "news/#"));
    EXPECT_FALSE(can(c, w, Action::kSubscribe, "news/today"));
}

TEST(Acl, SharedSubscriptionsAreCheckedByTheirFilter) {
    Config c = load(kAcl);
    Who w{"c", "u"};
    EXPECT_TRUE(can(c, w, Action::kSubscribe, "$share/g/news/#"));
    EXPECT_FALSE(can(c, w, Action::kSubscribe, "$share/g/#"));
    EXPECT_TRUE(can(c, w, Action::kSubscribe, "$queue/news/#"));
}

TEST(Acl, ClientIdRuleDeniesEverything) {
    Config c = load(kAcl);
    EXPECT_FALSE(can(c, {"banned", std::nullopt}, Action::kPublish, "open/1"));
}

TEST(Acl, NotConfiguredAllowsEverything) {
    Config c = load("auth { no_match = deny }");
    EXPECT_TRUE(can(c, {"c", std::nullopt}, Action::kPublish, "anything"));
}

}  // namespace
}  // namespace nmq::auth
