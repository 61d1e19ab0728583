#include "http/auth.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include <boost/beast/core/detail/base64.hpp>

#include "core/text.hpp"
#include "http/jwt.hpp"

namespace nmq::http {
namespace {

using text::iequals;

// Constant-time in the content of both strings (spec: "comparison is constant-time"): every
// byte of the longer one is visited whatever matched, so timing tells nothing of the secret.
bool constant_time_equal(std::string_view a, std::string_view b) {
    const std::size_t n = std::max(a.size(), b.size());
    unsigned diff = a.size() == b.size() ? 0u : 1u;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= static_cast<unsigned>(x ^ y);
    }
    return diff == 0;
}

// Strict base64: Beast's decoder stops at the first character outside the alphabet, so what it
// did not read must be nothing but at most two '=' of padding.
std::optional<std::string> decode_base64(std::string_view in) {
    namespace b64 = boost::beast::detail::base64;
    // Not b64::decoded_size(): it is n / 4 * 3, too small for input without padding, which
    // decode() still reads (a heap overflow that fuzz_http found).
    std::string out((in.size() + 3) / 4 * 3, '\0');
    auto [written, read] = b64::decode(out.data(), in.data(), in.size());
    const std::string_view rest = in.substr(read);
    if (rest.size() > 2 || rest.find_first_not_of('=') != std::string_view::npos)
        return std::nullopt;
    if ((read + rest.size()) % 4 != 0) return std::nullopt;
    out.resize(written);
    return out;
}

AuthFailure no_credentials() {
    return {104, "authentication required"};
}
AuthFailure invalid() {
    return {103, "invalid credentials"};
}

}  // namespace

std::shared_ptr<const JwtVerifier> load_auth(const config::Config::HttpServer& cfg) {
    switch (cfg.auth_type) {
        case config::HttpAuthType::kBasic:
            return nullptr;
        case config::HttpAuthType::kJwt:
            try {
                return std::make_shared<const JwtVerifier>(cfg.jwt_public_keyfile);
            } catch (const std::runtime_error& e) {
                throw config::ConfigError(e.what());
            }
        default:
            throw config::ConfigError(
                "http_server.auth_type: only basic and jwt are accepted: the API always "
                "authenticates its callers");
    }
}

std::optional<AuthFailure> authenticate(const config::Config::HttpServer& cfg,
                                        const JwtVerifier* jwt, std::string_view authorization,
                                        std::int64_t now) {
    const bool use_jwt = cfg.auth_type == config::HttpAuthType::kJwt;
    if (!use_jwt && cfg.auth_type != config::HttpAuthType::kBasic) {
        // Refused at start-up (load_auth); should it get here, never open access.
        return AuthFailure{103, "this http_server.auth_type is not supported"};
    }
    const auto sp = authorization.find(' ');
    if (authorization.empty() || sp == std::string_view::npos) return no_credentials();
    const std::string_view scheme = authorization.substr(0, sp);
    std::string_view credentials = authorization.substr(sp + 1);
    while (!credentials.empty() && credentials.front() == ' ')
        credentials.remove_prefix(1);
    while (!credentials.empty() && credentials.back() == ' ')
        credentials.remove_suffix(1);

    if (use_jwt) {
        if (!iequals(scheme, "Bearer") || credentials.empty()) return no_credentials();
        if (jwt == nullptr) return invalid();
        return jwt->verify(credentials, now);
    }
    if (!iequals(scheme, "Basic")) return no_credentials();
    const auto decoded = decode_base64(credentials);
    if (!decoded) return invalid();
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return invalid();
    const std::string_view user = std::string_view(*decoded).substr(0, colon);
    const std::string_view pass = std::string_view(*decoded).substr(colon + 1);
    // An empty user name or password is "no credentials" (spec: base64(":") is 104).
    if (user.empty() || pass.empty()) return no_credentials();
    // Both compared whatever the first gave, so a wrong user name costs the same time.
    const bool user_ok = constant_time_equal(user, cfg.username);
    const bool pass_ok = constant_time_equal(pass, cfg.password);
    if (!(user_ok & pass_ok)) return invalid();
    return std::nullopt;
}

}  // namespace nmq::http
