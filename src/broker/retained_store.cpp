// Design note. A trie of topic levels, one node per level, the message on the node of its
// topic. find() walks the filter's levels over the trie with an explicit stack (topics may
// have 32768 levels): a literal level follows one child, '+' every child, '#' collects the
// whole subtree including the node it hangs from ("a/#" matches "a") [MQTT-4.7.1-2]. At the
// root, '+' and '#' skip children beginning with '$' [MQTT-4.7.2-1]. Children are keyed by a
// view of their own segment string; a node never moves, so the view lives as long as it.
#include "broker/retained_store.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace nmq::broker {

struct RetainedStore::Node {
    std::string segment;
    Node* parent = nullptr;
    std::unordered_map<std::string_view, std::unique_ptr<Node>> children;
    MessagePtr message;

    Node* find_child(std::string_view seg) const noexcept {
        auto it = children.find(seg);
        return it == children.end() ? nullptr : it->second.get();
    }
};

namespace {

// Splits "a//b" into "a", "", "b". `pos` is npos once every level has been taken.
std::string_view next_level(std::string_view text, std::size_t& pos) noexcept {
    const std::size_t end = text.find('/', pos);
    std::string_view level;
    if (end == std::string_view::npos) {
        level = text.substr(pos);
        pos = std::string_view::npos;
    } else {
        level = text.substr(pos, end - pos);
        pos = end + 1;
    }
    return level;
}

bool starts_with_dollar(std::string_view seg) noexcept {
    return !seg.empty() && seg.front() == '$';
}

}  // namespace

RetainedStore::RetainedStore() : root_(new Node()) {}

RetainedStore::~RetainedStore() {
    // Iterative: a recursive destructor would nest once per level.
    std::vector<std::unique_ptr<Node>> pending;
    pending.emplace_back(root_);
    while (!pending.empty()) {
        auto node = std::move(pending.back());
        pending.pop_back();
        for (auto& [seg, child] : node->children)
            pending.push_back(std::move(child));
    }
}

void RetainedStore::set(MessagePtr msg) {
    if (!msg || msg->topic.empty()) return;
    const std::string_view topic = msg->topic;
    std::size_t pos = 0;

    if (msg->payload.empty()) {
        // [MQTT-3.3.1-10] an empty retained payload removes the topic's retained message, and
        // [MQTT-3.3.1-11] is itself not stored.
        Node* node = root_;
        while (pos != std::string_view::npos) {
            node = node->find_child(next_level(topic, pos));
            if (node == nullptr) return;
        }
        if (!node->message) return;
        node->message.reset();
        --size_;
        while (node != root_ && !node->message && node->children.empty()) {
            Node* parent = node->parent;
            parent->children.erase(std::string_view(node->segment));
            node = parent;
        }
        return;
    }

    Node* node = root_;
    while (pos != std::string_view::npos) {
        const std::string_view seg = next_level(topic, pos);
        Node* child = node->find_child(seg);
        if (child == nullptr) {
            auto fresh = std::make_unique<Node>();
            fresh->segment.assign(seg);
            fresh->parent = node;
            child = fresh.get();
            node->children.emplace(std::string_view(child->segment), std::move(fresh));
        }
        node = child;
    }
    // [MQTT-3.3.1-5] the new message replaces any existing retained message of the topic.
    if (!node->message) ++size_;
    node->message = std::move(msg);
}

void RetainedStore::find(std::string_view filter, std::vector<MessagePtr>& out) const {
    if (filter.empty()) return;
    struct Frame {
        const Node* node;
        std::size_t pos;  // start of the next filter level; npos when all are consumed
    };
    std::vector<Frame> stack{{root_, 0}};
    std::vector<const Node*> subtree;
    while (!stack.empty()) {
        const Frame frame = stack.back();
        stack.pop_back();
        const Node* node = frame.node;
        if (frame.pos == std::string_view::npos) {
            if (node->message) out.push_back(node->message);
            continue;
        }
        std::size_t pos = frame.pos;
        const std::string_view level = next_level(filter, pos);
        const bool at_root = node == root_;
        if (level == "#") {
            // The node itself (the parent level) and everything below it.
            subtree.assign(1, node);
            while (!subtree.empty()) {
                const Node* n = subtree.back();
                subtree.pop_back();
                if (n->message) out.push_back(n->message);
                for (const auto& [seg, child] : n->children) {
                    if (n == root_ && starts_with_dollar(seg)) continue;  // [MQTT-4.7.2-1]
                    subtree.push_back(child.get());
                }
            }
        } else if (level == "+") {
            for (const auto& [seg, child] : node->children) {
                if (at_root && starts_with_dollar(seg)) continue;  // [MQTT-4.7.2-1]
                stack.push_back({child.get(), pos});
            }
        } else if (const Node* child = node->find_child(level)) {
            stack.push_back({child, pos});
        }
    }
}

}  // namespace nmq::broker
