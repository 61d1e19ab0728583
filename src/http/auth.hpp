#pragma once
// Authentication of every API request, checked before the body is read or the path routed
// (spec "Authentication").
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace nmq::http {

struct AuthFailure {
    int code = 0;  // API code: 104 (no or wrong-scheme credentials), 103 (invalid), 116 (expired)
    std::string message;
};

// Checks the Authorization header value (empty when absent). nullopt: the request may proceed.
std::optional<AuthFailure> authenticate(const config::Config::HttpServer& cfg,
                                        std::string_view authorization);

}  // namespace nmq::http
