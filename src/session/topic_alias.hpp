#pragma once
// MQTT 5.0 Topic Aliases (section 3.3.2.3.4), one table per direction and per network
// connection: they never outlive the connection [MQTT-3.3.2-7].
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "core/string_hash.hpp"

namespace nmq::session {

// Aliases a client sends us.
class InboundAliases {
  public:
    explicit InboundAliases(std::uint16_t maximum = 0) : maximum_(maximum) {}
    void set_maximum(std::uint16_t maximum) { maximum_ = maximum; }
    std::uint16_t maximum() const noexcept { return maximum_; }

    // Resolves the topic of a PUBLISH carrying `alias`: a non-empty `topic` (re)binds the alias,
    // an empty one looks it up. Returns the effective topic.
    Result<std::string_view> resolve(std::uint16_t alias, std::string_view topic) {
        // [MQTT-3.3.2-8] [MQTT-3.3.2-9] 0 or above our Topic Alias Maximum is invalid.
        if (alias == 0 || alias > maximum_)
            return Error{ReasonCode::kTopicAliasInvalid, "topic alias out of range"};
        if (table_.size() < maximum_ + 1u) table_.resize(maximum_ + 1u);
        if (!topic.empty()) {
            table_[alias].assign(topic);
            return std::string_view(table_[alias]);
        }
        if (table_[alias].empty())
            return Error{ReasonCode::kProtocolError, "topic alias not yet defined"};
        return std::string_view(table_[alias]);
    }

  private:
    std::uint16_t maximum_;
    std::vector<std::string> table_;  // sized on first use
};

// Aliases we send to a client that announced a Topic Alias Maximum in CONNECT. Aliases are
// handed out to topics in order of first use until the client's maximum is reached; later
// topics are sent in full.
class OutboundAliases {
  public:
    explicit OutboundAliases(std::uint16_t maximum = 0) : maximum_(maximum) {}

    struct Choice {
        std::uint16_t alias = 0;  // 0: send no alias
        bool send_topic = true;   // false: the alias alone names the topic
    };
    Choice choose(std::string_view topic) {
        if (maximum_ == 0) return {};
        if (!table_) table_ = std::make_unique<Table>();
        auto it = table_->find(topic);
        if (it != table_->end()) return {it->second, false};
        if (table_->size() >= maximum_) return {};
        auto alias = static_cast<std::uint16_t>(table_->size() + 1);
        table_->emplace(std::string(topic), alias);
        return {alias, true};
    }

  private:
    using Table = std::unordered_map<std::string, std::uint16_t, StringHash, std::equal_to<>>;
    std::uint16_t maximum_;
    std::unique_ptr<Table> table_;  // allocated when the first alias is handed out
};

}  // namespace nmq::session
