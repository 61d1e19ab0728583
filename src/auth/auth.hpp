#pragma once
// Access control: the credentials a client gives at CONNECT, checked against the password
// list, and the ACL rules checked on PUBLISH and SUBSCRIBE. Pure functions over the `auth`
// part of the configuration; the protocol code decides what a refusal looks like on the wire.
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace nmq::auth {

enum class Credentials {
    kAccepted,
    kAnonymousRefused,  // no user name and allow_anonymous = false
    kBadCredentials,    // a user name that is not in the list, or a wrong password
};

// allow_anonymous decides for clients without a user name; a client with a user name must
// match the password list when one is configured (mosquitto's rule). Comparison of passwords
// takes the same time whatever they hold.
Credentials check_credentials(const config::Config::Auth& auth,
                              const std::optional<std::string>& username,
                              const std::optional<std::string>& password);

// Who is asking, for the ACL.
struct Identity {
    std::string_view client_id;
    const std::string* username = nullptr;  // nullptr: none given
    std::string_view address;               // "1.2.3.4:5678" or "[::1]:5678"
};

enum class Action { kPublish, kSubscribe };

struct Verdict {
    bool allow = true;
    const config::AclRule* rule = nullptr;  // the rule that decided; nullptr: no_match
};

// The first rule that matches `who`, `action` and `topic` (a topic name to publish to, or a
// filter to subscribe to; a `$share/<group>/` prefix is looked through) decides; no rule:
// `no_match`. Without a configured ACL everything is allowed.
Verdict check_acl(const config::Config::Auth& auth, const Identity& who, Action action,
                  std::string_view topic);

// Does rule filter `rule` cover every topic that `subject` names? A topic name is covered when
// it matches; a subscription filter only when every topic it could match is covered (so "a/+"
// covers "a/b" and "a/+", not "a/#"). Topics starting with '$' need a rule that names the
// first level [MQTT-4.7.2-1].
bool covers(std::string_view rule, std::string_view subject);

// "Reason: text" for the log: "rule nanomq_acl.conf:7:2 (deny)" or "no_match = deny".
std::string describe(const Verdict& v);

}  // namespace nmq::auth
