// The `auth.password` and `auth.acl` sections: NanoMQ's password file (`"user": "pass"` lines,
// usually brought in with `password = {include "nanomq_pwd.conf"}`) and ACL file
// (`acl = {include "nanomq_acl.conf"}` holding `rules = [...]`). Both fail closed: a file that
// is named but cannot be read, or a rule that cannot be understood, stops loading with its
// location; it never leaves the broker open.
#include <arpa/inet.h>

#include "config/key_rows.hpp"

namespace nmq::config {
namespace {

[[noreturn]] void fail(const SourceLocation& where, const std::string& key,
                       const std::string& message) {
    throw ConfigError(where.to_string() + ": " + key + ": " + message);
}

// A password or ACL include that is missing is an error, not a warning. It is kept for
// check_files(), so that the file still loads (for `--test-config` and the tests) but the
// broker never starts or reloads without it.
void require_includes(Config& c, const HoconValue& section, const std::string& key,
                      const char* what) {
    if (section.missing_includes().empty() || !c.auth.unreadable.empty()) return;
    c.auth.unreadable = section.missing_includes().front() + ": " + key + ": cannot read the " +
                        what + "; refusing to start without it";
}

std::string text_of(const HoconValue& v, const std::string& key, const char* expected) {
    if (!v.is_scalar() || v.is_null())
        fail(v.location(), key, std::string("expected ") + expected + ", got " + v.describe());
    return v.text();
}

bool valid_ip_or_cidr(const std::string& text) {
    std::string addr = text;
    if (auto slash = text.find('/'); slash != std::string::npos) {
        addr = text.substr(0, slash);
        std::string bits = text.substr(slash + 1);
        if (bits.empty() || bits.size() > 3 ||
            bits.find_first_not_of("0123456789") != std::string::npos)
            return false;
        int n = std::stoi(bits);
        bool v6 = addr.find(':') != std::string::npos;
        if (n > (v6 ? 128 : 32)) return false;
    }
    unsigned char buf[16];
    return inet_pton(AF_INET, addr.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, addr.c_str(), buf) == 1;
}

// '#' alone and last, '+' alone in its level; "%u"/"%c" are plain text here.
bool valid_filter(std::string_view f) {
    if (f.empty()) return false;
    std::size_t start = 0;
    for (;;) {
        auto end = f.find('/', start);
        auto level = f.substr(start, end == std::string_view::npos ? f.npos : end - start);
        if (level.find('#') != std::string_view::npos &&
            (level != "#" || end != std::string_view::npos))
            return false;
        if (level.find('+') != std::string_view::npos && level != "+") return false;
        if (end == std::string_view::npos) return true;
        start = end + 1;
    }
}

// A "who" field of a rule, or nullopt when `key` is not one.
std::optional<AclWho::Field> who_field(std::string_view key) {
    if (key == "username") return AclWho::Field::kUsername;
    if (key == "clientid") return AclWho::Field::kClientId;
    if (key == "ipaddr") return AclWho::Field::kIpAddr;
    return std::nullopt;
}

AclWho parse_who(AclWho::Field field, const HoconValue& v, const std::string& key) {
    AclWho who{field, text_of(v, key, "a string")};
    if (field == AclWho::Field::kIpAddr && who.value != "#" && !valid_ip_or_cidr(who.value))
        fail(v.location(), key,
             "expected an IP address or a CIDR block like 10.0.0.0/8, got " + v.describe());
    return who;
}

// `"and": [{"username": "u"}, {"clientid": "c"}]`
std::vector<AclWho> parse_who_list(const HoconValue& v, const std::string& key) {
    if (!v.is_array())
        fail(v.location(), key,
             "expected a list like [{\"username\": \"u\"}], got " + v.describe());
    std::vector<AclWho> out;
    for (std::size_t i = 0; i < v.items().size(); ++i) {
        const auto& item = v.items()[i];
        std::string item_key = key + "[" + std::to_string(i) + "]";
        if (!item.is_object() || item.fields().empty())
            fail(item.location(), item_key,
                 "expected an object like {\"username\": \"u\"}, got " + item.describe());
        for (const auto& f : item.fields()) {
            auto field = who_field(f.key);
            if (!field)
                fail(f.key_location, item_key + "." + f.key,
                     "unknown condition; expected username, clientid or ipaddr");
            out.push_back(parse_who(*field, f.value, item_key + "." + f.key));
        }
    }
    return out;
}

AclRule parse_rule(const HoconValue& v, const std::string& key) {
    if (!v.is_object())
        fail(v.location(), key,
             "expected a rule like {\"permit\": \"allow\"}, got " + v.describe());
    AclRule rule;
    rule.where = v.location().to_string();
    bool has_permit = false;
    for (const auto& f : v.fields()) {
        std::string fkey = key + "." + f.key;
        if (f.key == "permit") {
            std::string p = text_of(f.value, fkey, "allow or deny");
            if (p != "allow" && p != "deny")
                fail(f.value.location(), fkey, "expected allow or deny, got " + f.value.describe());
            rule.allow = p == "allow";
            has_permit = true;
        } else if (auto field = who_field(f.key)) {
            rule.all_of.push_back(parse_who(*field, f.value, fkey));
        } else if (f.key == "and") {
            for (auto& w : parse_who_list(f.value, fkey))
                rule.all_of.push_back(std::move(w));
        } else if (f.key == "or") {
            rule.any_of = parse_who_list(f.value, fkey);
            if (rule.any_of.empty())
                fail(f.value.location(), fkey, "expected at least one condition");
        } else if (f.key == "action") {
            std::string a = text_of(f.value, fkey, "publish, subscribe or pubsub");
            if (a == "publish") {
                rule.action = AclRule::kPublish;
            } else if (a == "subscribe") {
                rule.action = AclRule::kSubscribe;
            } else if (a == "pubsub") {
                rule.action = AclRule::kPubSub;
            } else {
                fail(f.value.location(), fkey,
                     "expected publish, subscribe or pubsub, got " + f.value.describe());
            }
        } else if (f.key == "topics") {
            std::vector<const HoconValue*> items;
            if (f.value.is_array()) {
                for (const auto& t : f.value.items())
                    items.push_back(&t);
            } else {
                items.push_back(&f.value);
            }
            for (const HoconValue* t : items) {
                std::string topic = text_of(*t, fkey, "a list of topic filters");
                std::string_view filter = topic;
                if (filter.starts_with("eq ")) filter.remove_prefix(3);
                if (!valid_filter(filter))
                    fail(t->location(), fkey, "expected a topic filter, got " + t->describe());
                rule.topics.push_back(std::move(topic));
            }
            if (rule.topics.empty())
                fail(f.value.location(), fkey,
                     "expected at least one topic (leave the key out for every topic)");
        } else {
            fail(f.key_location, fkey,
                 "unknown key in an ACL rule; expected permit, username, clientid, ipaddr, and, "
                 "or, action or topics");
        }
    }
    if (!has_permit)
        fail(v.location(), key + ".permit", "every rule needs \"permit\": allow or deny");
    return rule;
}

void read_password_section(Config& c, const HoconValue& section) {
    require_includes(c, section, "auth.password", "password file");
    c.auth.password_configured = true;
    c.auth.users.clear();
    for (const auto& f : section.fields()) {
        std::string key = "auth.password." + f.key;
        if (f.key.empty()) fail(f.key_location, "auth.password", "empty user name");
        c.auth.users.emplace_back(f.key, text_of(f.value, key, "a password string"));
    }
}

void read_acl_section(Config& c, const HoconValue& section) {
    require_includes(c, section, "auth.acl", "ACL file");
    c.auth.acl_configured = true;
    c.auth.acl.clear();
    for (const auto& f : section.fields()) {
        if (f.key != "rules")
            fail(f.key_location, "auth.acl." + f.key,
                 "unknown key; the ACL file holds rules = [...]");
        if (!f.value.is_array())
            fail(f.value.location(), "auth.acl.rules",
                 "expected a list of rules, got " + f.value.describe());
        for (std::size_t i = 0; i < f.value.items().size(); ++i)
            c.auth.acl.push_back(
                parse_rule(f.value.items()[i], "auth.acl.rules[" + std::to_string(i) + "]"));
    }
}

}  // namespace

void check_files(const Config& config) {
    if (!config.auth.unreadable.empty()) throw ConfigError(config.auth.unreadable);
}

std::vector<SectionSpec> auth_section_rows() {
    return {
        {"auth.password",
         "User names and passwords checked at CONNECT: `password = {include "
         "\"nanomq_pwd.conf\"}` with `\"user\": \"pass\"` lines, or written inline. A client that "
         "gives a user name must match an entry; without one it needs `allow_anonymous`. A "
         "missing file stops the broker. Reloadable.",
         [](Config& c, std::string_view, const HoconValue& s) { read_password_section(c, s); },
         true},
        {"auth.acl",
         "ACL rules checked on PUBLISH and SUBSCRIBE: `acl = {include \"nanomq_acl.conf\"}` "
         "holding `rules = [{permit, username, clientid, ipaddr, and, or, action, topics}]`; "
         "the first matching rule decides, else `no_match`. `%u`/`%c` in topics stand for the "
         "user name and client id. A missing file or a bad rule stops the broker. Reloadable.",
         [](Config& c, std::string_view, const HoconValue& s) { read_acl_section(c, s); }, true},
    };
}

}  // namespace nmq::config
