// Rows of the key table for bridges to remote brokers (bridges.mqtt.<name>), the checks that
// span several of their keys, and the translation of the older `bridge.mqtt.*` key=value keys.
//
// Rows under a list (`forwards = [{...}]`, `subscription = [{...}]`) have two '*': the bridge's
// name and the entry's position; the loader hands both to the setter joined by
// kNameSeparator. User properties (`user_property { key = value }`) use the second '*' for the
// property's name.
#include <algorithm>
#include <set>

#include "config/key_rows.hpp"
#include "mqtt/topic.hpp"

namespace nmq::config {

namespace {

using K = KeyType;

constexpr std::string_view kBridgePrefix = "bridges.mqtt.*.";

Bridge& bridge(Config& c, std::string_view name) {
    for (auto& b : c.bridges.mqtt) {
        if (b.name == name) return b;
    }
    Bridge b;
    b.name = std::string(name);
    c.bridges.mqtt.push_back(std::move(b));
    return c.bridges.mqtt.back();
}

// "emqx1\x1f0" -> {"emqx1", "0"}
std::pair<std::string_view, std::string_view> split_name(std::string_view name) {
    auto sep = name.find(kNameSeparator);
    if (sep == std::string_view::npos) return {name, {}};
    return {name.substr(0, sep), name.substr(sep + 1)};
}

template <class Entry>
Entry& entry(std::vector<Entry>& list, std::string_view key) {
    for (auto& e : list) {
        if (e.key == key) return e;
    }
    Entry e;
    e.key = std::string(key);
    list.push_back(std::move(e));
    return list.back();
}

BridgeForward& forward(Config& c, std::string_view name) {
    auto [b, key] = split_name(name);
    return entry(bridge(c, b).forwards, key);
}

BridgeSubscription& subscription(Config& c, std::string_view name) {
    auto [b, key] = split_name(name);
    return entry(bridge(c, b).subscriptions, key);
}

// Setters for a field of the bridge, of a struct inside it, or of a list entry.
template <auto Member>
KeySetter bridge_field() {
    return [](Config& c, const KeyValue& v, std::string_view name) {
        assign(bridge(c, name).*Member, v);
    };
}
template <auto Part, auto Member>
KeySetter bridge_part_field() {
    return [](Config& c, const KeyValue& v, std::string_view name) {
        assign((bridge(c, name).*Part).*Member, v);
    };
}
template <auto Member>
KeySetter forward_field() {
    return [](Config& c, const KeyValue& v, std::string_view name) {
        assign(forward(c, name).*Member, v);
    };
}
template <auto Member>
KeySetter subscription_field() {
    return [](Config& c, const KeyValue& v, std::string_view name) {
        assign(subscription(c, name).*Member, v);
    };
}
// `x { user_property { key1 = value1 } }`: one row per list, '*' naming the property.
KeySetter user_property(UserPropertyList& (*list)(Bridge&)) {
    return [list](Config& c, const KeyValue& v, std::string_view name) {
        auto [b, key] = split_name(name);
        list(bridge(c, b)).emplace_back(std::string(key), std::get<std::string>(v));
    };
}

// NanoMQ writes these flags as 0/1 in some places and true/false in others.
const std::vector<std::string> kFlagChoices = {"0", "1", "true", "false"};
bool flag(const KeyValue& v) {
    const auto& s = std::get<std::string>(v);
    return s == "1" || s == "true";
}

std::string server_problem(const KeyValue& v) {
    std::string error;
    if (parse_bridge_server(std::get<std::string>(v), &error)) return "";
    return error;
}

KeySpec row(std::string_view suffix, KeyType type, std::string default_text, std::string doc,
            KeySetter set, std::int64_t min = 0, std::int64_t max = 0) {
    KeySpec k;
    k.path = std::string(kBridgePrefix) + std::string(suffix);
    k.type = type;
    k.default_text = std::move(default_text);
    k.doc = std::move(doc);
    k.min = min;
    k.max = max;
    k.set = std::move(set);
    return k;
}

KeySpec flag_row(std::string_view suffix, std::string default_text, std::string doc,
                 KeySetter set) {
    KeySpec k = row(suffix, K::kEnum, std::move(default_text), std::move(doc), std::move(set));
    k.choices = kFlagChoices;
    return k;
}

std::vector<KeySpec> connection_rows() {
    using B = Bridge;
    auto server = row("server", K::kString, "",
                      "URL of the remote broker: mqtt-tcp://host:port or "
                      "tls+mqtt-tcp://host:port (also mqtts://), or MQTT over WebSocket: "
                      "ws://host:port/path or wss://host:port/path. Required.",
                      [](Config& c, const KeyValue& v, std::string_view name) {
                          Bridge& b = bridge(c, name);
                          b.server = std::get<std::string>(v);
                          if (auto s = parse_bridge_server(b.server); s && s->tls)
                              b.ssl.enable = true;
                      });
    server.check = server_problem;
    return {
        row("enable", K::kBool, "true",
            "nmq's own (key=value: bridge_mode): false keeps the bridge configured but off.",
            bridge_field<&B::enable>()),
        std::move(server),
        row("proto_ver", K::kInteger, "4",
            "MQTT version towards the remote: 3 (3.1), 4 (3.1.1), 5.",
            bridge_field<&B::proto_ver>(), 3, 5),
        row("clientid", K::kString, "\"\"",
            "Client identifier at the remote; empty: a random one at every start.",
            bridge_field<&B::clientid>()),
        row("keepalive", K::kDuration, "60s", "Keep Alive of the bridge's connection (0: none).",
            bridge_field<&B::keepalive>(), 0, 65535 * kSecond),
        row("backoff_max", K::kDuration, "60s",
            "Longest wait between two connection attempts (the wait doubles from 1s, with "
            "jitter).",
            bridge_field<&B::backoff_max>(), kSecond, kDay),
        row("clean_start", K::kBool, "false",
            "Clean Start (Clean Session in 3.1.1) of the bridge's connection.",
            bridge_field<&B::clean_start>()),
        row("username", K::kString, "", "User name sent to the remote (none when not set).",
            [](Config& c, const KeyValue& v, std::string_view name) {
                Bridge& b = bridge(c, name);
                b.username = std::get<std::string>(v);
                b.has_username = true;
            }),
        row("password", K::kString, "", "Password sent to the remote (none when not set).",
            [](Config& c, const KeyValue& v, std::string_view name) {
                Bridge& b = bridge(c, name);
                b.password = std::get<std::string>(v);
                b.has_password = true;
            }),
        row("max_parallel_processes", K::kInteger, "2",
            "NanoMQ's number of parallel bridge contexts; accepted, without effect: nmq's bridge "
            "is one event-driven connection.",
            bridge_field<&B::max_parallel_processes>(), 1, kU32),
        row("max_send_queue_len", K::kInteger, "16384",
            "Messages waiting for the remote (link down, or its receive maximum reached); "
            "beyond it new messages are dropped and counted.",
            bridge_field<&B::max_send_queue_len>(), 1, kU32),
        row("max_send_queue_size", K::kSize, "64MB",
            "nmq's own: the same queue's bound in bytes (topics and payloads).",
            bridge_field<&B::max_send_queue_size>(), 1024, 64 * 1024 * kMiB),
        row("max_inflight", K::kInteger, "1024",
            "nmq's own: QoS 1/2 messages sent and not yet acknowledged, at most (and at most the "
            "remote's Receive Maximum).",
            bridge_field<&B::max_inflight>(), 1, kU16),
        row("tcp.nodelay", K::kBool, "true", "TCP_NODELAY on the bridge's connection.",
            bridge_field<&B::tcp_nodelay>()),
    };
}

std::vector<KeySpec> property_rows() {
    using B = Bridge;
    using P = BridgeConnProperties;
    using W = BridgeWill;
    std::vector<KeySpec> rows = {
        row("conn_properties.maximum_packet_size", K::kInteger, "0",
            "5.0 CONNECT Maximum Packet Size (0: no limit).",
            bridge_part_field<&B::conn_properties, &P::maximum_packet_size>(), 0, kU32),
        row("conn_properties.receive_maximum", K::kInteger, "65535",
            "5.0 CONNECT Receive Maximum: QoS 1/2 messages the remote may have in flight to us.",
            bridge_part_field<&B::conn_properties, &P::receive_maximum>(), 1, kU16),
        row("conn_properties.topic_alias_maximum", K::kInteger, "0",
            "5.0 CONNECT Topic Alias Maximum: aliases the remote may use towards us.",
            bridge_part_field<&B::conn_properties, &P::topic_alias_maximum>(), 0, kU16),
        row("conn_properties.session_expiry_interval", K::kInteger, "0",
            "5.0 CONNECT Session Expiry Interval, seconds.",
            bridge_part_field<&B::conn_properties, &P::session_expiry_interval>(), 0, kU32),
        row("conn_properties.user_property.*", K::kString, "",
            "5.0 CONNECT User Property (one per key).",
            user_property(
                [](Bridge& b) -> UserPropertyList& { return b.conn_properties.user_properties; })),
        row("will.topic", K::kString, "", "Will topic of the bridge's connection.",
            bridge_part_field<&B::will, &W::topic>()),
        row("will.payload", K::kString, "", "Will payload.",
            bridge_part_field<&B::will, &W::payload>()),
        row("will.qos", K::kInteger, "0", "Will QoS.", bridge_part_field<&B::will, &W::qos>(), 0,
            2),
        row("will.retain", K::kBool, "false", "Will retain flag.",
            bridge_part_field<&B::will, &W::retain>()),
        row("will.properties.payload_format_indicator", K::kInteger, "0",
            "5.0 Will Payload Format Indicator.",
            bridge_part_field<&B::will, &W::payload_format_indicator>(), 0, 1),
        row("will.properties.message_expiry_interval", K::kInteger, "0",
            "5.0 Will Message Expiry Interval, seconds (0: none).",
            bridge_part_field<&B::will, &W::message_expiry_interval>(), 0, kU32),
        row("will.properties.content_type", K::kString, "\"\"", "5.0 Will Content Type.",
            bridge_part_field<&B::will, &W::content_type>()),
        row("will.properties.response_topic", K::kString, "\"\"", "5.0 Will Response Topic.",
            bridge_part_field<&B::will, &W::response_topic>()),
        row("will.properties.correlation_data", K::kString, "\"\"", "5.0 Will Correlation Data.",
            bridge_part_field<&B::will, &W::correlation_data>()),
        row("will.properties.will_delay_interval", K::kInteger, "0",
            "5.0 Will Delay Interval, seconds.",
            bridge_part_field<&B::will, &W::will_delay_interval>(), 0, kU32),
        row("will.properties.user_property.*", K::kString, "", "5.0 Will User Property.",
            user_property([](Bridge& b) -> UserPropertyList& { return b.will.user_properties; })),
        row("sub_properties.identifier", K::kInteger, "0",
            "5.0 Subscription Identifier sent with the bridge's SUBSCRIBE (0: none).",
            bridge_field<&B::sub_identifier>(), 0, 268'435'455),
        row("sub_properties.user_property.*", K::kString, "", "5.0 SUBSCRIBE User Property.",
            user_property([](Bridge& b) -> UserPropertyList& { return b.sub_user_properties; })),
    };
    // NanoMQ spells these "infomation"; the correct spelling is accepted too.
    for (const char* spelling : {"infomation", "information"}) {
        std::string s = spelling;
        rows.push_back(
            row("conn_properties.request_problem_" + s, K::kInteger, "1",
                "5.0 CONNECT Request Problem Information (0 or 1).",
                bridge_part_field<&B::conn_properties, &P::request_problem_information>(), 0, 1));
        rows.push_back(
            row("conn_properties.request_response_" + s, K::kInteger, "0",
                "5.0 CONNECT Request Response Information (0 or 1).",
                bridge_part_field<&B::conn_properties, &P::request_response_information>(), 0, 1));
    }
    return rows;
}

std::vector<KeySpec> tls_rows() {
    using B = Bridge;
    using T = BridgeTls;
    return {
        row("ssl.enable", K::kBool, "true", "TLS to the remote; on when the ssl section exists.",
            bridge_part_field<&B::ssl, &T::enable>()),
        row("ssl.keyfile", K::kString, "\"\"", "Client private key (PEM).",
            bridge_part_field<&B::ssl, &T::keyfile>()),
        row("ssl.certfile", K::kString, "\"\"", "Client certificate (PEM).",
            bridge_part_field<&B::ssl, &T::certfile>()),
        row("ssl.cacertfile", K::kString, "\"\"",
            "CA certificates that sign the remote's certificate (PEM); empty: the system's.",
            bridge_part_field<&B::ssl, &T::cacertfile>()),
        row("ssl.key_password", K::kString, "\"\"", "Password of an encrypted keyfile.",
            bridge_part_field<&B::ssl, &T::key_password>()),
        row("ssl.verify_peer", K::kBool, "true",
            "Check the remote's certificate chain and host name (false: encryption only).",
            bridge_part_field<&B::ssl, &T::verify_peer>()),
    };
}

std::vector<KeySpec> list_rows() {
    using F = BridgeForward;
    using S = BridgeSubscription;
    return {
        row("forwards.*.local_topic", K::kString, "",
            "Filter on local topics whose messages go to the remote. Required.",
            forward_field<&F::local_topic>()),
        row("forwards.*.remote_topic", K::kString, "\"\"",
            "Topic at the remote; empty keeps the local topic; '+' and '#' take the levels the "
            "same wildcards of local_topic matched, in order.",
            forward_field<&F::remote_topic>()),
        row("forwards.*.retain", K::kInteger, "2", "RETAIN flag sent: 0 or 1, or 2 to keep it.",
            forward_field<&F::retain>(), 0, 2),
        row("forwards.*.prefix", K::kString, "\"\"", "Added in front of the remote topic.",
            forward_field<&F::prefix>()),
        row("forwards.*.suffix", K::kString, "\"\"", "Added after the remote topic.",
            forward_field<&F::suffix>()),
        row("subscription.*.remote_topic", K::kString, "",
            "Filter subscribed at the remote ($share/<group>/... allowed). Required.",
            subscription_field<&S::remote_topic>()),
        row("subscription.*.local_topic", K::kString, "\"\"",
            "Topic published here; empty keeps the remote topic; '+' and '#' take the levels "
            "the same wildcards of remote_topic matched, in order.",
            subscription_field<&S::local_topic>()),
        row("subscription.*.qos", K::kInteger, "1", "QoS of the subscription at the remote.",
            subscription_field<&S::qos>(), 0, 2),
        row("subscription.*.retain", K::kInteger, "2",
            "RETAIN flag published here: 0 or 1, or 2 to keep it.",
            subscription_field<&S::retain>(), 0, 2),
        flag_row("subscription.*.retain_as_published", "0",
                 "5.0 Retain As Published option of the subscription.",
                 [](Config& c, const KeyValue& v, std::string_view name) {
                     subscription(c, name).retain_as_published = flag(v);
                 }),
        row("subscription.*.retain_handling", K::kInteger, "0",
            "5.0 Retain Handling option of the subscription.",
            subscription_field<&S::retain_handling>(), 0, 2),
        flag_row("subscription.*.nolocal", "true",
                 "5.0 No Local option: the remote does not send back what the bridge published.",
                 [](Config& c, const KeyValue& v, std::string_view name) {
                     subscription(c, name).no_local = flag(v);
                 }),
        row("subscription.*.prefix", K::kString, "\"\"", "Added in front of the local topic.",
            subscription_field<&S::prefix>()),
        row("subscription.*.suffix", K::kString, "\"\"", "Added after the local topic.",
            subscription_field<&S::suffix>()),
    };
}

template <class Row>
void append_rows(std::vector<Row>& to, std::vector<Row> rows) {
    for (auto& r : rows)
        to.push_back(std::move(r));
}

// The MQTT rules for one mapping: `filter` selects the topics, `target` (a topic template)
// says where they go. Returns which of the two is wrong ("" when both are fine) and why.
struct MappingProblem {
    const char* field = "";
    std::string why;
};
MappingProblem mapping_problem(std::string_view filter, std::string_view target, bool shared_ok,
                               const char* filter_field, const char* target_field) {
    auto quoted = [](std::string_view t) { return "\"" + std::string(t) + "\""; };
    if (filter.empty()) return {filter_field, "required"};
    if (!mqtt::is_valid_topic_filter(filter))
        return {filter_field, quoted(filter) + " is not a valid topic filter"};
    auto shared = mqtt::parse_shared_filter(filter);
    if (shared && !shared_ok)
        return {filter_field, "a shared subscription filter cannot select local messages"};
    if (shared) filter = shared->filter;
    if (target.empty()) return {};
    if (!mqtt::is_valid_topic_filter(target) || mqtt::parse_shared_filter(target))
        return {target_field, quoted(target) + " is not a valid topic or topic template"};
    auto wildcards = [](std::string_view t, char w) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < t.size(); ++i)
            n += t[i] == w && (i == 0 || t[i - 1] == '/');
        return n;
    };
    if (wildcards(target, '+') > wildcards(filter, '+') ||
        wildcards(target, '#') > wildcards(filter, '#'))
        return {target_field,
                quoted(target) + " uses wildcards that " + quoted(filter) + " does not have"};
    return {};
}

}  // namespace

