// req 11 / req 12: the `websocket` section: the first MQTT over WebSocket listener (HOCON
// listeners.ws) and the first secure one (listeners.wss); their keys are in
// config/key_rows_tls_ws.cpp. Changes are applied live by the reload (net/).
#include "config/listeners.hpp"
#include "http/config_sections.hpp"

namespace nmq::http {
namespace json = boost::json;

namespace {

struct Field {
    std::string_view name;
    FieldType type;
};

constexpr Field kFields[] = {
    {"enable", FieldType::kBool},
    {"url", FieldType::kStringOrNull},
    {"tls_url", FieldType::kStringOrNull},
};

json::value ws_url(const char* scheme, const std::vector<config::WsListener>& listeners) {
    if (listeners.empty()) return nullptr;
    const auto& l = listeners.front();
    return json::value(std::string(scheme) + host_port(l.host, l.port) + l.path);
}

std::string prefix_of(const char* kind, const std::vector<config::WsListener>& listeners) {
    std::string prefix = std::string("listeners.") + kind;
    if (!listeners.empty() && !listeners.front().name.empty())
        prefix += "." + listeners.front().name;
    return prefix;
}

}  // namespace

json::object websocket_view(const config::Config& c) {
    json::object o;
    o["enable"] = !c.listeners.ws.empty() && c.listeners.ws.front().enable;
    o["url"] = ws_url("nmq-ws://", c.listeners.ws);
    o["tls_url"] = ws_url("nmq-wss://", c.listeners.wss);
    return o;
}

void websocket_change(const json::value& data, ConfigEditor& ed) {
    const json::object& in = ed.section("websocket", data);
    const json::object shown = websocket_view(ed.current());
    const std::string ws = prefix_of("ws", ed.current().listeners.ws);
    const std::string wss = prefix_of("wss", ed.current().listeners.wss);
    for (const auto& [key, value] : in) {
        const std::string_view k = key;
        const std::string field = "websocket." + std::string(k);
        const Field* f = nullptr;
        for (const auto& candidate : kFields)
            if (candidate.name == k) f = &candidate;
        if (f == nullptr) ed.unknown(field);
        ed.check_type(field, value, f->type);
        if (value == shown.at(k)) continue;
        if (k == "enable") {
            ed.set(field, ws + ".enable", value, true);
            continue;
        }
        const bool secure = k == "tls_url";
        if (value.is_null()) ed.fail(field, "cannot be removed; set websocket.enable to false");
        auto bind = secure ? strip_scheme(value.get_string(), {"nmq-wss://", "wss://"})
                           : strip_scheme(value.get_string(), {"nmq-ws://", "ws://"});
        if (!bind)
            ed.fail(field,
                    std::string("expected a URL like ") +
                        (secure ? "nmq-wss://0.0.0.0:8084/mqtt" : "nmq-ws://0.0.0.0:8083/mqtt") +
                        ", got \"" + std::string(value.get_string()) + "\"");
        ed.set(field, (secure ? wss : ws) + ".bind", json::value(*bind), true);
        if (secure) {
            // NanoMQ's rule: without TLS settings of its own, listeners.wss uses listeners.ssl's.
            const auto& next = ed.next();
            // Until there are some, the URL is kept and the listener stays closed (NanoMQ shows
            // and takes tls_url whether or not TLS is on; the document's example does so).
            const auto* tls = config::wss_tls(next, next.listeners.wss.front());
            if (tls == nullptr || tls->keyfile.empty() || tls->certfile.empty())
                ed.set(field, wss + ".enable", json::value(false), true);
        }
    }
}

}  // namespace nmq::http
