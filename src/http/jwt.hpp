#pragma once
// JWT verification of API requests (spec "Authentication"), on libjwt. The key decides the one
// algorithm accepted: RS256 for an RSA public key, ES256 for an EC P-256 key. A token signed
// any other way (`none`, HS256 keyed with the public key's PEM text) is invalid, whatever
// libjwt itself would accept.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/auth.hpp"

namespace nmq::http {

class JwtVerifier {
  public:
    // Allowed clock difference between the token's issuer and us, for `exp` and `nbf`.
    static constexpr std::int64_t kSkewSeconds = 30;

    // Reads the PEM public key (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY") at `keyfile`. Throws
    // std::runtime_error saying what is wrong: unreadable, not a public key, an unsupported
    // key type or curve.
    explicit JwtVerifier(const std::string& keyfile);

    // nullopt when `token` is valid at `now` (seconds since the epoch); else 103 (bad
    // signature or algorithm, wrong `iss`, no `exp`, not valid yet, malformed) or 116 (expired).
    std::optional<AuthFailure> verify(std::string_view token, std::int64_t now) const;

    const std::string& keyfile() const { return keyfile_; }
    // The `iss` every token must carry: the key file's base name.
    const std::string& issuer() const { return issuer_; }
    // "RS256" or "ES256".
    std::string_view algorithm() const;

  private:
    std::string keyfile_;
    std::string pem_;
    std::string issuer_;
    bool ec_ = false;
};

}  // namespace nmq::http
