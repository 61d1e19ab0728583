#pragma once
// Topic names and topic filters (MQTT 5.0 section 4.7, 3.1.1 section 4.7) and UTF-8 rules
// (section 1.5.4).
#include <optional>
#include <string_view>

namespace nmq::mqtt {

// Well-formed UTF-8 with no U+0000 and no surrogates [MQTT-1.5.4-1] [MQTT-1.5.4-2].
bool is_valid_utf8(std::string_view s) noexcept;

// A topic name for PUBLISH: at least one character [MQTT-4.7.3-1], no wildcard characters
// [MQTT-3.3.2-2], valid UTF-8, at most 65535 bytes.
bool is_valid_topic_name(std::string_view topic) noexcept;

// A topic filter for SUBSCRIBE/UNSUBSCRIBE: '#' only as the whole last level [MQTT-4.7.1-2],
// '+' only as a whole level [MQTT-4.7.1-3], non-empty, valid UTF-8. Shared subscription
// filters ($share/<group>/<filter>, $queue/<filter>) are valid when their parts are
// [MQTT-4.8.2-1] [MQTT-4.8.2-2].
bool is_valid_topic_filter(std::string_view filter) noexcept;

// "$share/<group>/<filter>" or NanoMQ's "$queue/<filter>" (group "$queue").
struct SharedFilter {
    std::string_view group;
    std::string_view filter;
};
std::optional<SharedFilter> parse_shared_filter(std::string_view filter) noexcept;

// Does `filter` (not shared) match `topic`? Topics starting with '$' are not matched by a
// filter starting with a wildcard [MQTT-4.7.2-1].
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace nmq::mqtt
