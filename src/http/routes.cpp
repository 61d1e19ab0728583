#include "http/routes.hpp"

#include <algorithm>
#include <array>

#include "http/envelope.hpp"

namespace nmq::http {
namespace json = boost::json;

namespace {

Outcome with_data(json::value data) {
    Outcome out;
    out.data = std::move(data);
    return out;
}

Outcome bad_request(int code, std::string message) {
    Outcome out;
    out.status = 400;
    out.code = code;
    out.message = std::move(message);
    return out;
}

// req 2 (spec "req 2: broker statistics").
Outcome statistics(const HandlerInput& in) {
    const auto& s = in.snapshot->stats;
    json::object d;
    d["client_size"] = s.subscribing_clients;
    d["message_in"] = s.message_in;
    d["message_out"] = s.message_out;
    d["message_drop"] = s.message_drop;
    return with_data(json::value(std::move(d)));
}

// req 4 (spec "req 4: subscriptions"): sessions holding at least one subscription, by client id.
Outcome subscriptions(const HandlerInput& in) {
    json::array out;
    for (const auto& c : in.snapshot->clients) {  // the snapshot is sorted by client_id
        if (c.subscriptions.empty()) continue;
        json::array subs;
        for (const auto& s : c.subscriptions) {
            json::object e;
            e["topic"] = s.topic;
            e["qos"] = s.qos;
            subs.push_back(std::move(e));
        }
        json::object e;
        e["client_id"] = c.client_id;
        e["subscriptions"] = std::move(subs);
        out.push_back(std::move(e));
    }
    return with_data(json::value(std::move(out)));
}

// req 5 (spec "req 5: clients"): every session, connected or persistent-but-offline.
Outcome clients(const HandlerInput& in) {
    json::array out;
    for (const auto& c : in.snapshot->clients) {
        json::object e;
        e["client_id"] = c.client_id;
        e["username"] = c.username;
        e["keepalive"] = c.keepalive;
        e["protocol"] = c.protocol;
        e["connect_status"] = c.connected ? 1 : 0;
        e["message_receive"] = c.message_receive;
        out.push_back(std::move(e));
    }
    return with_data(json::value(std::move(out)));
}

// req 13 (spec "req 13: topic tree"): levels of {"topic","cld_cnt","client_id"?}.
Outcome topic_tree(const HandlerInput& in) {
    json::array levels;
    for (const auto& level : in.snapshot->topic_tree) {
        json::array nodes;
        for (const auto& n : level) {
            json::object e;
            e["topic"] = n.topic;
            e["cld_cnt"] = n.cld_cnt;
            if (!n.client_ids.empty()) {
                json::array ids;
                for (const auto& id : n.client_ids)
                    ids.push_back(json::string(id));
                e["client_id"] = std::move(ids);
            }
            nodes.push_back(std::move(e));
        }
        levels.push_back(std::move(nodes));
    }
    // An empty tree is still its root (spec: `[[{"topic":"","cld_cnt":0}]]`).
    if (levels.empty()) {
        json::object root;
        root["topic"] = "";
        root["cld_cnt"] = 0;
        json::array level;
        level.push_back(std::move(root));
        levels.push_back(std::move(level));
    }
    return with_data(json::value(std::move(levels)));
}

// req 10 (spec "req 10: control"): stop or restart, after the reply.
Outcome control(const HandlerInput& in) {
    const json::value* action = in.body.if_contains("action");
    if (!action) return bad_request(107, "\"action\" is missing");
    Outcome out;
    if (action->is_string() && action->get_string() == "stop") {
        out.after = AfterReply::kStop;
    } else if (action->is_string() && action->get_string() == "restart") {
        out.after = AfterReply::kRestart;
    } else {
        return bad_request(108, "\"action\" must be \"stop\" or \"restart\"");
    }
    return out;
}

// req 11 (spec "req 11: get configuration").
Outcome get_config(const HandlerInput& in) {
    return with_data(json::value(config_view(in.config)));
}

// req 12 (spec "req 12: set configuration"): validated here, persisted and applied by the server.
Outcome set_config(const HandlerInput& in) {
    const json::value* data = in.body.if_contains("data");
    if (!data) return bad_request(107, "\"data\" is missing");
    if (!data->is_object()) return bad_request(108, "\"data\" must be an object");
    auto result = change_config(data->get_object(), in.config, std::string(in.files_dir));
    if (auto* error = std::get_if<ConfigChangeError>(&result))
        return bad_request(108, std::move(error->message));
    Outcome out;
    out.change = std::move(std::get<ConfigChange>(result));
    return out;
}

// Codes 1, 3, 6 and 7 were declared by NanoMQ but never served: they answer like any unknown
// code (404/108).
constexpr std::array kRoutes{
    Route{2, true, statistics, "broker statistics: subscribing clients and message counters"},
    Route{4, true, subscriptions, "subscriptions of every session that holds any"},
    Route{5, true, clients, "every session, connected or persistent-but-offline"},
    Route{10, false, control, "stop or restart the broker (action: stop | restart)"},
    Route{11, false, get_config, "the configuration, secrets redacted"},
    Route{12, false, set_config, "change the configuration: validated, persisted, applied"},
    Route{13, true, topic_tree, "the subscription tree, level by level"},
};

}  // namespace

Reply reply_for(const Envelope& env, const Outcome& out) {
    return out.code == 0 ? success_reply(env.seq, env.req, out.data)
                         : error_reply(out.status, out.code, out.message, &env.seq, env.req);
}

std::span<const Route> routes() {
    return kRoutes;
}

const Route* find_route(std::int64_t code) {
    auto it = std::find_if(kRoutes.begin(), kRoutes.end(),
                           [code](const Route& r) { return r.code == code; });
    return it == kRoutes.end() ? nullptr : &*it;
}

}  // namespace nmq::http
