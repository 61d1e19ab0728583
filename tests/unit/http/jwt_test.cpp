// JWT verification (spec "Authentication"): keys made here with OpenSSL, tokens signed with
// libjwt or built by hand for the forgeries no library makes.
#include "http/jwt.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <boost/beast/core/detail/base64.hpp>

#include "http/auth.hpp"

namespace nmq::http {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kNow = 1'700'000'000;

struct Key {
    std::string private_pem;
    std::string public_pem;
};

Key make_key(const char* type) {
    EVP_PKEY* raw = std::string(type) == "RSA"
                        ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", type);
    if (raw == nullptr) throw std::runtime_error("keygen");
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, &EVP_PKEY_free);
    auto pem = [&](bool priv) {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
        if (priv)
            PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        else
            PEM_write_bio_PUBKEY(bio.get(), key.get());
        char* data = nullptr;
        long n = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(n));
    };
    return {pem(true), pem(false)};
}

// Keys are slow to make: once for the suite.
const Key& rsa() {
    static const Key k = make_key("RSA");
    return k;
}
const Key& rsa_other() {
    static const Key k = make_key("RSA");
    return k;
}
const Key& ec() {
    static const Key k = make_key("P-256");
    return k;
}

class JwtTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("nmq_jwt_test_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text) {
        auto p = dir_ / name;
        std::ofstream(p) << text;
        return p.string();
    }

    fs::path dir_;
};

std::string sign(const std::string& private_pem, jwt_alg_t alg, const std::string& grants) {
    jwt_t* raw = nullptr;
    jwt_new(&raw);
    std::unique_ptr<jwt_t, decltype(&jwt_free)> j(raw, &jwt_free);
    EXPECT_EQ(jwt_add_grants_json(j.get(), grants.c_str()), 0);
    EXPECT_EQ(jwt_set_alg(j.get(), alg, reinterpret_cast<const unsigned char*>(private_pem.data()),
                          static_cast<int>(private_pem.size())),
              0);
    char* t = jwt_encode_str(j.get());
    std::string out = t ? t : "";
    free(t);
    return out;
}

std::string b64url(std::string_view in) {
    namespace b64 = boost::beast::detail::base64;
    std::string out(b64::encoded_size(in.size()), '\0');
    out.resize(b64::encode(out.data(), in.data(), in.size()));
    for (char& c : out)
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    return out;
}

std::string claims(const std::string& iss, std::int64_t exp) {
    return R"({"iss":")" + iss + R"(","exp":)" + std::to_string(exp) + "}";
}

int code(const std::optional<AuthFailure>& f) {
    return f ? f->code : 0;
}

TEST_F(JwtTest, AcceptsRs256SignedByTheKeyWithIssTheFileName) {
    JwtVerifier v(write("jwtRS256.key.pub", rsa().public_pem));
    EXPECT_EQ(v.issuer(), "jwtRS256.key.pub");
    EXPECT_EQ(v.algorithm(), "RS256");
    auto t = sign(rsa().private_pem, JWT_ALG_RS256, claims("jwtRS256.key.pub", kNow + 60));
    EXPECT_EQ(code(v.verify(t, kNow)), 0);
}

TEST_F(JwtTest, AcceptsEs256WhenTheKeyIsEc) {
    JwtVerifier v(write("ec.pem", ec().public_pem));
    EXPECT_EQ(v.algorithm(), "ES256");
    auto t = sign(ec().private_pem, JWT_ALG_ES256, claims("ec.pem", kNow + 60));
    EXPECT_EQ(code(v.verify(t, kNow)), 0);
    // An RS256 token, valid for its own key, is not one for this key.
    auto rs = sign(rsa().private_pem, JWT_ALG_RS256, claims("ec.pem", kNow + 60));
    EXPECT_EQ(code(v.verify(rs, kNow)), 103);
}

TEST_F(JwtTest, ExpiryWithThirtySecondsOfSkew) {
    JwtVerifier v(write("k.pub", rsa().public_pem));
    auto at = [&](std::int64_t exp) {
        return code(v.verify(sign(rsa().private_pem, JWT_ALG_RS256, claims("k.pub", exp)), kNow));
    };
    EXPECT_EQ(at(kNow), 0);
    EXPECT_EQ(at(kNow - 30), 0);
    EXPECT_EQ(at(kNow - 31), 116);
    EXPECT_EQ(at(kNow - 100000), 116);
}

TEST_F(JwtTest, ExpIsRequiredAndNumeric) {
    JwtVerifier v(write("k.pub", rsa().public_pem));
    EXPECT_EQ(code(v.verify(sign(rsa().private_pem, JWT_ALG_RS256, R"({"iss":"k.pub"})"), kNow)),
              103);
    EXPECT_EQ(code(v.verify(
                  sign(rsa().private_pem, JWT_ALG_RS256, R"({"iss":"k.pub","exp":"soon"})"), kNow)),
              103);
    // RFC 7519 NumericDate may have a fraction.
    EXPECT_EQ(
        code(v.verify(
            sign(rsa().private_pem, JWT_ALG_RS256, R"({"iss":"k.pub","exp":1700000010.5})"), kNow)),
        0);
}

TEST_F(JwtTest, NotBeforeWithSkew) {
    JwtVerifier v(write("k.pub", rsa().public_pem));
    auto nbf = [&](std::int64_t when) {
        auto g = R"({"iss":"k.pub","exp":)" + std::to_string(kNow + 600) + R"(,"nbf":)" +
                 std::to_string(when) + "}";
        return code(v.verify(sign(rsa().private_pem, JWT_ALG_RS256, g), kNow));
    };
    EXPECT_EQ(nbf(kNow + 30), 0);
    EXPECT_EQ(nbf(kNow + 31), 103);
    EXPECT_EQ(nbf(kNow - 5), 0);
}

