#include "net/tls_context.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/ssl/context.hpp>

namespace nmq::net {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 list: ECDHE or DHE key exchange, AES-GCM or ChaCha20-Poly1305.
// TLS 1.3 suites are OpenSSL's defaults, all of them sound.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

struct FileKey {
    const std::string& key;  // "listeners.ssl"
    const char* name;        // "keyfile"
    const std::string& path;
    const config::Written& at;

    // "nanomq.conf:12:15: listeners.ssl.keyfile: <message>"
    [[noreturn]] void fail(const std::string& message) const {
        std::string where = at.at.empty() ? "" : at.at + ": ";
        throw config::ConfigError(where + key + "." + name + ": " + message);
    }

    void require_readable() const {
        if (path.empty()) fail("expected the path of a PEM file, got nothing");
        std::ifstream in(path, std::ios::binary);
        if (!in) fail("cannot read \"" + path + "\": " + std::strerror(errno));
    }
};

std::string openssl_reason(const boost::system::error_code& ec) {
    std::string text = ec.message();
    ERR_clear_error();
    return text;
}

}  // namespace

std::shared_ptr<ssl::context> make_server_tls(const config::TlsOptions& tls,
                                              const std::string& key) {
    FileKey keyfile{key, "keyfile", tls.keyfile, tls.keyfile_at};
    FileKey certfile{key, "certfile", tls.certfile, tls.certfile_at};
    FileKey cacertfile{key, "cacertfile", tls.cacertfile, tls.cacertfile_at};
    certfile.require_readable();
    keyfile.require_readable();
    if (!tls.cacertfile.empty()) cacertfile.require_readable();
    if (tls.verify_peer && tls.cacertfile.empty())
        cacertfile.fail(
            "expected a PEM file of CA certificates, which verify_peer = true needs, "
            "got nothing");
    if (tls.use_identity_as_username && !(tls.verify_peer && tls.fail_if_no_peer_cert)) {
        throw config::ConfigError(key +
                                  ".use_identity_as_username: needs verify_peer = true and "
                                  "fail_if_no_peer_cert = true (every client must present a "
                                  "verified certificate to take its name from)");
    }

    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use | ssl::context::no_compression);
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(native, kTls12Ciphers);
    SSL_CTX_set_dh_auto(native, 1);
    // Idle connections give their record buffers back (about 34 KiB each).
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    // Resumable sessions kept for TLS 1.2 clients, bounded (OpenSSL's default is 20,480).
    SSL_CTX_sess_set_cache_size(native, 4096);
    // Needed for session resumption once client certificates are verified.
    static const unsigned char kSessionContext[] = "nmq";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);

    // Always set: without a callback OpenSSL would prompt on the terminal for an encrypted key.
    ctx->set_password_callback(
        [password = tls.key_password](std::size_t, ssl::context::password_purpose) {
            return password;
        });
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(tls.certfile, ec);
    if (ec)
        certfile.fail("\"" + tls.certfile + "\" is not a PEM certificate (" + openssl_reason(ec) +
                      ")");
    ctx->use_private_key_file(tls.keyfile, ssl::context::pem, ec);
    if (ec &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
        ERR_clear_error();
        ec = {};
        keyfile.fail("the key in \"" + tls.keyfile + "\" does not match the certificate in \"" +
                     tls.certfile + "\"");
    }
    if (ec) {
        keyfile.fail("cannot load the private key in \"" + tls.keyfile + "\" (" +
                     openssl_reason(ec) +
                     (tls.key_password.empty() ? "; if it is encrypted, set key_password)"
                                               : "; is key_password right?)"));
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        ERR_clear_error();
        keyfile.fail("the key in \"" + tls.keyfile + "\" does not match the certificate in \"" +
                     tls.certfile + "\"");
    }
    if (!tls.cacertfile.empty()) {
        ctx->load_verify_file(tls.cacertfile, ec);
        if (ec)
            cacertfile.fail("\"" + tls.cacertfile + "\" holds no PEM CA certificate (" +
                            openssl_reason(ec) + ")");
        if (tls.verify_peer) {
            // The CAs named in the certificate request, so a client with several certificates
            // picks one we accept.
            if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.cacertfile.c_str()))
                SSL_CTX_set_client_CA_list(native, names);
            ERR_clear_error();
        }
    }
    ssl::verify_mode mode = ssl::verify_none;
    if (tls.verify_peer) {
        mode = ssl::verify_peer;
        if (tls.fail_if_no_peer_cert) mode |= ssl::verify_fail_if_no_peer_cert;
    }
    ctx->set_verify_mode(mode);
    return ctx;
}

std::optional<std::string> peer_common_name(ssl_st* ssl) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert == nullptr) return std::nullopt;
    std::optional<std::string> name;
    X509_NAME* subject = X509_get_subject_name(cert);
    int last = -1;
    for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(subject, NID_commonName, i))
        last = i;
    if (last >= 0) {
        ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last));
        unsigned char* utf8 = nullptr;
        int n = ASN1_STRING_to_UTF8(&utf8, data);
        if (n > 0) name.emplace(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
        OPENSSL_free(utf8);
    }
    X509_free(cert);
    return name;
}

}  // namespace nmq::net
