#pragma once
// The table of configuration keys: one row per key with its path, type, default, range,
// reload flag, documentation, environment variable and the setter into Config. Loading,
// validation, the reference documentation and (later) environment overrides and reload diffs
// are all driven by these rows; nothing else knows key names.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "config/hocon.hpp"
#include "config/units.hpp"

namespace nmq::config {

enum class KeyType {
    kBool,        // true/false (also "yes"/"no"/"on"/"off" as strings)
    kInteger,     // whole number within [min, max]
    kSize,        // "256MB": bytes within [min, max]
    kDuration,    // "10s": milliseconds within [min, max]
    kDouble,      // number, checked by `check`
    kString,      // any scalar, as text
    kEnum,        // one of `choices`, case-insensitive
    kHostPort,    // "0.0.0.0:1883"
    kStringList,  // [a, b] (or "a,b"); each one of `choices` when there are choices
};

// A converted value: bool; int64 for integers, sizes (bytes) and durations (ms); double;
// string (also enum choices, lower case); string list; host and port.
using KeyValue =
    std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>, HostPort>;

// Sets a converted value into the config. `name` is the segment a '*' in the path matched
// (a listener's name), empty otherwise; with several '*' (a bridge's name, then the position
// of a list entry) the segments joined by kNameSeparator.
inline constexpr char kNameSeparator = '\x1f';
using KeySetter = std::function<void(Config&, const KeyValue&, std::string_view name)>;

struct KeySpec {
    std::string path;  // "mqtt.max_packet_size"; '*' matches one segment: "listeners.tcp.*.bind"
    KeyType type = KeyType::kString;
    std::string default_text;  // as one would write it in nanomq.conf; "" if there is none
    std::string doc;           // one line
    bool reloadable = false;   // can change on `nanomq reload` without a restart
    std::int64_t min = 0;      // kInteger, kSize, kDuration (ms)
    std::int64_t max = 0;
    std::vector<std::string> choices;  // kEnum, kStringList
    std::string env;                   // NANOMQ_* variable that overrides it ("" if none)
    // Extra validation (kDouble ranges...): what was expected ("a number above 0.5"), or "".
    std::function<std::string(const KeyValue&)> check;
    KeySetter set;
};

// A section whose presence means something: `http_server { }` turns the HTTP API on,
// `listeners.tcp.<name> { }` adds a listener.
struct SectionSpec {
    std::string path;
    std::string doc;
    std::function<void(Config&, std::string_view name, const HoconValue& section)> on_present;
    // The handler reads the whole section itself (a list of users, ACL rules): loading does
    // not walk into it key by key.
    bool opaque = false;
    // The value may also be a list of objects (`forwards = [{...}, {...}]`): each is walked
    // as if it were the object named by its position ("0", "1", ...).
    bool list = false;
};

// A key or section NanoMQ has and we do not implement yet: reported once, then skipped.
struct UnsupportedSpec {
    std::string path;
    std::string doc;
};

const std::vector<KeySpec>& key_table();
const std::vector<SectionSpec>& section_table();
const std::vector<UnsupportedSpec>& unsupported_table();

// The row for a concrete path ("listeners.tcp.default_1.bind" finds "listeners.tcp.*.bind").
const KeySpec* find_key(std::string_view path);

// Converts and validates one HOCON value for `spec`. Throws ConfigError
// "file:line:col: mqtt.max_packet_size: expected a size like 256MB, got \"big\"".
KeyValue convert_value(const KeySpec& spec, const HoconValue& value, std::string_view path);

// Applies a parsed HOCON tree over `config`: every known key converted, validated and set;
// unsupported and unknown keys appended to `warnings` once each. Throws ConfigError.
void apply_hocon(const HoconValue& root, Config& config, std::vector<ConfigWarning>& warnings);

// Applies `list` as the list section at the dotted `path` ("bridges.mqtt.emqx.forwards"),
// replacing its entries exactly as the same list in nanomq.conf would. False (nothing
// changed) when `path` is not a list section or `list` is not an array; throws ConfigError for
// a bad entry.
bool apply_list_at(std::string_view path, const HoconValue& list, Config& config,
                   std::vector<ConfigWarning>& warnings);

// The checks that span several keys (a bridge needs a server; its topic mappings must be
// consistent), which apply_hocon() runs at its end; `where` prefixes the ConfigError.
void check_across_keys(Config& config, const std::string& where);

// Parses text as a nanomq.conf named `file_name` over the defaults (for tests and tools).
// Warnings go to `warnings` (options.warnings is not used).
Config load_hocon_text(std::string_view text, const std::string& file_name,
                       std::vector<ConfigWarning>& warnings, const HoconOptions& options = {});

// The Markdown reference of every key (docs/configuration.md is generated from it).
std::string keys_markdown();

}  // namespace nmq::config