TEST_F(JwtTest, IssMustEqualTheBaseNameExactly) {
    JwtVerifier v(write("jwtRS256.key.pub", rsa().public_pem));
    for (const char* iss :
         {"jwtRS256", "jwtRS256.key", "jwtRS256.key.pub2", "", "JWTRS256.KEY.PUB"}) {
        auto t = sign(rsa().private_pem, JWT_ALG_RS256, claims(iss, kNow + 60));
        EXPECT_EQ(code(v.verify(t, kNow)), 103) << iss;
    }
    auto full_path = sign(rsa().private_pem, JWT_ALG_RS256,
                          claims((dir_ / "jwtRS256.key.pub").string(), kNow + 60));
    EXPECT_EQ(code(v.verify(full_path, kNow)), 103);
    auto no_iss = sign(rsa().private_pem, JWT_ALG_RS256, R"({"exp":1700000060})");
    EXPECT_EQ(code(v.verify(no_iss, kNow)), 103);
}

TEST_F(JwtTest, OtherAlgorithmsAndForgeriesAreInvalid) {
    const std::string file = write("k.pub", rsa().public_pem);
    JwtVerifier v(file);
    const std::string payload = b64url(claims("k.pub", kNow + 60));
    // alg none, no signature.
    EXPECT_EQ(code(v.verify(b64url(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".", kNow)),
              103);
    // HS256 keyed with the public key's PEM text: libjwt verifies it, the verifier must not.
    const std::string head = b64url(R"({"alg":"HS256","typ":"JWT"})");
    const std::string signing_input = head + "." + payload;
    unsigned char mac[32];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), rsa().public_pem.data(), static_cast<int>(rsa().public_pem.size()),
         reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
         &mac_len);
    const std::string forged =
        signing_input + "." + b64url(std::string_view(reinterpret_cast<char*>(mac), mac_len));
    EXPECT_EQ(code(v.verify(forged, kNow)), 103);
    // RS512 with the right key: not the key's algorithm.
    EXPECT_EQ(
        code(v.verify(sign(rsa().private_pem, JWT_ALG_RS512, claims("k.pub", kNow + 60)), kNow)),
        103);
    // Signed by another key.
    EXPECT_EQ(code(v.verify(
                  sign(rsa_other().private_pem, JWT_ALG_RS256, claims("k.pub", kNow + 60)), kNow)),
              103);
    // Malformed.
    const std::string huge(20000, 'a');
    for (std::string_view t :
         {std::string_view(""), std::string_view("abc"), std::string_view("a.b.c"),
          std::string_view(".."), std::string_view("a.b"), std::string_view(huge)})
        EXPECT_EQ(code(v.verify(t, kNow)), 103) << t.substr(0, 20);
    EXPECT_EQ(code(v.verify(std::string_view("a\0b.c.d", 7), kNow)), 103);
}

TEST_F(JwtTest, UnusableKeysAreRefusedWithTheReason) {
    auto message = [&](const std::string& path) {
        try {
            JwtVerifier v(path);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message((dir_ / "missing.pub").string()).find("cannot read"), std::string::npos);
    EXPECT_NE(message("").find("not set"), std::string::npos);
    EXPECT_NE(message(write("priv.pem", rsa().private_pem)).find("not a PEM public key"),
              std::string::npos);
    EXPECT_NE(message(write("junk.pem", "hello")).find("not a PEM public key"), std::string::npos);
    EXPECT_NE(message(write("p384.pub", make_key("P-384").public_pem)).find("P-256"),
              std::string::npos);
}

TEST_F(JwtTest, AuthenticateReadsBearerTokensInJwtMode) {
    config::Config::HttpServer hs;
    hs.auth_type = config::HttpAuthType::kJwt;
    hs.jwt_public_keyfile = write("k.pub", rsa().public_pem);
    auto verifier = load_auth(hs);
    ASSERT_NE(verifier, nullptr);
    auto t = sign(rsa().private_pem, JWT_ALG_RS256, claims("k.pub", kNow + 60));
    EXPECT_EQ(code(authenticate(hs, verifier.get(), "Bearer " + t, kNow)), 0);
    EXPECT_EQ(code(authenticate(hs, verifier.get(), "bEaReR " + t, kNow)), 0);
    EXPECT_EQ(code(authenticate(hs, verifier.get(), "", kNow)), 104);
    EXPECT_EQ(code(authenticate(hs, verifier.get(), "Bearer", kNow)), 104);
    EXPECT_EQ(code(authenticate(hs, verifier.get(), "Bearer   ", kNow)), 104);
    EXPECT_EQ(code(authenticate(hs, verifier.get(), "Basic YWRtaW46cHVibGlj", kNow)), 104);
    EXPECT_EQ(code(authenticate(hs, verifier.get(), "Bearer x.y.z", kNow)), 103);
    EXPECT_EQ(code(authenticate(hs, nullptr, "Bearer " + t, kNow)), 103);  // never open
    EXPECT_EQ(code(authenticate(hs, verifier.get(), "Bearer " + t, kNow + 3600)), 116);
}

TEST(LoadAuth, OnlyBasicAndJwtAreAccepted) {
    config::Config::HttpServer hs;
    EXPECT_EQ(load_auth(hs), nullptr);  // basic needs nothing
    hs.auth_type = config::HttpAuthType::kNone;
    EXPECT_THROW(load_auth(hs), config::ConfigError);
    hs.auth_type = config::HttpAuthType::kJwt;
    hs.jwt_public_keyfile = "/nonexistent/key.pub";
    EXPECT_THROW(load_auth(hs), config::ConfigError);
}

}  // namespace
}  // namespace nmq::http