std::optional<BridgeServer> parse_bridge_server(std::string_view url, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<BridgeServer> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    constexpr const char* kExpected =
        "mqtt-tcp://host:port, tls+mqtt-tcp://host:port, ws://host:port/path or "
        "wss://host:port/path";
    BridgeServer s;
    std::string_view rest = url;
    auto scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
        auto scheme = url.substr(0, scheme_end);
        rest = url.substr(scheme_end + 3);
        if (scheme == "mqtt-tcp" || scheme == "tcp" || scheme == "mqtt") {
            s.tls = false;
        } else if (scheme == "tls+mqtt-tcp" || scheme == "mqtts" || scheme == "tls" ||
                   scheme == "ssl") {
            s.tls = true;
        } else if (scheme == "ws" || scheme == "mqtt-ws" || scheme == "nmq-ws") {
            s.websocket = true;
        } else if (scheme == "wss" || scheme == "mqtt-wss" || scheme == "nmq-wss" ||
                   scheme == "tls+mqtt-ws") {
            s.websocket = true;
            s.tls = true;
        } else if (scheme == "mqtt-quic") {
            return fail(std::string(kExpected) + " (MQTT over QUIC is not supported)");
        } else {
            return fail(kExpected);
        }
    }
    // WebSocket: what follows host:port is the path ("/mqtt" when there is none).
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        std::string_view path = rest.substr(slash);
        rest = rest.substr(0, slash);
        if (s.websocket && path != "/") {
            for (char c : path)
                if (static_cast<unsigned char>(c) <= ' ' || c == '#' || c == '?')
                    return fail(std::string(kExpected) + " (a path without spaces, ? or #)");
            s.path = std::string(path);
        } else if (!s.websocket && path != "/") {
            return fail(kExpected);
        }
    }
    // A missing port means the scheme's usual one.
    std::string with_port(rest);
    bool bracketed = !rest.empty() && rest.front() == '[';
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || (bracketed && rest.back() == ']'))
        with_port += s.websocket ? (s.tls ? ":8084" : ":8083") : (s.tls ? ":8883" : ":1883");
    auto hp = parse_host_port(with_port);
    if (!hp || hp->host.empty() || hp->port == 0) return fail(kExpected);
    s.host = hp->host;
    s.port = hp->port;
    return s;
}

