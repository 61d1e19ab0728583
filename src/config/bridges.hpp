#pragma once
// The typed configuration of bridges to remote MQTT brokers: NanoMQ's `bridges.mqtt.<name> {}`
// sections (and the older `bridge.mqtt.<name>.*` keys, translated by sources.cpp). Part of
// Config (config.hpp); the rows that fill it are in key_rows_bridge.cpp.
//
// Plain values only (no mqtt/ types), so that the management API can show and change them.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nmq::config {

using UserPropertyList = std::vector<std::pair<std::string, std::string>>;

// One entry of `forwards = [...]`: local messages whose topic matches `local_topic` (a filter)
// are published to the remote broker on `remote_topic`.
struct BridgeForward {
    // Where the entry came from: its index in the HOCON list ("0", "1", ...) or its number in
    // the key=value format ("1", "2", ...). Entries keep the order of first appearance.
    std::string key;
    std::string local_topic;   // filter on local topics; required
    std::string remote_topic;  // "" keeps the topic; may use the wildcards of local_topic
    std::uint8_t retain = 2;   // 0 or 1 override the RETAIN flag, 2 keeps it
    std::string prefix;        // added in front of the remote topic
    std::string suffix;        // added after the remote topic
    bool operator==(const BridgeForward&) const = default;
};

// One entry of `subscription = [...]`: `remote_topic` (a filter) is subscribed at the remote
// broker, and what arrives is published here on `local_topic`.
struct BridgeSubscription {
    std::string key;           // as BridgeForward::key
    std::string remote_topic;  // filter subscribed at the remote broker; required
    std::string local_topic;   // "" keeps the topic; may use the wildcards of remote_topic
    std::uint8_t qos = 1;
    std::uint8_t retain = 2;           // 0 or 1 override the RETAIN flag, 2 keeps it
    bool retain_as_published = false;  // 5.0 subscription option
    std::uint8_t retain_handling = 0;  // 5.0 subscription option (0, 1, 2)
    bool no_local = true;              // 5.0: the remote does not send back what we published
    std::string prefix;
    std::string suffix;
    bool operator==(const BridgeSubscription&) const = default;
};

struct BridgeTls {
    // On when the server URL says tls+mqtt-tcp:// or mqtts://, or an `ssl` section is present
    // (unless it says enable = false).
    bool enable = false;
    std::string keyfile;     // client private key (PEM), for client certificate authentication
    std::string certfile;    // client certificate (PEM)
    std::string cacertfile;  // CA that signs the remote's certificate; "": the system's
    std::string key_password;
    bool verify_peer = true;  // check the remote's certificate chain and host name
    bool operator==(const BridgeTls&) const = default;
};

// 5.0 CONNECT properties (`conn_properties`); 0 or "" leave a property out.
struct BridgeConnProperties {
    std::uint32_t maximum_packet_size = 0;
    std::uint16_t receive_maximum = 65535;
    std::uint16_t topic_alias_maximum = 0;
    std::uint8_t request_problem_information = 1;
    std::uint8_t request_response_information = 0;
    std::uint32_t session_expiry_interval = 0;
    UserPropertyList user_properties;
    bool operator==(const BridgeConnProperties&) const = default;
};

struct BridgeWill {
    bool enable = false;  // a `will` section is present
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool retain = false;
    // 5.0 Will Properties; 0 or "" leave a property out.
    std::uint8_t payload_format_indicator = 0;
    std::uint32_t message_expiry_interval = 0;
    std::string content_type;
    std::string response_topic;
    std::string correlation_data;
    std::uint32_t will_delay_interval = 0;
    UserPropertyList user_properties;
    bool operator==(const BridgeWill&) const = default;
};

struct Bridge {
    std::string name;            // <name> of bridges.mqtt.<name>
    bool enable = true;          // key=value format: bridge_mode
    std::string server;          // "mqtt-tcp://host:port" or "tls+mqtt-tcp://host:port"
    std::uint8_t proto_ver = 4;  // 3: MQTT 3.1, 4: 3.1.1, 5: 5.0
    std::string clientid;        // "": a random one per start, as NanoMQ does
    std::chrono::milliseconds keepalive{60'000};
    std::chrono::milliseconds backoff_max{60'000};
    bool clean_start = false;
    bool has_username = false;
    std::string username;
    bool has_password = false;
    std::string password;
    std::vector<BridgeForward> forwards;
    std::vector<BridgeSubscription> subscriptions;
    std::uint32_t max_parallel_processes = 2;  // accepted; no meaning for nmq's bridge
    // The queue of messages waiting for the remote (link down, or its receive maximum
    // reached), in messages and in bytes of payload and topic; beyond it messages are dropped
    // and counted.
    std::uint32_t max_send_queue_len = 16384;
    std::uint64_t max_send_queue_size = 64ull * 1024 * 1024;
    // QoS 1/2 messages sent and not yet acknowledged, at most (and at most the remote's
    // Receive Maximum).
    std::uint32_t max_inflight = 1024;
    bool tcp_nodelay = true;
    BridgeConnProperties conn_properties;
    std::uint32_t sub_identifier = 0;  // 5.0 Subscription Identifier on SUBSCRIBE (0: none)
    UserPropertyList sub_user_properties;
    BridgeWill will;
    BridgeTls ssl;
    bool operator==(const Bridge&) const = default;
};

// `server` read: mqtt-tcp:// (also tcp://, mqtt://, or no scheme) or tls+mqtt-tcp:// (also
// mqtts://, tls://, ssl://), a host and a port (1883 or 8883 when left out).
struct BridgeServer {
    std::string host;  // IPv6 without brackets
    std::uint16_t port = 0;
    bool tls = false;
    bool websocket = false;      // ws:// or wss://: MQTT over WebSocket
    std::string path = "/mqtt";  // WebSocket: the HTTP path of the upgrade request
};
// nullopt (and what was expected in `error`) for anything else, MQTT over QUIC included.
std::optional<BridgeServer> parse_bridge_server(std::string_view url, std::string* error = nullptr);

struct Bridges {
    std::vector<Bridge> mqtt;  // in the order of the file
    bool operator==(const Bridges&) const = default;
};

}  // namespace nmq::config
