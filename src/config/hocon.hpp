#pragma once
// A HOCON reader for NanoMQ's configuration files: a tree of values, each remembering the
// file, line and column it came from, so every later error can point at the offending text.
//
// Covered: objects and arrays; `=`, `:` or nothing before `{`; dotted key paths
// (`listeners.tcp { }`, `a.b.c = 1`, quoted segments `"a.b"`); `#` and `//` comments; quoted
// strings with JSON escapes, `"""triple"""` strings and unquoted strings; numbers, booleans,
// null; newline or comma separators (trailing commas allowed); value concatenation on one
// line (`a = foo bar`, `${HOST}":1883"`); `+=`; repeated keys merge objects (later scalars
// win); `include "file"`, `include file("..")`, `include required("..")` at any level, paths
// relative to the including file, missing optional includes skipped with a warning.
//
// Substitutions `${a.b}` / `${?a.b}` are resolved while parsing: first against the keys
// already read (so `path = ${path}":/x"` appends), then the environment. A missing `${X}` is
// an error; a missing `${?X}` leaves the key as it was. Forward references are not supported.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace nmq::config {

struct SourceLocation {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::string to_string() const;  // "file:line:col"
    bool operator==(const SourceLocation&) const = default;
};

enum class HoconKind { kNull, kBool, kNumber, kString, kArray, kObject };

struct HoconField;

class HoconValue {
  public:
    HoconValue() = default;  // null
    static HoconValue null(SourceLocation where);
    static HoconValue boolean(bool value, SourceLocation where);
    static HoconValue number(std::string text, SourceLocation where);  // text as written
    static HoconValue string(std::string text, SourceLocation where);
    static HoconValue array(SourceLocation where);
    static HoconValue object(SourceLocation where);

    HoconKind kind() const { return kind_; }
    const SourceLocation& location() const { return location_; }
    bool is_null() const { return kind_ == HoconKind::kNull; }
    bool is_object() const { return kind_ == HoconKind::kObject; }
    bool is_array() const { return kind_ == HoconKind::kArray; }
    bool is_scalar() const { return !is_object() && !is_array(); }

    bool as_bool() const { return bool_; }
    // A string's contents, a number as written ("1.25"), "true"/"false", "null".
    const std::string& text() const { return text_; }

    const std::vector<HoconValue>& items() const { return items_; }
    std::vector<HoconValue>& items() { return items_; }
    const std::vector<HoconField>& fields() const { return fields_; }
    std::vector<HoconField>& fields() { return fields_; }

    // The field `key` of an object (one segment, no dots), or nullptr.
    const HoconValue* find(std::string_view key) const;
    HoconValue* find(std::string_view key);
    // Follows a dotted path of unquoted segments: find_path("mqtt.max_packet_size").
    const HoconValue* find_path(std::string_view path) const;

    // How an error message shows the value: "big" quoted, 12, true, an object, a list.
    std::string describe() const;

    // Optional includes of this object whose file could not be read, as
    // "file:line:col: include \"name\"". Sections that must not load without their file (the
    // password and ACL files: fail closed) turn these into errors.
    const std::vector<std::string>& missing_includes() const { return missing_includes_; }
    std::vector<std::string>& missing_includes() { return missing_includes_; }

  private:
    HoconKind kind_ = HoconKind::kNull;
    bool bool_ = false;
    std::string text_ = "null";
    std::vector<HoconValue> items_;
    std::vector<HoconField> fields_;
    std::vector<std::string> missing_includes_;
    SourceLocation location_;
};

struct HoconField {
    std::string key;
    SourceLocation key_location;
    HoconValue value;
};

// Merges `from` into `into` with HOCON's rule: two objects merge key by key, anything else is
// replaced by the later value.
void merge_hocon(HoconValue& into, HoconValue from);

struct HoconOptions {
    // Looks up `${VAR}` in the environment; unset means std::getenv.
    std::function<std::optional<std::string>(const std::string&)> getenv;
    // Receives a kMissingInclude warning per optional include that was not found.
    std::vector<ConfigWarning>* warnings = nullptr;
    int max_include_depth = 16;
};

// Parses a file; the root is always an object. Throws ConfigError "file:line:col: message".
HoconValue parse_hocon_file(const std::string& path, const HoconOptions& options = {});

// Parses text named `file_name` (used in locations; includes resolve next to it).
HoconValue parse_hocon_text(std::string_view text, const std::string& file_name,
                            const HoconOptions& options = {});

}  // namespace nmq::config
