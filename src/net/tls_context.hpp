#pragma once
// The server side of TLS: an OpenSSL context built from a listener's TlsOptions, and the name
// in a verified client certificate.
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

namespace nmq::net {

// Builds the context of a TLS listener whose settings live under `key` ("listeners.ssl",
// "listeners.wss.web"): TLS 1.2 and 1.3 only, forward-secret AEAD ciphers for 1.2 (OpenSSL's
// defaults for 1.3), the certificate chain and key, and client verification as verify_peer and
// fail_if_no_peer_cert say. Every file is read now, so a missing or bad one stops start-up (or
// is refused on reload) with a config::ConfigError naming where it was configured, the key and
// the file: "nanomq.conf:12:15: listeners.ssl.keyfile: cannot read "/etc/certs/key.pem": No
// such file or directory".
std::shared_ptr<boost::asio::ssl::context> make_server_tls(const config::TlsOptions& tls,
                                                           const std::string& key);

// The Common Name of the peer's certificate (the last CN of its subject), if it sent one.
std::optional<std::string> peer_common_name(ssl_st* ssl);

}  // namespace nmq::net
