// Design note. One node per filter level. Literal children sit in a hash map keyed by a view of
// the child's own segment string (the child is heap-allocated and never moves, so the view
// stays valid for the child's life); '+' and '#' are separate pointers so matching never
// hashes them. The "separate '$' root" of DESIGN.md is the rule that, at the root only, a
// topic beginning with '$' skips the '+' and '#' children [MQTT-4.7.2-1]; '$SYS' and friends
// are ordinary literal children there.
//
// match() walks the trie with an explicit stack, not recursion: filters and topics may have
// up to 32768 levels and a client controls both. Every trie node sits at one depth, and a
// topic has one level per depth, so each node is visited at most once per match. The stack
// lives in a fixed inline buffer and only spills to the heap for filters deeper than that.
// Destruction and pruning are iterative for the same reason.
#include "broker/subscription_trie.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <unordered_map>
#include <utility>

#include "mqtt/topic.hpp"

namespace nmq::broker {

namespace {

constexpr std::string_view kPlus = "+";
constexpr std::string_view kHash = "#";

// A topic or filter split into levels lazily: "a//b" is "a", "", "b"; "/a" is "", "a".
// `pos` is the start of the next level, or npos once every level has been taken.
struct LevelCursor {
    std::string_view text;
    std::size_t pos = 0;

    bool done() const noexcept { return pos == std::string_view::npos; }
    std::string_view next() noexcept {
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
};

}  // namespace

struct SubscriptionTrie::Node {
    // One share group on one filter. The counter is mutated by match() under a shared lock.
    struct SharedGroup {
        std::string name;
        std::vector<Subscriber> members;
        mutable std::atomic<std::uint64_t> next{0};
    };

    std::string segment;
    Node* parent = nullptr;
    std::unordered_map<std::string_view, std::unique_ptr<Node>> children;
    std::unique_ptr<Node> plus;
    std::unique_ptr<Node> hash;
    std::vector<Subscriber> subscribers;
    std::vector<std::unique_ptr<SharedGroup>> groups;

    bool empty() const noexcept {
        return subscribers.empty() && groups.empty() && children.empty() && !plus && !hash;
    }
    std::size_t child_count() const noexcept {
        return children.size() + (plus ? 1 : 0) + (hash ? 1 : 0);
    }
    const Node* find_child(std::string_view seg) const noexcept {
        if (seg == kPlus) return plus.get();
        if (seg == kHash) return hash.get();
        auto it = children.find(seg);
        return it == children.end() ? nullptr : it->second.get();
    }
    Node* find_child(std::string_view seg) noexcept {
        return const_cast<Node*>(std::as_const(*this).find_child(seg));
    }
    Node* get_or_add_child(std::string_view seg) {
        if (Node* existing = find_child(seg)) return existing;
        auto child = std::make_unique<Node>();
        child->segment.assign(seg);
        child->parent = this;
        Node* raw = child.get();
        if (seg == kPlus) {
            plus = std::move(child);
        } else if (seg == kHash) {
            hash = std::move(child);
        } else {
            children.emplace(std::string_view(raw->segment), std::move(child));
        }
        return raw;
    }
    // Detaches and destroys `child`, which must be empty.
    void remove_child(Node* child) {
        if (plus.get() == child) {
            plus.reset();
        } else if (hash.get() == child) {
            hash.reset();
        } else {
            children.erase(std::string_view(child->segment));
        }
    }
    SharedGroup* find_group(std::string_view name) const noexcept {
        for (const auto& g : groups) {
            if (g->name == name) return g.get();
        }
        return nullptr;
    }

    // Appends this node's subscribers and one member of each of its share groups.
    void collect(std::vector<Subscriber>& out) const {
        out.insert(out.end(), subscribers.begin(), subscribers.end());
        for (const auto& g : groups) {
            const auto n = g->next.fetch_add(1, std::memory_order_relaxed);
            out.push_back(g->members[n % g->members.size()]);
        }
    }
};

namespace {

// Deletes a subtree without recursion: a filter of 32768 levels would otherwise nest
// 32768 destructor calls.
template <typename Node>
void destroy_tree(std::unique_ptr<Node> root) {
    std::vector<std::unique_ptr<Node>> pending;
    pending.push_back(std::move(root));
    while (!pending.empty()) {
        auto node = std::move(pending.back());
        pending.pop_back();
        for (auto& [seg, child] : node->children)
            pending.push_back(std::move(child));
        if (node->plus) pending.push_back(std::move(node->plus));
        if (node->hash) pending.push_back(std::move(node->hash));
        // `node` now owns no children; it is destroyed here, non-recursively.
    }
}

// A stack that lives on the C++ stack until it outgrows kInline frames.
template <typename T, std::size_t kInline>
class FrameStack {
  public:
    bool empty() const noexcept { return size_ == 0; }
    void push(const T& v) {
        if (size_ < kInline) {
            inline_[size_] = v;
        } else {
            spill_.push_back(v);
        }
        ++size_;
    }
    T pop() noexcept {
        --size_;
        if (size_ < kInline) return inline_[size_];
        T v = spill_.back();
        spill_.pop_back();
        return v;
    }

