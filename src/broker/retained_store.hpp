#pragma once
// RetainedStore: the last retained message of each topic [MQTT-3.3.1-5], found by topic filter
// when a client subscribes [MQTT-3.3.1-9]. Stored in a trie of topic levels so a wildcard
// filter visits only what it can match.
//
// THREADING WARNING: not synchronised; the Broker guards it with a shared_mutex (find() under
// a shared lock).
#include <string_view>
#include <vector>

#include "broker/message.hpp"

namespace nmq::broker {

class RetainedStore {
  public:
    RetainedStore();
    ~RetainedStore();
    RetainedStore(const RetainedStore&) = delete;
    RetainedStore& operator=(const RetainedStore&) = delete;

    // Stores `msg` as the retained message of its topic, replacing any before it; an empty
    // payload removes it instead [MQTT-3.3.1-10] [MQTT-3.3.1-11].
    void set(MessagePtr msg);

    // Appends every retained message whose topic matches `filter` (not a shared filter; '$'
    // topics are not matched by a leading wildcard [MQTT-4.7.2-1]).
    void find(std::string_view filter, std::vector<MessagePtr>& out) const;

    std::size_t size() const noexcept { return size_; }

  private:
    struct Node;
    Node* root_;
    std::size_t size_ = 0;
};

}  // namespace nmq::broker