std::vector<KeySpec> bridge_key_rows() {
    std::vector<KeySpec> rows = connection_rows();
    append_rows(rows, property_rows());
    append_rows(rows, tls_rows());
    append_rows(rows, list_rows());
    return rows;
}

std::vector<SectionSpec> bridge_section_rows() {
    std::vector<SectionSpec> rows = {
        {"bridges.mqtt.*", "A bridge to a remote MQTT broker (several may be configured).",
         [](Config& c, std::string_view name, const HoconValue&) { bridge(c, name); }},
        {"bridges.mqtt.*.forwards",
         "List of {local_topic, remote_topic, retain, prefix, suffix}: local messages sent to "
         "the remote.",
         [](Config& c, std::string_view name, const HoconValue&) {
             bridge(c, name).forwards.clear();
         }},
        {"bridges.mqtt.*.subscription",
         "List of {remote_topic, local_topic, qos, ...}: subscriptions at the remote, published "
         "here.",
         [](Config& c, std::string_view name, const HoconValue&) {
             bridge(c, name).subscriptions.clear();
         }},
        {"bridges.mqtt.*.ssl", "TLS towards the remote (on when present, unless enable = false).",
         [](Config& c, std::string_view name, const HoconValue&) {
             bridge(c, name).ssl.enable = true;
         }},
        {"bridges.mqtt.*.will", "The will of the bridge's connection (set when present).",
         [](Config& c, std::string_view name, const HoconValue&) {
             bridge(c, name).will.enable = true;
         }},
    };
    rows[1].list = true;
    rows[2].list = true;
    return rows;
}

