// The ACL: NanoMQ's rules, tried in order, the first match deciding.
#include <arpa/inet.h>

#include <cstring>

#include "auth/auth.hpp"

namespace nmq::auth {
namespace {

using config::AclRule;
using config::AclWho;

// The address part of "1.2.3.4:5678" or "[::1]:5678".
std::string_view host_of(std::string_view address) {
    if (address.starts_with('[')) {
        auto end = address.find(']');
        return end == std::string_view::npos ? address : address.substr(1, end - 1);
    }
    auto colon = address.rfind(':');
    return colon == std::string_view::npos ? address : address.substr(0, colon);
}

// Is `host` the address or inside the CIDR block `rule`?
bool address_matches(std::string_view rule, std::string_view host) {
    std::string net(rule);
    int bits = -1;
    if (auto slash = net.find('/'); slash != std::string::npos) {
        bits = std::atoi(net.c_str() + slash + 1);
        net.resize(slash);
    }
    unsigned char a[16];
    unsigned char b[16];
    std::string h(host);
    int family = net.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    if (inet_pton(family, net.c_str(), a) != 1) return false;
    if (inet_pton(family, h.c_str(), b) != 1) {
        // An IPv4 rule also matches an IPv4-mapped IPv6 peer (::ffff:1.2.3.4).
        if (family != AF_INET || !h.starts_with("::ffff:")) return false;
        if (inet_pton(AF_INET, h.c_str() + 7, b) != 1) return false;
    }
    int total = family == AF_INET ? 32 : 128;
    if (bits < 0 || bits > total) bits = total;
    int whole = bits / 8;
    if (std::memcmp(a, b, static_cast<std::size_t>(whole)) != 0) return false;
    int rest = bits % 8;
    if (rest == 0) return true;
    auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool who_matches(const AclWho& w, const Identity& who) {
    switch (w.field) {
        case AclWho::Field::kUsername:
            // "#" is every user, including clients that gave no user name.
            return w.value == "#" || (who.username && *who.username == w.value);
        case AclWho::Field::kClientId:
            return w.value == "#" || who.client_id == w.value;
        case AclWho::Field::kIpAddr:
            return w.value == "#" || address_matches(w.value, host_of(who.address));
    }
    return false;
}

bool rule_applies_to(const AclRule& r, const Identity& who) {
    for (const auto& w : r.all_of)
        if (!who_matches(w, who)) return false;
    if (r.any_of.empty()) return true;
    for (const auto& w : r.any_of)
        if (who_matches(w, who)) return true;
    return false;
}

// "%u" and "%c" replaced; false when the rule names a user and the client has none.
bool expand(std::string_view pattern, const Identity& who, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '%' && i + 1 < pattern.size()) {
            if (pattern[i + 1] == 'u') {
                if (!who.username) return false;
                out += *who.username;
                ++i;
                continue;
            }
            if (pattern[i + 1] == 'c') {
                out += who.client_id;
                ++i;
                continue;
            }
        }
        out += pattern[i];
    }
    return true;
}

bool topic_matches(const AclRule& r, const Identity& who, std::string_view topic) {
    if (r.topics.empty()) return true;
    std::string expanded;
    for (const auto& t : r.topics) {
        std::string_view pattern = t;
        bool literal = pattern.starts_with("eq ");
        if (literal) pattern.remove_prefix(3);
        if (!expand(pattern, who, expanded)) continue;
        if (literal ? expanded == topic : covers(expanded, topic)) return true;
    }
    return false;
}

// "$share/<group>/<filter>" and "$queue/<filter>" are checked as <filter>.
std::string_view plain_filter(std::string_view topic) {
    if (topic.starts_with("$share/")) {
        auto slash = topic.find('/', 7);
        return slash == std::string_view::npos ? topic : topic.substr(slash + 1);
    }
    if (topic.starts_with("$queue/")) return topic.substr(7);
    return topic;
}

}  // namespace

bool covers(std::string_view rule, std::string_view subject) {
    bool dollar = subject.starts_with('$');
    std::size_t r = 0;
    std::size_t s = 0;
    bool first = true;
    for (;;) {
        auto r_end = rule.find('/', r);
        auto r_level = rule.substr(r, r_end == std::string_view::npos ? rule.npos : r_end - r);
        if (r_level == "#") return !(first && dollar);  // also "a/#" covers "a" [MQTT-4.7.1-2]
        if (s == std::string_view::npos) return false;  // the subject is shorter
        auto s_end = subject.find('/', s);
        auto s_level =
            subject.substr(s, s_end == std::string_view::npos ? subject.npos : s_end - s);
        if (r_level == "+") {
            if (s_level == "#" || (first && dollar)) return false;
        } else if (r_level != s_level) {
            return false;
        }
        first = false;
        if (r_end == std::string_view::npos) return s_end == std::string_view::npos;
        r = r_end + 1;
        s = s_end == std::string_view::npos ? s_end : s_end + 1;
    }
}

Verdict check_acl(const config::Config::Auth& auth, const Identity& who, Action action,
                  std::string_view topic) {
    if (!auth.acl_configured) return {true, nullptr};
    if (action == Action::kSubscribe) topic = plain_filter(topic);
    auto bit = action == Action::kPublish ? AclRule::kPublish : AclRule::kSubscribe;
    for (const auto& rule : auth.acl) {
        if ((rule.action & bit) == 0) continue;
        if (!rule_applies_to(rule, who)) continue;
        if (!topic_matches(rule, who, topic)) continue;
        return {rule.allow, &rule};
    }
    return {auth.no_match == config::AclNoMatch::kAllow, nullptr};
}

std::string describe(const Verdict& v) {
    if (v.rule)
        return "ACL rule at " + v.rule->where + " (" + (v.rule->allow ? "allow" : "deny") + ")";
    return std::string("no ACL rule matched, no_match = ") + (v.allow ? "allow" : "deny");
}

}  // namespace nmq::auth
