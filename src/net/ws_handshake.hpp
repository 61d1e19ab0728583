#pragma once
// Whether an HTTP request may become an MQTT WebSocket connection, and with which subprotocol.
// Pure: the request's relevant parts in, a decision out, so it is tested without sockets. Beast
// parses the request and performs the upgrade; this is only our policy.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmq::net {

struct UpgradeRequest {
    std::string_view method;  // "GET"
    std::string_view target;  // "/mqtt?x=1"
    bool is_upgrade = false;  // an HTTP/1.1 WebSocket upgrade (Connection: upgrade, Upgrade:
                              // websocket), as Beast's websocket::is_upgrade says
    std::optional<std::string_view> origin;     // Origin
    std::optional<std::string_view> protocols;  // Sec-WebSocket-Protocol
};

struct UpgradeDecision {
    unsigned status = 0;      // 0: accept; otherwise the HTTP status to answer before closing
    std::string reason;       // why not, for the log and the response body
    std::string subprotocol;  // the one to answer with ("" when the client offered none)
};

// The subprotocol to answer an offer ("mqtt, mqttv3.1") with: "mqtt" when offered (MQTT 5.0
// section 6 [MQTT-6.0.0-4]), else "mqttv3.1" (MQTT 3.1 clients). nullopt when the offer holds
// neither.
std::optional<std::string> choose_subprotocol(std::string_view offer);

// `path` is the configured one; `allowed_origins` empty allows any Origin.
UpgradeDecision check_upgrade(const UpgradeRequest& request, std::string_view path,
                              const std::vector<std::string>& allowed_origins);

}  // namespace nmq::net
