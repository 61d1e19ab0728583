#pragma once
// TopicMap: where a bridged message goes. A filter selects topics; a target rewrites them:
//
//   target ""            the topic is kept                       a/b/c    -> a/b/c
//   target "up/x"        every matching topic becomes "up/x"     (NanoMQ's topic reflection)
//   target "up/+/#"      each '+' of the target takes the level the same-numbered '+' of the
//                        filter matched, and '#' the levels its '#' matched:
//                        filter "site/+/sensors/#", "site/7/sensors/t/1" -> "up/7/t/1"
//
// then `prefix` and `suffix` are added around the result. mosquitto's
// `topic <pattern> out <qos> <local-prefix> <remote-prefix>` is the filter
// local-prefix + pattern with the target remote-prefix + pattern (from_prefixes()).
// A shared filter ($share/<group>/<filter>) maps by its <filter> part.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmq::bridge {

class TopicMap {
  public:
    // nullopt, and the reason in `error`, when the filter is not a valid topic filter, the
    // target not a valid topic or template, or the target uses wildcards the filter does not
    // have.
    static std::optional<TopicMap> make(std::string_view filter, std::string_view target,
                                        std::string_view prefix = {}, std::string_view suffix = {},
                                        std::string* error = nullptr);
    // mosquitto's form. An empty pattern means the prefixes are whole topics.
    static std::optional<TopicMap> from_prefixes(std::string_view pattern,
                                                 std::string_view from_prefix,
                                                 std::string_view to_prefix,
                                                 std::string* error = nullptr);

    // The filter as configured (with any $share prefix), and the part that matches topics.
    const std::string& filter() const noexcept { return filter_; }
    std::string_view match_filter() const noexcept { return match_filter_; }
    bool matches(std::string_view topic) const noexcept;
    // True when every topic is kept as it is.
    bool identity() const noexcept { return target_.empty() && prefix_.empty() && suffix_.empty(); }

    // The rewritten topic; nullopt when `topic` does not match, or when the result would be
    // empty ('#' that matched no level as the whole target).
    std::optional<std::string> map(std::string_view topic) const;

  private:
    std::string filter_;
    std::string_view match_filter_;  // into filter_
    std::string target_;
    std::string prefix_;
    std::string suffix_;
    std::vector<std::string_view> filter_levels_;  // into filter_
    std::vector<std::string_view> target_levels_;  // into target_

    TopicMap() = default;
    void split();

  public:
    TopicMap(const TopicMap& o) { *this = o; }
    TopicMap& operator=(const TopicMap& o);
    TopicMap(TopicMap&& o) noexcept { *this = o; }
    TopicMap& operator=(TopicMap&& o) noexcept { return *this = static_cast<const TopicMap&>(o); }
};

// The first map in `maps` whose filter matches `topic`, or nullptr.
const TopicMap* find_map(const std::vector<TopicMap>& maps, std::string_view topic) noexcept;

}  // namespace nmq::bridge