std::vector<UnsupportedSpec> bridge_unsupported_rows() {
    std::vector<UnsupportedSpec> rows = {
        // Checked before the bridges.mqtt.<name> section: "cache" is not a bridge's name.
        {"bridges.mqtt.cache", "the bridges' disk cache; queued messages are kept in memory"},
        {"bridges.aws", "AWS IoT Core bridges"},
        {"bridges.nng", "NNG bridges"},
        {"bridges.zmq", "ZeroMQ bridges"},
        {"bridges.mqtt.*.transparent", "proxying local subscriptions to the remote"},
        {"bridges.mqtt.*.hybrid_bridging", "hybrid TCP/QUIC bridging"},
        {"bridges.mqtt.*.hybrid_servers", "hybrid TCP/QUIC bridging"},
        {"bridges.mqtt.*.max_recv_queue_len", "NanoMQ's receive queue; nmq publishes at once"},
        {"bridges.mqtt.*.resend_interval",
         "NanoMQ's resend timer; nmq resends unacknowledged messages on every reconnect"},
        {"bridges.mqtt.*.resend_wait",
         "NanoMQ's resend timer; nmq resends unacknowledged messages on every reconnect"},
        {"bridges.mqtt.*.cancel_timeout",
         "giving up on unacknowledged messages; nmq keeps them until acknowledged"},
        {"bridges.mqtt.*.retry_qos_0", "caching QoS 0 messages on disk"},
        {"bridges.mqtt.*.tcp.bind_interface", "binding the bridge to a network interface"},
        {"bridges.mqtt.*.tcp.keepidle", "TCP keep-alive tuning"},
    };
    for (const char* quic :
         {"quic_keepalive", "quic_idle_timeout", "quic_discon_timeout", "quic_handshake_timeout",
          "quic_send_idle_timeout", "quic_initial_rtt_ms", "quic_max_ack_delay_ms",
          "quic_multi_stream", "quic_qos_priority", "quic_0rtt", "quic_congestion_control"}) {
        rows.push_back({"bridges.mqtt.*." + std::string(quic), "MQTT over QUIC"});
    }
    return rows;
}

