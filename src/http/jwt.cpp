#include "http/jwt.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/parse.hpp>

namespace nmq::http {
namespace {

// Bounds what reaches libjwt; an API token is a few hundred bytes.
constexpr std::size_t kMaxTokenSize = 16 * 1024;

AuthFailure invalid(std::string message) {
    return {103, std::move(message)};
}

struct JwtFree {
    void operator()(jwt_t* j) const { jwt_free(j); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};

// A NumericDate claim (RFC 7519: seconds, possibly with a fraction).
struct Claim {
    bool present = false;
    bool number = false;
    double value = 0;
};

Claim numeric_claim(jwt_t* jwt, const char* name) {
    Claim out;
    char* text = jwt_get_grants_json(jwt, name);
    if (text == nullptr) return out;
    std::unique_ptr<char, decltype(&std::free)> owned(text, &std::free);
    out.present = true;
    boost::json::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_number()) return out;
    out.number = true;
    out.value = v.to_number<double>();
    return out;
}

}  // namespace

JwtVerifier::JwtVerifier(const std::string& keyfile) : keyfile_(keyfile) {
    const std::string what = "http_server.jwt.public.keyfile";
    if (keyfile.empty()) throw std::runtime_error(what + ": not set, and auth_type is jwt");
    std::ifstream in(keyfile, std::ios::binary);
    if (!in)
        throw std::runtime_error(what + ": cannot read " + keyfile + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    pem_ = text.str();

    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem_.data(), static_cast<int>(pem_.size())));
    std::unique_ptr<EVP_PKEY, KeyFree> key(
        bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key)
        throw std::runtime_error(what + ": " + keyfile +
                                 " is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    switch (EVP_PKEY_get_base_id(key.get())) {
        case EVP_PKEY_RSA:
            ec_ = false;
            break;
        case EVP_PKEY_EC: {
            char group[64] = {};
            std::size_t len = 0;
            if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &len) != 1 ||
                (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256"))
                throw std::runtime_error(what + ": " + keyfile +
                                         " is an EC key on another curve than P-256 (ES256)");
            ec_ = true;
            break;
        }
        default:
            throw std::runtime_error(what + ": " + keyfile +
                                     " is neither an RSA (RS256) nor an EC P-256 (ES256) key");
    }
    issuer_ = std::filesystem::path(keyfile).filename().string();
}

std::string_view JwtVerifier::algorithm() const {
    return ec_ ? "ES256" : "RS256";
}

std::optional<AuthFailure> JwtVerifier::verify(std::string_view token, std::int64_t now) const {
    if (token.size() > kMaxTokenSize) return invalid("the token is too long");
    if (token.find('\0') != std::string_view::npos) return invalid("malformed token");
    const std::string text(token);  // libjwt wants a NUL-terminated string
    jwt_t* raw = nullptr;
    const int rc =
        jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(pem_.data()),
                   static_cast<int>(pem_.size()));
    std::unique_ptr<jwt_t, JwtFree> jwt(raw);
    if (rc != 0 || !jwt) return invalid("invalid token: malformed or bad signature");
    // libjwt verifies with whatever algorithm the token names, HS256 included (keyed with the
    // PEM text, which is public): only the key's own algorithm is accepted.
    const jwt_alg_t expected = ec_ ? JWT_ALG_ES256 : JWT_ALG_RS256;
    if (jwt_get_alg(jwt.get()) != expected)
        return invalid("invalid token: it must be signed with " + std::string(algorithm()));
    const char* iss = jwt_get_grant(jwt.get(), "iss");
    if (iss == nullptr || issuer_ != iss)
        return invalid("invalid token: \"iss\" must be \"" + issuer_ + "\"");
    const Claim exp = numeric_claim(jwt.get(), "exp");
    if (!exp.present) return invalid("invalid token: \"exp\" is missing");
    if (!exp.number) return invalid("invalid token: \"exp\" is not a number");
    const Claim nbf = numeric_claim(jwt.get(), "nbf");
    if (nbf.present && !nbf.number) return invalid("invalid token: \"nbf\" is not a number");
    const double t = static_cast<double>(now);
    if (nbf.present && t + kSkewSeconds < nbf.value) return invalid("the token is not valid yet");
    if (t > exp.value + kSkewSeconds) return AuthFailure{116, "the token has expired"};
    return std::nullopt;
}

}  // namespace nmq::http
