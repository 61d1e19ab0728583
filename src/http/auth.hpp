#pragma once
// Authentication of every API request, checked before the body is read or the path routed
// (spec "Authentication").
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace nmq::http {

struct AuthFailure {
    int code = 0;  // API code: 104 (no or wrong-scheme credentials), 103 (invalid), 116 (expired)
    std::string message;
};

class JwtVerifier;

// Checks the authentication settings and loads what they need: the JWT verifier when auth_type
// is jwt (nullptr for basic). Throws config::ConfigError naming the key for anything else
// (spec: auth_type other than basic or jwt is an error at start-up; a JWT key that cannot be
// used is too), so a misconfigured API never starts open or locked.
std::shared_ptr<const JwtVerifier> load_auth(const config::Config::HttpServer& cfg);

// Checks the Authorization header value (empty when absent). nullopt: the request may proceed.
// `jwt` verifies Bearer tokens when cfg.auth_type is jwt (nullptr: every token is refused);
// `now` is the time in seconds since the epoch.
std::optional<AuthFailure> authenticate(const config::Config::HttpServer& cfg,
                                        const JwtVerifier* jwt, std::string_view authorization,
                                        std::int64_t now);

}  // namespace nmq::http
