#pragma once
// SubscriptionTrie: topic filters -> subscribers, one level per node, with explicit '+' and '#'
// children and topics beginning with '$' kept apart so that a leading wildcard never matches
// them [MQTT-4.7.2-1]. Shared subscriptions ($share/<group>/<filter>, $queue/<filter>) hang
// off the node of their filter, one group per name; a match picks one member of each group
// [MQTT-4.8.2-?] round-robin.
//
// THREADING WARNING: not synchronised. The Broker guards it with a shared_mutex: match() under
// a shared lock (it only touches the round-robin counters, which are atomic), everything else
// under an exclusive lock.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/message.hpp"
#include "mqtt/packets.hpp"

namespace nmq::broker {

struct Subscriber {
    SessionId session = 0;
    std::uint32_t worker = 0;  // the worker that owns the session
    mqtt::SubscribeOptions options;
    std::uint32_t subscription_id = 0;  // 0: none
    bool shared = false;  // through a shared subscription: its copy is separate [MQTT-4.8.2]
    bool operator==(const Subscriber&) const = default;
};

class SubscriptionTrie {
  public:
    SubscriptionTrie();
    ~SubscriptionTrie();
    SubscriptionTrie(const SubscriptionTrie&) = delete;
    SubscriptionTrie& operator=(const SubscriptionTrie&) = delete;

    // Adds the subscription, or replaces the one the same session holds on the same filter
    // (same share group for shared filters). Returns true when it replaced one.
    // `filter` must already be valid (mqtt::is_valid_topic_filter).
    bool subscribe(std::string_view filter, const Subscriber& sub);

    // Removes the session's subscription on `filter`; false when it had none.
    bool unsubscribe(std::string_view filter, SessionId session);

    // Appends to `out` every non-shared subscriber whose filter matches `topic`, and for each
    // shared group with a matching filter exactly one member, chosen round-robin. A session
    // with several matching filters appears once per filter.
    void match(std::string_view topic, std::vector<Subscriber>& out) const;

    // Number of subscriptions stored (each shared member counts once).
    std::size_t size() const noexcept { return size_; }

    // Walks the tree breadth-first for the API's topic tree (req 13): for each node, its
    // level (0 = root), its segment, its number of children, and the client-facing
    // subscribers on it (shared members included, without the $share prefix). Siblings are
    // visited sorted by segment, after their parents' order.
    struct NodeView {
        std::size_t level;
        std::string_view segment;
        std::size_t children;
        std::vector<SessionId> sessions;
    };
    void walk(const std::function<void(const NodeView&)>& visit) const;

  private:
    struct Node;
    Node* root_;
    std::size_t size_ = 0;
};

}  // namespace nmq::broker
