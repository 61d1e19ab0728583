// Rows of the key table for the TLS, WebSocket and secure WebSocket listeners: listeners.ssl,
// listeners.ws, listeners.wss, each also named (listeners.ssl.<name>) as NanoMQ allows. The
// rows are generated per kind, once for the unnamed listener and once with '*' for named ones,
// so the three kinds cannot drift apart. The typed fields are SslListener and WsListener in
// config.hpp; what they mean on the wire is in src/net.
#include <functional>

#include "config/key_rows.hpp"
#include "config/listeners.hpp"

namespace nmq::config {
namespace {

using Tls = TlsOptions& (*)(Config&, std::string_view);
using Ws = WsListener& (*)(Config&, std::string_view);

TlsOptions& ssl_tls(Config& c, std::string_view name) {
    return ssl_listener(c, name).tls;
}
TlsOptions& wss_own_tls(Config& c, std::string_view name) {
    return wss_listener(c, name).tls;
}

std::string ws_bind_problem(const KeyValue& v) {
    return parse_ws_bind(std::get<std::string>(v)) ? "" : "host:port/path like 0.0.0.0:8083/mqtt";
}

// "listeners.ssl" + ".bind" for the unnamed listener, "listeners.ssl.*.bind" for named ones.
std::string row_path(std::string_view kind, bool named, std::string_view key) {
    std::string path = "listeners.";
    path += kind;
    if (named) path += ".*";
    path += '.';
    path += key;
    return path;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

// The TLS keys shared by listeners.ssl and listeners.wss. `env` names NanoMQ's variables
// (unnamed listeners.ssl only).
void add_tls_rows(std::vector<KeySpec>& rows, std::string_view kind, bool named, Tls tls,
                  bool with_env, std::string_view files_note) {
    using K = KeyType;
    auto def = [named](const char* text) { return named ? std::string() : std::string(text); };
    auto env = [with_env](const char* name) { return with_env ? std::string(name) : ""; };
    auto text_setter = [tls](std::string TlsOptions::*member) -> KeySetter {
        return [tls, member](Config& c, const KeyValue& v, std::string_view name) {
            tls(c, name).*member = std::get<std::string>(v);
        };
    };
    auto bool_setter = [tls](bool TlsOptions::*member) -> KeySetter {
        return [tls, member](Config& c, const KeyValue& v, std::string_view name) {
            tls(c, name).*member = std::get<bool>(v);
        };
    };
    std::string note(files_note);
    rows.push_back({.path = row_path(kind, named, "keyfile"),
                    .type = K::kString,
                    .default_text = def("\"\""),
                    .doc = "PEM file of the server's private key." + note,
                    .reloadable = true,
                    .env = env("NANOMQ_TLS_KEY_PATH"),
                    .set = text_setter(&TlsOptions::keyfile)});
    rows.push_back({.path = row_path(kind, named, "certfile"),
                    .type = K::kString,
                    .default_text = def("\"\""),
                    .doc = "PEM file of the server's certificate, optionally followed by its "
                           "chain." +
                           note,
                    .reloadable = true,
                    .env = env("NANOMQ_TLS_CERT_PATH"),
                    .set = text_setter(&TlsOptions::certfile)});
    rows.push_back({.path = row_path(kind, named, "cacertfile"),
                    .type = K::kString,
                    .default_text = def("\"\""),
                    .doc = "PEM file of the CA certificates that verify client certificates "
                           "(needed with verify_peer).",
                    .reloadable = true,
                    .env = env("NANOMQ_TLS_CA_CERT_PATH"),
                    .set = text_setter(&TlsOptions::cacertfile)});
    rows.push_back({.path = row_path(kind, named, "key_password"),
                    .type = K::kString,
                    .default_text = def("\"\""),
                    .doc = "Password of an encrypted keyfile.",
                    .reloadable = true,
                    .env = env("NANOMQ_TLS_KEY_PASSWORD"),
                    .set = text_setter(&TlsOptions::key_password)});
    rows.push_back({.path = row_path(kind, named, "verify_peer"),
                    .type = K::kBool,
                    .default_text = def("false"),
                    .doc = "Ask clients for a certificate and verify any they send against "
                           "cacertfile.",
                    .reloadable = true,
                    .env = env("NANOMQ_TLS_VERIFY_PEER"),
                    .set = bool_setter(&TlsOptions::verify_peer)});
    rows.push_back({.path = row_path(kind, named, "fail_if_no_peer_cert"),
                    .type = K::kBool,
                    .default_text = def("false"),
                    .doc = "With verify_peer: refuse clients that send no certificate.",
                    .reloadable = true,
                    .env = env("NANOMQ_TLS_FAIL_IF_NO_PEER_CERT"),
                    .set = bool_setter(&TlsOptions::fail_if_no_peer_cert)});
    rows.push_back({.path = row_path(kind, named, "use_identity_as_username"),
                    .type = K::kBool,
                    .default_text = def("false"),
                    .doc = "nmq's own (mosquitto's name): the Common Name of the client's "
                           "verified certificate replaces the CONNECT user name, and the password "
                           "is dropped. Needs verify_peer and fail_if_no_peer_cert.",
                    .reloadable = true,
                    .set = bool_setter(&TlsOptions::use_identity_as_username)});
}

void add_ssl_rows(std::vector<KeySpec>& rows, bool named) {
    using K = KeyType;
    auto def = [named](const char* text) { return named ? std::string() : std::string(text); };
    rows.push_back({.path = row_path("ssl", named, "bind"),
                    .type = K::kHostPort,
                    .default_text = def("\"0.0.0.0:8883\""),
                    .doc = named ? "Address of the named TLS listener listeners.ssl.<name>."
                                 : "Address of the MQTT over TLS listener.",
                    .reloadable = true,
                    .set = [](Config& c, const KeyValue& v, std::string_view name) {
                        const auto& hp = std::get<HostPort>(v);
                        auto& l = ssl_listener(c, name);
                        l.host = hp.host;
                        l.port = hp.port;
                    }});
    add_tls_rows(rows, "ssl", named, ssl_tls, !named, "");
    rows.push_back({.path = row_path("ssl", named, "handshake_timeout"),
                    .type = K::kDuration,
                    .default_text = def("10s"),
                    .doc = "nmq's own: a client that has not completed the TLS handshake by then "
                           "is disconnected.",
                    .reloadable = true,
                    .min = 100,
                    .max = 600 * kSecond,
                    .set = [](Config& c, const KeyValue& v, std::string_view name) {
                        assign(ssl_listener(c, name).handshake_timeout, v);
                    }});
    // Last of the kind, so that NANOMQ_TLS_ENABLE=false wins over the other variables.
    rows.push_back({.path = row_path("ssl", named, "enable"),
                    .type = K::kBool,
                    .default_text = def("true"),
                    .doc = "false keeps the listener closed (old format tls.enable).",
                    .reloadable = true,
                    .env = named ? "" : "NANOMQ_TLS_ENABLE",
                    .set = [](Config& c, const KeyValue& v, std::string_view name) {
                        assign(ssl_listener(c, name).enable, v);
                    }});
}

void add_ws_rows(std::vector<KeySpec>& rows, std::string_view kind, bool named, Ws ws) {
    using K = KeyType;
    const bool secure = kind == "wss";
    auto def = [named](std::string text) { return named ? std::string() : text; };
    std::string what = secure ? "secure WebSocket" : "WebSocket";
    rows.push_back({.path = row_path(kind, named, "bind"),
                    .type = K::kString,
                    .default_text = def(secure ? "\"0.0.0.0:8084/mqtt\"" : "\"0.0.0.0:8083/mqtt\""),
                    .doc = "Address and HTTP path of the MQTT over " + what +
                           " listener (host:port/path; without a path, /mqtt).",
                    .reloadable = true,
                    .check = ws_bind_problem,
                    .set = [ws](Config& c, const KeyValue& v, std::string_view name) {
                        auto bind = parse_ws_bind(std::get<std::string>(v));
                        auto& l = ws(c, name);
                        l.host = bind->host;
                        l.port = bind->port;
                        l.path = bind->path;
                    }});
    if (secure) {
        add_tls_rows(rows, kind, named, wss_own_tls, false,
                     " Unset (with certfile): the TLS settings of listeners.ssl are used.");
    }
    rows.push_back({.path = row_path(kind, named, "max_frame_size"),
                    .type = K::kSize,
                    .default_text = def("0"),
                    .doc = "nmq's own: the largest WebSocket message accepted; a larger one "
                           "closes the connection (close code 1009). 0: mqtt.max_packet_size "
                           "plus 5 bytes.",
                    .reloadable = true,
                    .min = 0,
                    .max = 512 * kMiB,
                    .set = [ws](Config& c, const KeyValue& v, std::string_view name) {
                        assign(ws(c, name).max_frame_size, v);
                    }});
    rows.push_back({.path = row_path(kind, named, "allowed_origins"),
                    .type = K::kStringList,
                    .default_text = def("[]"),
                    .doc = "nmq's own: the Origin values (\"https://example.com\") browsers may "
                           "connect from; empty allows any. Requests without Origin (not from a "
                           "browser) are always allowed.",
                    .reloadable = true,
                    .set = [ws](Config& c, const KeyValue& v, std::string_view name) {
                        assign(ws(c, name).allowed_origins, v);
                    }});
    rows.push_back({.path = row_path(kind, named, "handshake_timeout"),
                    .type = K::kDuration,
                    .default_text = def("10s"),
                    .doc = "nmq's own: a client that has not completed the " +
                           std::string(secure ? "TLS handshake and " : "") +
                           "WebSocket upgrade by then is disconnected.",
                    .reloadable = true,
                    .min = 100,
                    .max = 600 * kSecond,
                    .set = [ws](Config& c, const KeyValue& v, std::string_view name) {
                        assign(ws(c, name).handshake_timeout, v);
                    }});
    rows.push_back({.path = row_path(kind, named, "enable"),
                    .type = K::kBool,
                    .default_text = def("true"),
                    .doc = std::string("false keeps the listener closed") +
                           (secure ? "." : " (old format websocket.enable)."),
                    .reloadable = true,
                    .env = !named && !secure ? "NANOMQ_WEBSOCKET_ENABLE" : "",
                    .set = [ws](Config& c, const KeyValue& v, std::string_view name) {
                        assign(ws(c, name).enable, v);
                    }});
}

#pragma GCC diagnostic pop

// Where each certificate file was written, for the start-up check that reads them (the key
// rows' setters do not see locations; the section around them does).
void note_files(TlsOptions& tls, const HoconValue& section) {
    auto note = [&section](const char* key, Written& at) {
        if (const HoconValue* v = section.find(key)) at.at = v->location().to_string();
    };
    note("keyfile", tls.keyfile_at);
    note("certfile", tls.certfile_at);
    note("cacertfile", tls.cacertfile_at);
}

// A listeners.<kind> section with keys of its own (or none at all) is the unnamed listener; one
// holding only named sections is not.
bool has_own_keys(const HoconValue& section) {
    bool own = section.fields().empty();
    for (const auto& f : section.fields())
        own |= !f.value.is_object();
    return own;
}

}  // namespace

std::vector<KeySpec> tls_ws_key_rows() {
    std::vector<KeySpec> rows;
    for (bool named : {false, true}) {
        add_ssl_rows(rows, named);
        add_ws_rows(rows, "ws", named, ws_listener);
        add_ws_rows(rows, "wss", named, wss_listener);
    }
    return rows;
}

std::vector<SectionSpec> tls_ws_section_rows() {
    return {
        {"listeners.ssl", "The MQTT over TLS listener (on when present).",
         [](Config& c, std::string_view, const HoconValue& section) {
             if (has_own_keys(section)) note_files(ssl_listener(c, "").tls, section);
         }},
        {"listeners.ssl.*", "A further, named TLS listener.",
         [](Config& c, std::string_view name, const HoconValue& section) {
             note_files(ssl_listener(c, name).tls, section);
         }},
        {"listeners.ws", "The MQTT over WebSocket listener (on when present).",
         [](Config& c, std::string_view, const HoconValue& section) {
             if (has_own_keys(section)) ws_listener(c, "");
         }},
        {"listeners.ws.*", "A further, named WebSocket listener.",
         [](Config& c, std::string_view name, const HoconValue&) { ws_listener(c, name); }},
        {"listeners.wss", "The MQTT over secure WebSocket listener (on when present).",
         [](Config& c, std::string_view, const HoconValue& section) {
             if (has_own_keys(section)) note_files(wss_listener(c, "").tls, section);
         }},
        {"listeners.wss.*", "A further, named secure WebSocket listener.",
         [](Config& c, std::string_view name, const HoconValue& section) {
             note_files(wss_listener(c, name).tls, section);
         }},
    };
}

std::vector<UnsupportedSpec> tls_ws_unsupported_rows() {
    return {};
}

}  // namespace nmq::config
