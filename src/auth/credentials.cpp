// Checking user names and passwords at CONNECT.
#include <openssl/crypto.h>

#include "auth/auth.hpp"

namespace nmq::auth {
namespace {

// Compares in time that depends on the lengths only, never on where the texts differ.
bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        CRYPTO_memcmp(a.data(), a.data(), a.size());  // spend comparable time anyway
        return false;
    }
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Credentials check_credentials(const config::Config::Auth& auth,
                              const std::optional<std::string>& username,
                              const std::optional<std::string>& password) {
    if (!username)
        return auth.allow_anonymous ? Credentials::kAccepted : Credentials::kAnonymousRefused;
    if (!auth.password_configured) {
        // No password list: a user name is only a name. allow_anonymous = false without a list
        // still lets named clients in, as NanoMQ and mosquitto do.
        return Credentials::kAccepted;
    }
    bool found = false;
    bool match = false;
    for (const auto& [user, pass] : auth.users) {
        // Every entry is looked at, so the time taken does not say where the user is.
        bool is_user = same_secret(user, *username);
        bool is_pass = password && same_secret(pass, *password);
        match |= is_user && is_pass && !found;
        found |= is_user;
    }
    return match ? Credentials::kAccepted : Credentials::kBadCredentials;
}

}  // namespace nmq::auth