void check_bridges(Config& config, const std::function<std::string(const std::string&)>& where) {
    auto fail = [&](const std::string& key, const std::string& problem) {
        throw ConfigError(where(key) + ": " + key + ": " + problem);
    };
    for (auto& b : config.bridges.mqtt) {
        const std::string base = "bridges.mqtt." + b.name;
        if (b.enable && b.server.empty())
            fail(base + ".server", "required (the remote broker's URL)");
        auto check_affixes = [&](const std::string& at, const std::string& prefix,
                                 const std::string& suffix) {
            if (prefix.find_first_of("+#") != std::string::npos)
                fail(at + ".prefix", "must not contain + or #");
            if (suffix.find_first_of("+#") != std::string::npos)
                fail(at + ".suffix", "must not contain + or #");
        };
        for (const auto& f : b.forwards) {
            const std::string at = base + ".forwards." + f.key;
            auto p = mapping_problem(f.local_topic, f.remote_topic, false, "local_topic",
                                     "remote_topic");
            if (!p.why.empty()) fail(at + "." + p.field, p.why);
            check_affixes(at, f.prefix, f.suffix);
        }
        for (const auto& s : b.subscriptions) {
            const std::string at = base + ".subscription." + s.key;
            auto p =
                mapping_problem(s.remote_topic, s.local_topic, true, "remote_topic", "local_topic");
            if (!p.why.empty()) fail(at + "." + p.field, p.why);
            check_affixes(at, s.prefix, s.suffix);
        }
        if (b.will.enable && !b.will.topic.empty() && !mqtt::is_valid_topic_name(b.will.topic))
            fail(base + ".will.topic", "\"" + b.will.topic + "\" is not a valid topic name");
        if (b.will.enable && b.will.topic.empty()) b.will.enable = false;  // `will {}` alone
    }
}

