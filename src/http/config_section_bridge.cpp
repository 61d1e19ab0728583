// req 11 / req 12: the `bridge` section: the first bridge in file order (HOCON
// bridges.mqtt.<name>; its keys are in config/key_rows_bridge.cpp).
//
// req 12 changes the settings of that bridge; they take effect at the next restart (the reload
// does not reconnect bridges yet). Adding a bridge, and changing `forwards` or `subscription`
// (lists, which the key-by-key overrides file cannot replace), are refused for now unless
// unchanged.
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
    {"forwards", FieldType::kStringList, "", false},
    {"subscription", FieldType::kSubscriptions, "", false},
};

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
    for (const auto& [key, value] : in) {
        const std::string field = "bridge." + std::string(key);
        const Field* f = nullptr;
        for (const auto& candidate : kFields)
            if (candidate.name == std::string_view(key)) f = &candidate;
        if (f == nullptr) ed.unknown(field);
        ed.check_type(field, value, f->type);
        if ((f->secret && is_redacted(value)) || value == shown.at(key)) continue;
        if (bridges.empty())
            ed.fail(field,
                    "no bridge is configured: add one to the configuration file "
                    "(bridges.mqtt.<name>) first");
        if (f->key.empty())
            ed.fail(field, "cannot be changed through the API yet: edit the configuration file");
        if (value.is_null()) ed.fail(field, "cannot be removed through the API");
        ed.set(field, "bridges.mqtt." + bridges.front().name + "." + std::string(f->key), value,
               false);
    }
}

}  // namespace nmq::http
