#pragma once
// Internal to src/config: what the files that hold rows of the key table share. The table is
// assembled in key_table.cpp from the core rows there and one group of rows per feature area,
// each in its own key_rows_<area>.cpp, so that an area's keys live beside each other.
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/key_table.hpp"

namespace nmq::config {

inline constexpr std::int64_t kMiB = 1024 * 1024;
inline constexpr std::int64_t kU16 = std::numeric_limits<std::uint16_t>::max();
inline constexpr std::int64_t kU32 = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::int64_t kSecond = 1000;
inline constexpr std::int64_t kDay = 86'400 * kSecond;

template <class T>
void assign(T& field, const KeyValue& v) {
    if constexpr (std::is_same_v<T, bool>) {
        field = std::get<bool>(v);
    } else if constexpr (std::is_integral_v<T>) {
        field = static_cast<T>(std::get<std::int64_t>(v));  // the row's range fits T
    } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
        field = std::chrono::milliseconds(std::get<std::int64_t>(v));
    } else {
        field = std::get<T>(v);
    }
}

// A setter for a plain field: field<&Config::mqtt, &Config::Mqtt::max_mqueue_len>().
template <auto Section, auto Member>
KeySetter field() {
    return [](Config& c, const KeyValue& v, std::string_view) { assign((c.*Section).*Member, v); };
}

// Rows of the feature areas (key_rows_<area>.cpp).
std::vector<SectionSpec> auth_section_rows();
std::vector<KeySpec> tls_ws_key_rows();
std::vector<SectionSpec> tls_ws_section_rows();
std::vector<UnsupportedSpec> tls_ws_unsupported_rows();
std::vector<KeySpec> bridge_key_rows();
std::vector<SectionSpec> bridge_section_rows();
std::vector<UnsupportedSpec> bridge_unsupported_rows();
// Checks across the keys of each bridge once everything is loaded; `where` gives the
// "file:line:col" of a key. Throws ConfigError.
void check_bridges(Config& config, const std::function<std::string(const std::string&)>& where);
// The key=value format's bridge.mqtt.* keys: the HOCON assignment(s) for one line, or nullopt
// when `key` is not a bridge key.
struct OldBridgeState {
    std::map<std::string, int> forwards;  // V1 `forwards=a,b` entries numbered per bridge
};
std::optional<std::string> old_bridge_key_to_hocon(std::string_view key, std::string_view value,
                                                   OldBridgeState& state);
std::vector<KeySpec> sqlite_key_rows();
std::vector<SectionSpec> sqlite_section_rows();
std::vector<UnsupportedSpec> sqlite_unsupported_rows();

}  // namespace nmq::config