std::optional<std::string> old_bridge_key_to_hocon(std::string_view key, std::string_view value,
                                                   OldBridgeState& state) {
    constexpr std::string_view kOld = "bridge.mqtt.";
    if (key.substr(0, kOld.size()) != kOld) return std::nullopt;
    std::vector<std::string> segs;
    for (std::string_view rest = key.substr(kOld.size());;) {
        auto dot = rest.find('.');
        segs.emplace_back(rest.substr(0, dot));
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    // The V1-era file has one unnamed bridge: bridge.mqtt.address=...
    static const std::set<std::string, std::less<>> kItems = {
        "address",     "proto_ver", "bridge_mode", "clientid", "keepalive",    "backoff_max",
        "clean_start", "username",  "password",    "forwards", "subscription", "parallel"};
    std::string name = "default";
    if (!kItems.count(segs[0])) {
        name = segs[0];
        segs.erase(segs.begin());
    }
    if (segs.empty()) return std::nullopt;

    auto quote = [](std::string_view v) {
        std::string out = "\"";
        for (char c : v) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        return out + '"';
    };
    const std::string base = "bridges.mqtt." + quote(name) + ".";
    std::string item;
    if (segs[0] == "address") {
        item = "server";
    } else if (segs[0] == "bridge_mode") {
        item = "enable";
    } else if (segs[0] == "parallel") {
        item = "max_parallel_processes";
    } else if (segs[0] == "forwards" && segs.size() == 1) {
        // V1: a comma-separated list of filters, forwarded with their topic unchanged.
        std::string out;
        std::string_view list = value;
        while (!list.empty()) {
            auto comma = list.find(',');
            auto filter = list.substr(0, comma);
            list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
            if (filter.empty()) continue;
            if (!out.empty()) out += ", ";
            out += base + "forwards." + quote("v" + std::to_string(++state.forwards[name])) +
                   ".local_topic = " + quote(filter);
        }
        return out;
    } else if (segs[0] == "connect" && segs.size() > 2 && segs[1] == "properties") {
        item = "conn_properties";
        segs.erase(segs.begin(), segs.begin() + 2);
        for (auto& s : segs)
            item += "." + s;
    } else if (segs[0] == "subscription" && segs.size() > 2 && segs[1] == "properties") {
        item = "sub_properties";
        segs.erase(segs.begin(), segs.begin() + 2);
        for (auto& s : segs)
            item += "." + s;
    } else if ((segs[0] == "forwards" || segs[0] == "subscription") && segs.size() == 3) {
        // V1 named the subscribed filter `topic`.
        std::string leaf =
            segs[0] == "subscription" && segs[2] == "topic" ? "remote_topic" : segs[2];
        item = segs[0] + "." + quote(segs[1]) + "." + leaf;
    } else if (segs[0] == "tls") {
        item = "ssl";
        for (std::size_t i = 1; i < segs.size(); ++i)
            item += "." + segs[i];
    } else {
        for (const auto& s : segs)
            item += (item.empty() ? "" : ".") + s;
    }
    std::string path = base + item;
    std::string plain = "bridges.mqtt." + name + "." + item;
    plain.erase(std::remove(plain.begin(), plain.end(), '"'), plain.end());
    // {"key1":"value1"} (user properties) is JSON, which HOCON reads as it is.
    if (!value.empty() && value.front() == '{') return path + " = " + std::string(value);
    std::string v(value);
    const KeySpec* spec = find_key(plain);
    if (spec && spec->type == KeyType::kBool) {
        std::transform(v.begin(), v.end(), v.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    return path + " = " + quote(v);
}

}  // namespace nmq::config
