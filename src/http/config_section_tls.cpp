// req 11 / req 12: the `tls` section, the first MQTT over TLS listener (HOCON listeners.ssl; its
// keys are in config/key_rows_tls_ws.cpp). Changes are applied live: the reload opens, closes or
// updates the listener (net/), connections it already accepted stay.
//
// `key`, `cert` and `cacert` are PEM contents (as the V1 document shows them), kept in files of
// the broker's own, named after their contents (ConfigEditor::store_file); the key is shown as
// "******", and is checked with its password against the certificate before anything is kept.
#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "http/config_sections.hpp"

namespace nmq::http {
namespace json = boost::json;

namespace {

struct Field {
    std::string_view name;
    FieldType type;
    bool secret;  // redacted in req 11; "******" keeps it
};

constexpr Field kFields[] = {
    {"enable", FieldType::kBool, false},
    {"url", FieldType::kStringOrNull, false},
    {"key_password", FieldType::kStringOrNull, true},
    {"key", FieldType::kStringOrNull, true},
    {"cert", FieldType::kStringOrNull, false},
    {"cacert", FieldType::kStringOrNull, false},
    {"verify_peer", FieldType::kBool, false},
    {"fail_if_no_peer_cert", FieldType::kBool, false},
};

std::string contents_of(const std::string& path) {
    auto v = file_or_null(path);
    return v.is_string() ? std::string(v.get_string()) : std::string();
}

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
std::unique_ptr<BIO, BioFree> bio_of(const std::string& pem) {
    return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// What is wrong with a key, its password and the certificate, or "" (the listener could load
// them). `field` receives the field to blame.
std::string tls_problem(const std::string& key, const std::string& password,
                        const std::string& cert, const std::string& cacert, std::string& field) {
    field = "tls.key";
    if (key.empty()) return "a TLS listener needs a private key";
    // A non-null password always: OpenSSL would otherwise ask for one on the terminal.
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
        PEM_read_bio_PrivateKey(bio_of(key).get(), nullptr, nullptr,
                                const_cast<char*>(password.c_str())),
        &EVP_PKEY_free);
    if (!pkey) return "not a PEM private key, or key_password does not decrypt it";
    field = "tls.cert";
    if (cert.empty()) return "a TLS listener needs a certificate";
    std::unique_ptr<X509, decltype(&X509_free)> x509(
        PEM_read_bio_X509(bio_of(cert).get(), nullptr, nullptr, nullptr), &X509_free);
    if (!x509) return "not a PEM certificate";
    if (X509_check_private_key(x509.get(), pkey.get()) != 1)
        return "the certificate does not belong to the key";
    field = "tls.cacert";
    if (!cacert.empty()) {
        std::unique_ptr<X509, decltype(&X509_free)> ca(
            PEM_read_bio_X509(bio_of(cacert).get(), nullptr, nullptr, nullptr), &X509_free);
        if (!ca) return "not a PEM certificate";
    }
    return "";
}

}  // namespace

json::object tls_view(const config::Config& c) {
    json::object o;
    const config::SslListener* l = c.listeners.ssl.empty() ? nullptr : &c.listeners.ssl.front();
    o["enable"] = l != nullptr && l->enable;
    o["url"] = l ? json::value("tls+nmq-tcp://" + host_port(l->host, l->port)) : nullptr;
    o["key_password"] = l ? redacted_or_null(l->tls.key_password) : nullptr;
    o["key"] = l ? redacted_or_null(l->tls.keyfile) : nullptr;
    o["cert"] = l ? file_or_null(l->tls.certfile) : nullptr;
    o["cacert"] = l ? file_or_null(l->tls.cacertfile) : nullptr;
    o["verify_peer"] = l != nullptr && l->tls.verify_peer;
    o["fail_if_no_peer_cert"] = l != nullptr && l->tls.fail_if_no_peer_cert;
    return o;
}

void tls_change(const json::value& data, ConfigEditor& ed) {
    const json::object& in = ed.section("tls", data);
    const json::object shown = tls_view(ed.current());
    const auto& listeners = ed.current().listeners.ssl;
    const std::string name = listeners.empty() ? "" : listeners.front().name;
    const std::string prefix = name.empty() ? "listeners.ssl" : "listeners.ssl." + name;
    bool changed = false;
    bool pem_changed = false;  // key, cert or cacert given: checked even for a closed listener
    std::string new_key;
    for (const auto& [key, value] : in) {
        // The document's own field list calls it keypass (spec: an alias of key_password).
        const std::string_view k = key == "keypass" ? "key_password" : std::string_view(key);
        const std::string field = "tls." + std::string(key);
        const Field* f = nullptr;
        for (const auto& candidate : kFields)
            if (candidate.name == k) f = &candidate;
        if (f == nullptr) ed.unknown(field);
        ed.check_type(field, value, f->type);
        if ((f->secret && is_redacted(value)) || value == shown.at(k)) continue;
        changed = true;
        if (k == "enable" || k == "verify_peer" || k == "fail_if_no_peer_cert") {
            ed.set(field, prefix + "." + std::string(k), value, true);
        } else if (k == "url") {
            if (value.is_null())
                ed.fail(field, "cannot be removed; set tls.enable to false instead");
            // NanoMQ's scheme is tls+nmq-tcp://.
            auto bind = strip_scheme(value.get_string(), {"tls+nmq-tcp://", "nmq-tls://", "tls://",
                                                          "ssl://", "mqtts://"});
            if (!bind)
                ed.fail(field, "expected a URL like tls+nmq-tcp://0.0.0.0:8883, got \"" +
                                   std::string(value.get_string()) + "\"");
            ed.set(field, prefix + ".bind", json::value(*bind), true);
        } else if (k == "key_password") {
            ed.set(field, prefix + ".key_password", value.is_null() ? json::value("") : value,
                   true);
        } else {  // key, cert, cacert: PEM contents
            if (value.is_null() && k != "cacert")
                ed.fail(field, "cannot be removed; set tls.enable to false instead");
            const std::string file_key = k == "key" ? "keyfile" : std::string(k) + "file";
            std::string path;
            if (!value.is_null()) {
                const std::string pem(value.get_string());
                path = ed.store_file(field, prefix + "." + std::string(k), pem, k == "key");
                if (k == "key") new_key = pem;
                pem_changed = true;
            }
            ed.set(field, prefix + "." + file_key, json::value(path), true);
        }
    }
    if (!changed || ed.next().listeners.ssl.empty()) return;
    // A listener this change creates is opened only when it says enable: true (the document's
    // own example sets a URL with enable false).
    const auto* enable = in.if_contains("enable");
    if (listeners.empty() && !(enable && enable->is_bool() && enable->get_bool()))
        ed.set("tls.enable", prefix + ".enable", json::value(false), true);
    // The listener the change leaves must be one the reload can open.
    const auto& l = ed.next().listeners.ssl.front();
    if (!l.enable && !pem_changed) return;
    auto stored = [&](const std::string& path) {
        for (const auto& f : ed.change().files)
            if (f.path == path) return f.contents;
        return contents_of(path);
    };
    std::string blame;
    const std::string problem =
        tls_problem(new_key.empty() ? stored(l.tls.keyfile) : new_key, l.tls.key_password,
                    stored(l.tls.certfile), stored(l.tls.cacertfile), blame);
    if (!problem.empty()) ed.fail(blame, problem);
}

}  // namespace nmq::http
