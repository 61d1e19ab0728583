#include "net/ws_handshake.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace nmq::net {

namespace {

using text::iequals;
using text::trim;

}  // namespace

std::optional<std::string> choose_subprotocol(std::string_view offer) {
    bool mqtt = false;
    bool mqtt31 = false;
    for (;;) {
        auto comma = offer.find(',');
        auto token = trim(offer.substr(0, comma));
        // Subprotocol names are compared as written (RFC 6455 4.1), but clients in the wild
        // send "MQTT" too; accept either case.
        if (iequals(token, "mqtt")) mqtt = true;
        if (iequals(token, "mqttv3.1")) mqtt31 = true;
        if (comma == std::string_view::npos) break;
        offer.remove_prefix(comma + 1);
    }
    if (mqtt) return std::string("mqtt");
    if (mqtt31) return std::string("mqttv3.1");
    return std::nullopt;
}

UpgradeDecision check_upgrade(const UpgradeRequest& request, std::string_view path,
                              const std::vector<std::string>& allowed_origins) {
    UpgradeDecision d;
    if (!request.is_upgrade) {
        d.status = 426;
        d.reason = "not a WebSocket upgrade request (" + std::string(request.method) + " " +
                   std::string(request.target) + ")";
        return d;
    }
    std::string_view target_path = request.target.substr(0, request.target.find('?'));
    if (target_path != path) {
        d.status = 404;
        d.reason = "no MQTT endpoint at " + std::string(target_path) + " (it is at " +
                   std::string(path) + ")";
        return d;
    }
    // Browsers always send Origin; the list keeps pages of other sites out. Other clients send
    // none, and the list cannot say anything about them.
    if (request.origin && !allowed_origins.empty() &&
        std::none_of(allowed_origins.begin(), allowed_origins.end(),
                     [&](const std::string& o) { return iequals(o, *request.origin); })) {
        d.status = 403;
        d.reason = "origin " + std::string(*request.origin) + " is not allowed";
        return d;
    }
    if (request.protocols) {
        auto chosen = choose_subprotocol(*request.protocols);
        if (!chosen) {
            d.status = 400;
            d.reason = "no MQTT subprotocol offered (mqtt or mqttv3.1), got \"" +
                       std::string(*request.protocols) + "\"";
            return d;
        }
        d.subprotocol = *chosen;
    }
    return d;
}

}  // namespace nmq::net
