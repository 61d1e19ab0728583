#include "bridge/topic_map.hpp"

#include "mqtt/topic.hpp"

namespace nmq::bridge {

namespace {

std::vector<std::string_view> levels(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        auto slash = s.find('/');
        out.push_back(s.substr(0, slash));
        if (slash == std::string_view::npos) return out;
        s.remove_prefix(slash + 1);
    }
}

std::size_t count(const std::vector<std::string_view>& lv, std::string_view wildcard) {
    std::size_t n = 0;
    for (auto l : lv)
        n += l == wildcard;
    return n;
}

bool fail(std::string* error, std::string why) {
    if (error) *error = std::move(why);
    return false;
}

}  // namespace

TopicMap& TopicMap::operator=(const TopicMap& o) {
    if (this == &o) return *this;
    filter_ = o.filter_;
    target_ = o.target_;
    prefix_ = o.prefix_;
    suffix_ = o.suffix_;
    split();
    return *this;
}

void TopicMap::split() {
    match_filter_ = filter_;
    if (auto shared = mqtt::parse_shared_filter(filter_)) {
        match_filter_ = std::string_view(filter_).substr(filter_.size() - shared->filter.size());
    }
    filter_levels_ = levels(match_filter_);
    target_levels_.clear();
    if (!target_.empty()) target_levels_ = levels(target_);
}

std::optional<TopicMap> TopicMap::make(std::string_view filter, std::string_view target,
                                       std::string_view prefix, std::string_view suffix,
                                       std::string* error) {
    auto bad = [&](std::string why) {
        fail(error, std::move(why));
        return std::nullopt;
    };
    if (!mqtt::is_valid_topic_filter(filter))
        return bad("\"" + std::string(filter) + "\" is not a valid topic filter");
    if (!target.empty() &&
        (!mqtt::is_valid_topic_filter(target) || mqtt::parse_shared_filter(target)))
        return bad("\"" + std::string(target) + "\" is not a valid topic or topic template");
    if (std::string_view(prefix).find_first_of("+#") != std::string_view::npos ||
        std::string_view(suffix).find_first_of("+#") != std::string_view::npos)
        return bad("a prefix or suffix must not contain + or #");
    TopicMap m;
    m.filter_ = std::string(filter);
    m.target_ = std::string(target);
    m.prefix_ = std::string(prefix);
    m.suffix_ = std::string(suffix);
    m.split();
    if (count(m.target_levels_, "+") > count(m.filter_levels_, "+") ||
        count(m.target_levels_, "#") > count(m.filter_levels_, "#"))
        return bad("\"" + m.target_ + "\" uses wildcards that \"" + std::string(m.match_filter_) +
                   "\" does not have");
    return m;
}

std::optional<TopicMap> TopicMap::from_prefixes(std::string_view pattern,
                                                std::string_view from_prefix,
                                                std::string_view to_prefix, std::string* error) {
    std::string filter = std::string(from_prefix) + std::string(pattern);
    std::string target = std::string(to_prefix) + std::string(pattern);
    if (target.empty()) target = filter;
    return make(filter, target, {}, {}, error);
}

bool TopicMap::matches(std::string_view topic) const noexcept {
    return mqtt::topic_matches(match_filter_, topic);
}

std::optional<std::string> TopicMap::map(std::string_view topic) const {
    if (!matches(topic)) return std::nullopt;
    std::string out = prefix_;
    if (target_.empty()) {
        out += topic;
    } else {
        // What the filter's wildcards matched, in order.
        std::vector<std::string_view> plus;
        std::string_view rest;   // the levels '#' matched, joined by '/'
        bool rest_none = false;  // '#' matched no level ("a/#" and the topic "a")
        std::string_view t = topic;
        bool exhausted = false;  // every level of the topic has been taken
        for (auto f : filter_levels_) {
            if (f == "#") {
                rest_none = exhausted;
                rest = t;
                break;
            }
            auto slash = t.find('/');
            if (f == "+") plus.push_back(t.substr(0, slash));
            if (slash == std::string_view::npos) {
                exhausted = true;
                t = {};
            } else {
                t.remove_prefix(slash + 1);
            }
        }
        std::size_t next_plus = 0;
        std::string built;
        for (std::size_t i = 0; i < target_levels_.size(); ++i) {
            auto l = target_levels_[i];
            if (l == "#") {
                if (rest_none) {
                    if (!built.empty()) built.pop_back();  // "up/#" with nothing left: "up"
                } else {
                    built += rest;
                }
                break;
            }
            built += l == "+" ? plus[next_plus++] : l;
            if (i + 1 < target_levels_.size()) built += '/';
        }
        out += built;
    }
    out += suffix_;
    if (out.empty()) return std::nullopt;
    return out;
}

const TopicMap* find_map(const std::vector<TopicMap>& maps, std::string_view topic) noexcept {
    for (const auto& m : maps) {
        if (m.matches(topic)) return &m;
    }
    return nullptr;
}

}  // namespace nmq::bridge
