// req 11 / req 12: the `bridge` section: the first bridge in file order (HOCON
// bridges.mqtt.<name>; its keys are in config/key_rows_bridge.cpp).
//
// req 12 changes the settings of that bridge live: the server's reload reconnects it with
// them, keeping the messages it owes (bridge::Bridges::reconfigure). With no bridge
// configured, a change adds one, named kNewBridge. `forwards` and `subscription` replace the
// bridge's lists; an entry whose filter was there before keeps its other settings (remote
// topic, prefixes, retain rules), a new one maps its topic unchanged.
#include "config/overrides.hpp"
#include "http/config_sections.hpp"

namespace nmq::http {
namespace json = boost::json;

namespace {

struct Field {
    std::string_view name;
    FieldType type;
    std::string_view key;  // under bridges.mqtt.<name>; "" when it cannot change
    bool secret;
};

constexpr Field kFields[] = {
    {"bridge_mode", FieldType::kBool, "enable", false},
    {"address", FieldType::kStringOrNull, "server", false},
    {"proto_ver", FieldType::kIntegerOrNull, "proto_ver", false},
    {"clientid", FieldType::kStringOrNull, "clientid", false},
    {"clean_start", FieldType::kBoolOrNull, "clean_start", false},
    {"username", FieldType::kStringOrNull, "username", false},
    {"password", FieldType::kStringOrNull, "password", true},
    {"keepalive", FieldType::kIntegerOrNull, "keepalive", false},  // seconds
    {"parallel", FieldType::kIntegerOrNull, "max_parallel_processes", false},
    {"forwards", FieldType::kStringList, "forwards", false},
    {"subscription", FieldType::kSubscriptions, "subscription", false},
};

// The name of a bridge req 12 adds (HOCON bridges.mqtt.<name>).
constexpr std::string_view kNewBridge = "bridge";

using config::hocon_quote;

std::string forward_text(const std::string& filter, const config::Bridge* was) {
    const config::BridgeForward* e = nullptr;
    if (was != nullptr)
        for (const auto& f : was->forwards)
            if (f.local_topic == filter && e == nullptr) e = &f;
    std::string out = "{local_topic = " + hocon_quote(filter);
    if (e != nullptr) {
        out += ", remote_topic = " + hocon_quote(e->remote_topic) +
               ", retain = " + std::to_string(e->retain) + ", prefix = " + hocon_quote(e->prefix) +
               ", suffix = " + hocon_quote(e->suffix);
    }
    return out + "}";
}

std::string subscription_text(const std::string& filter, std::int64_t qos,
                              const config::Bridge* was) {
    const config::BridgeSubscription* e = nullptr;
    if (was != nullptr)
        for (const auto& s : was->subscriptions)
            if (s.remote_topic == filter && e == nullptr) e = &s;
    std::string out = "{remote_topic = " + hocon_quote(filter) + ", qos = " + std::to_string(qos);
    if (e != nullptr) {
        out += ", local_topic = " + hocon_quote(e->local_topic) +
               ", retain = " + std::to_string(e->retain) +
               ", retain_as_published = " + (e->retain_as_published ? "true" : "false") +
               ", retain_handling = " + std::to_string(e->retain_handling) +
               ", nolocal = " + (e->no_local ? "true" : "false") +
               ", prefix = " + hocon_quote(e->prefix) + ", suffix = " + hocon_quote(e->suffix);
    }
    return out + "}";
}

// `value` (an array of the field's type) as the HOCON list of its section.
std::string list_text(const Field& f, const json::value& value, const config::Bridge* was) {
    std::string out = "[";
    for (const auto& e : value.get_array()) {
        if (out.size() > 1) out += ", ";
        if (f.type == FieldType::kStringList) {
            out += forward_text(std::string(e.get_string()), was);
        } else {
            const auto& o = e.get_object();
            const auto& qos = o.at("qos");
            out += subscription_text(std::string(o.at("topic").get_string()),
                                     qos.is_int64() ? qos.get_int64() : 3, was);
        }
    }
    return out + "]";
}

}  // namespace

json::object bridge_view(const config::Config& c) {
    json::object o;
    const config::Bridge* b = c.bridges.mqtt.empty() ? nullptr : &c.bridges.mqtt.front();
    json::array forwards, subscription;
    if (b != nullptr) {
        for (const auto& f : b->forwards)
            forwards.push_back(json::value(f.local_topic));
        for (const auto& s : b->subscriptions) {
            json::object e;
            e["topic"] = s.remote_topic;
            e["qos"] = s.qos;
            subscription.push_back(std::move(e));
        }
    }
    o["bridge_mode"] = b != nullptr && b->enable;
    o["address"] = b ? string_or_null(b->server) : nullptr;
    o["proto_ver"] = b ? json::value(b->proto_ver) : nullptr;
    o["clientid"] = b ? string_or_null(b->clientid) : nullptr;
    o["clean_start"] = b ? json::value(b->clean_start) : nullptr;
    o["username"] = b && b->has_username ? json::value(b->username) : nullptr;
    o["password"] = b && b->has_password ? json::value(kRedacted) : nullptr;
    o["keepalive"] =
        b ? json::value(std::chrono::duration_cast<std::chrono::seconds>(b->keepalive).count())
          : nullptr;
    o["parallel"] = b ? json::value(b->max_parallel_processes) : nullptr;
    o["forwards"] = std::move(forwards);
    o["subscription"] = std::move(subscription);
    return o;
}

void bridge_change(const json::value& data, ConfigEditor& ed) {
    const json::object& in = ed.section("bridge", data);
    const json::object shown = bridge_view(ed.current());
    const auto& bridges = ed.current().bridges.mqtt;
    const config::Bridge* was = bridges.empty() ? nullptr : &bridges.front();
    const std::string name = was != nullptr ? was->name : std::string(kNewBridge);
    bool changed = false;
    for (const auto& [key, value] : in) {
        const std::string field = "bridge." + std::string(key);
        const Field* f = nullptr;
        for (const auto& candidate : kFields)
            if (candidate.name == std::string_view(key)) f = &candidate;
        if (f == nullptr) ed.unknown(field);
        ed.check_type(field, value, f->type);
        if ((f->secret && is_redacted(value)) || value == shown.at(key)) continue;
        if (value.is_null()) ed.fail(field, "cannot be removed through the API");
        const std::string key_path = "bridges.mqtt." + name + "." + std::string(f->key);
        if (f->type == FieldType::kStringList || f->type == FieldType::kSubscriptions) {
            ed.set_list(field, key_path, list_text(*f, value, was), true);
        } else {
            ed.set(field, key_path, value, true);
        }
        changed = true;
    }
    if (!changed) return;
    // A bridge added here is off unless bridge_mode says otherwise (req 11 showed false).
    if (was == nullptr && !in.contains("bridge_mode"))
        ed.set("bridge.bridge_mode", "bridges.mqtt." + name + ".enable", json::value(false), true);
    // Named by the API's fields: "bridges.mqtt.<name>.forwards.0.local_topic: ..." is a problem
    // of bridge.forwards.
    const std::string problem = ed.problem_in_next();
    if (problem.empty()) return;
    const std::string base = "bridges.mqtt." + name + ".";
    std::string field = "bridge";
    if (problem.rfind(base + "server", 0) == 0) field = "bridge.address";
    if (problem.rfind(base + "forwards", 0) == 0) field = "bridge.forwards";
    if (problem.rfind(base + "subscription", 0) == 0) field = "bridge.subscription";
    ed.fail(field, problem);
}

}  // namespace nmq::http
