#pragma once
// Read-only views of broker state for the management API and $SYS: each worker copies its own
// part on its own thread, so nothing is locked and no worker waits for another.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "broker/stats.hpp"

namespace nmq::broker {

struct SubscriptionInfo {
    std::string topic;  // the filter as subscribed ($share/<group>/... kept)
    std::uint8_t qos = 0;
};

struct ClientInfo {
    std::string client_id;
    std::string username;
    std::uint16_t keepalive = 0;        // as negotiated
    std::uint8_t protocol = 4;          // 3, 4 or 5
    bool connected = false;             // false: a persistent session whose client is away
    std::uint64_t message_receive = 0;  // messages delivered to this client
    std::vector<SubscriptionInfo> subscriptions;  // sorted by filter
};

// One level-by-level view of the subscription tree (API req 13).
struct TopicNodeInfo {
    std::string topic;  // segment; "" for the root
    std::size_t cld_cnt = 0;
    std::vector<std::string> client_ids;  // empty: no subscribers on this node
};

struct BrokerSnapshot {
    Stats stats;                      // counters, connections, subscribing clients, sessions
    std::vector<ClientInfo> clients;  // every session, sorted by client_id
    std::vector<std::vector<TopicNodeInfo>> topic_tree;  // [level][node]
};

}  // namespace nmq::broker
