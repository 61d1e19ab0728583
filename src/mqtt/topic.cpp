// Topic and UTF-8 rules. The UTF-8 check follows the well-formed byte sequences of Unicode
// Table 3-7, which already exclude overlong forms, surrogates and code points past U+10FFFF;
// MQTT adds U+0000 [MQTT-1.5.4-2]. ASCII is checked 8 bytes at a time: topics are mostly ASCII.
#include "mqtt/topic.hpp"

#include <cstdint>
#include <cstring>

namespace nmq::mqtt {

namespace {

constexpr std::size_t kMaxTopicBytes = 65535;
constexpr std::string_view kSharePrefix = "$share/";
constexpr std::string_view kQueuePrefix = "$queue/";
constexpr std::string_view kQueueGroup = "$queue";

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;

// True when the 8 bytes are all ASCII and none is NUL.
inline bool is_plain_ascii_block(const unsigned char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    // (v - 0x01..) & ~v & 0x80.. is non-zero exactly when some byte is zero.
    const std::uint64_t zero_byte = (v - kLowBits) & ~v & kHighBits;
    return ((v & kHighBits) | zero_byte) == 0;
}

inline bool is_continuation(unsigned char c) noexcept {
    return (c & 0xC0) == 0x80;
}

// Validates the sequence starting at p[i]; on success advances i past it.
inline bool consume_code_point(const unsigned char* p, std::size_t n, std::size_t& i) noexcept {
    const unsigned char c = p[i];
    if (c < 0x80) {
        if (c == 0) return false;  // [MQTT-1.5.4-2]
        ++i;
        return true;
    }
    std::size_t len;
    unsigned char lo = 0x80;  // allowed range of the second byte
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;  // overlong
        if (c == 0xED) hi = 0x9F;  // U+D800..U+DFFF surrogates [MQTT-1.5.4-1]
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;  // overlong
        if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
        return false;  // continuation byte, C0/C1 overlong lead, F5..FF
    }
    if (n - i < len) return false;  // truncated
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
        if (!is_continuation(p[i + k])) return false;
    }
    i += len;
    return true;
}

// The filter rules without the shared-subscription prefix: '#' alone and last
// [MQTT-4.7.1-2], '+' alone in its level [MQTT-4.7.1-3].
bool is_valid_plain_filter(std::string_view filter) noexcept {
    if (filter.empty() || filter.size() > kMaxTopicBytes) return false;
    const std::size_t n = filter.size();
    for (std::size_t i = 0; i < n; ++i) {
        const char c = filter[i];
        if (c != '+' && c != '#') continue;
        const bool starts_level = i == 0 || filter[i - 1] == '/';
        const bool ends_level = i + 1 == n || filter[i + 1] == '/';
        if (!starts_level || !ends_level) return false;
        if (c == '#' && i + 1 != n) return false;
    }
    return is_valid_utf8(filter);
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        if (n - i >= 8 && is_plain_ascii_block(p + i)) {
            i += 8;
            continue;
        }
        if (!consume_code_point(p, n, i)) return false;
    }
    return true;
}

bool is_valid_topic_name(std::string_view topic) noexcept {
    // [MQTT-4.7.3-1] at least one character; 65535 is the UTF-8 string limit (1.5.4).
    if (topic.empty() || topic.size() > kMaxTopicBytes) return false;
    // [MQTT-3.3.2-2] no wildcards in a topic name.
    // memchr is vectorised; find_first_of tests one byte at a time.
    if (std::memchr(topic.data(), '+', topic.size()) != nullptr ||
        std::memchr(topic.data(), '#', topic.size()) != nullptr) {
        return false;
    }
    return is_valid_utf8(topic);
}

bool is_valid_topic_filter(std::string_view filter) noexcept {
    if (filter.starts_with(kSharePrefix) || filter.starts_with(kQueuePrefix)) {
        if (filter.size() > kMaxTopicBytes) return false;
        const auto shared = parse_shared_filter(filter);
        // [MQTT-4.8.2-1] a group name, [MQTT-4.8.2-2] then a filter.
        return shared && is_valid_utf8(shared->group) && is_valid_plain_filter(shared->filter);
    }
    return is_valid_plain_filter(filter);
}

std::optional<SharedFilter> parse_shared_filter(std::string_view filter) noexcept {
    if (filter.starts_with(kQueuePrefix)) {
        const auto rest = filter.substr(kQueuePrefix.size());
        if (rest.empty()) return std::nullopt;
        return SharedFilter{kQueueGroup, rest};
    }
    if (!filter.starts_with(kSharePrefix)) return std::nullopt;
    const auto rest = filter.substr(kSharePrefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;  // "$share/group" has no filter
    const auto group = rest.substr(0, slash);
    const auto inner = rest.substr(slash + 1);
    // [MQTT-4.8.2-1] the ShareName is at least one character and has no '/', '+' or '#'.
    if (group.empty() || group.find_first_of("+#") != std::string_view::npos) {
        return std::nullopt;
    }
    // [MQTT-4.8.2-2] followed by '/' and a Topic Filter.
    if (inner.empty()) return std::nullopt;
    return SharedFilter{group, inner};
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
    if (filter.empty() || topic.empty()) return false;
    // [MQTT-4.7.2-1] a leading wildcard never matches a topic beginning with '$'.
    if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;
    std::size_t f = 0;
    std::size_t t = 0;
    for (;;) {
        std::size_t f_end = filter.find('/', f);
        if (f_end == std::string_view::npos) f_end = filter.size();
        const auto level = filter.substr(f, f_end - f);
        // '#' matches the rest, including the parent level itself [MQTT-4.7.1-2].
        if (level == "#") return true;
        std::size_t t_end = topic.find('/', t);
        if (t_end == std::string_view::npos) t_end = topic.size();
        if (level != "+" && level != topic.substr(t, t_end - t)) return false;
        const bool filter_done = f_end == filter.size();
        const bool topic_done = t_end == topic.size();
        if (filter_done || topic_done) {
            if (filter_done && topic_done) return true;
            // "a/#" matches "a": only a trailing "/#" may outlast the topic.
            return topic_done && filter.substr(f_end + 1) == "#";
        }
        f = f_end + 1;
        t = t_end + 1;
    }
}

}  // namespace nmq::mqtt