  private:
    std::array<T, kInline> inline_;
    std::vector<T> spill_;
    std::size_t size_ = 0;
};

}  // namespace

SubscriptionTrie::SubscriptionTrie() : root_(new Node()) {}

SubscriptionTrie::~SubscriptionTrie() {
    destroy_tree(std::unique_ptr<Node>(root_));
}

bool SubscriptionTrie::subscribe(std::string_view filter, const Subscriber& sub) {
    const auto shared = mqtt::parse_shared_filter(filter);
    LevelCursor levels{shared ? shared->filter : filter};
    Node* node = root_;
    while (!levels.done())
        node = node->get_or_add_child(levels.next());

    std::vector<Subscriber>* list = &node->subscribers;
    if (shared) {
        auto* group = node->find_group(shared->group);
        if (group == nullptr) {
            auto fresh = std::make_unique<Node::SharedGroup>();
            fresh->name.assign(shared->group);
            group = fresh.get();
            node->groups.push_back(std::move(fresh));
        }
        list = &group->members;
    }
    for (auto& existing : *list) {
        if (existing.session == sub.session) {
            existing = sub;  // same session, same filter: new options replace the old
            return true;
        }
    }
    list->push_back(sub);
    ++size_;
    return false;
}

bool SubscriptionTrie::unsubscribe(std::string_view filter, SessionId session) {
    const auto shared = mqtt::parse_shared_filter(filter);
    LevelCursor levels{shared ? shared->filter : filter};
    Node* node = root_;
    while (!levels.done()) {
        node = node->find_child(levels.next());
        if (node == nullptr) return false;
    }

    auto erase_session = [session](std::vector<Subscriber>& list) {
        auto it = std::find_if(list.begin(), list.end(),
                               [session](const Subscriber& s) { return s.session == session; });
        if (it == list.end()) return false;
        list.erase(it);
        return true;
    };
    if (shared) {
        auto it = std::find_if(node->groups.begin(), node->groups.end(),
                               [&](const auto& g) { return g->name == shared->group; });
        if (it == node->groups.end() || !erase_session((*it)->members)) return false;
        if ((*it)->members.empty()) node->groups.erase(it);
    } else if (!erase_session(node->subscribers)) {
        return false;
    }
    --size_;

    // Prune the now-empty chain bottom-up so the API's tree and memory shrink with it.
    while (node != root_ && node->empty()) {
        Node* parent = node->parent;
        parent->remove_child(node);
        node = parent;
    }
    return true;
}

void SubscriptionTrie::match(std::string_view topic, std::vector<Subscriber>& out) const {
    if (topic.empty()) return;
    // [MQTT-4.7.2-1] a topic beginning with '$' is not matched by a leading '+' or '#'.
    const bool dollar = topic.front() == '$';

    struct Frame {
        const Node* node;
        std::size_t pos;  // start of the next topic level; npos when all are consumed
    };
    FrameStack<Frame, 64> stack;
    stack.push({root_, 0});
    while (!stack.empty()) {
        const Frame frame = stack.pop();
        const Node* node = frame.node;
        const bool wildcards_allowed = !(dollar && node == root_);
        // '#' matches the remaining levels and the parent level itself [MQTT-4.7.1-2].
        if (node->hash && wildcards_allowed) node->hash->collect(out);
        if (frame.pos == std::string_view::npos) {
            node->collect(out);
            continue;
        }
        LevelCursor levels{topic, frame.pos};
        const std::string_view level = levels.next();
        if (!node->children.empty()) {
            auto it = node->children.find(level);
            if (it != node->children.end()) stack.push({it->second.get(), levels.pos});
        }
        // '+' matches exactly one level, empty ones included [MQTT-4.7.1-3].
        if (node->plus && wildcards_allowed) stack.push({node->plus.get(), levels.pos});
    }
}

void SubscriptionTrie::walk(const std::function<void(const NodeView&)>& visit) const {
    std::vector<const Node*> level_nodes{root_};
    std::vector<const Node*> next_level;
    std::vector<const Node*> siblings;
    for (std::size_t depth = 0; !level_nodes.empty(); ++depth) {
        next_level.clear();
        for (const Node* node : level_nodes) {
            NodeView view{depth, node->segment, node->child_count(), {}};
            for (const auto& s : node->subscribers)
                view.sessions.push_back(s.session);
            for (const auto& g : node->groups) {
                for (const auto& m : g->members)
                    view.sessions.push_back(m.session);
            }
            visit(view);

            siblings.clear();
            for (const auto& [seg, child] : node->children)
                siblings.push_back(child.get());
            if (node->plus) siblings.push_back(node->plus.get());
            if (node->hash) siblings.push_back(node->hash.get());
            std::sort(siblings.begin(), siblings.end(),
                      [](const Node* a, const Node* b) { return a->segment < b->segment; });
            next_level.insert(next_level.end(), siblings.begin(), siblings.end());
        }
        level_nodes.swap(next_level);
    }
}

}  // namespace nmq::broker
