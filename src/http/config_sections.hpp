#pragma once
// Internal to req 11 / req 12: the sections of the configuration view that belong to feature
// areas (TLS, WebSocket, bridge) are each shown and changed by one pair of functions in a file
// of their own (config_section_<area>.cpp), so that wiring an area to its Config fields touches
// that file alone. ConfigEditor is what a section's change function works with.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "config/config.hpp"
#include "http/config_api.hpp"

namespace nmq::http {

// The JSON type a field takes in req 12 (spec: an integer is written without fraction or
// exponent; booleans are JSON booleans, not "yes").
enum class FieldType {
    kBool,
    kInteger,
    kString,
    kStringOrNull,
    kIntegerOrNull,
    kBoolOrNull,
    kStringList,     // ["a/#", "b"]
    kSubscriptions,  // [{"topic": "a/#", "qos": 1}]
};

// Thrown by ConfigEditor::fail; change_config turns it into a ConfigChangeError.
struct ConfigEditFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class ConfigEditor {
  public:
    ConfigEditor(const config::Config& current, std::string files_dir)
        : current_(current), files_dir_(std::move(files_dir)) {
        change_.next = current;
    }

    const config::Config& current() const { return current_; }
    config::Config& next() { return change_.next; }
    ConfigChange& change() { return change_; }

    [[noreturn]] void fail(std::string_view field, std::string_view problem) const;
    [[noreturn]] void unknown(std::string_view field) const;

    // `value` must be an object (a section); returns it.
    const boost::json::object& section(std::string_view field, const boost::json::value& value);
    // Fails unless `value` has JSON type `type`.
    void check_type(std::string_view field, const boost::json::value& value, FieldType type) const;

    // Sets the key table key `key` (e.g. "mqtt.max_mqueue_len") from the API field `field` to
    // `value` (a JSON boolean, integer or string), converted and validated by the key's row
    // exactly as the same value in nanomq.conf; records the override to persist and whether
    // the change is applied at once (`live`) or at the next restart.
    void set(std::string_view field, std::string_view key, const boost::json::value& value,
             bool live);

    // Sets the list section `key` (e.g. "bridges.mqtt.emqx.forwards") from the API field
    // `field` to `hocon`, an array of objects in HOCON ("[{local_topic = \"a/#\"}]"), replacing
    // the list exactly as the same text in nanomq.conf would; recorded like set().
    void set_list(std::string_view field, std::string_view key, const std::string& hocon,
                  bool live);

    // The problem the checks that span several keys (config::check_across_keys) find in
    // next(), without a location ("bridges.mqtt.b.server: required ..."); "" when none.
    std::string problem_in_next();

    // Keeps `contents` (given for `field`) in a file of the broker's own, named after `stem`
    // and the contents, and returns its path.
    std::string store_file(std::string_view field, std::string_view stem,
                           const std::string& contents, bool secret);

    // For what this build cannot change yet: fails, naming `field` and saying `why`, unless
    // `value` is what req 11 shows (`shown`), so that req 11's data always round-trips.
    void require_unchanged(std::string_view field, const boost::json::value& value,
                           const boost::json::value& shown, std::string_view why) const;

  private:
    const config::Config& current_;
    std::string files_dir_;
    ConfigChange change_;
};

// How the sections show values: unset strings as null, secrets redacted, addresses as URLs.
boost::json::value string_or_null(const std::string& s);
boost::json::value redacted_or_null(const std::string& s);
// "host:port", IPv6 hosts in brackets.
std::string host_port(const std::string& host, std::uint16_t port);
// The contents of a PEM file; null when none is configured or it cannot be read.
boost::json::value file_or_null(const std::string& path);
// `url` without one of `schemes` ("tls+nmq-tcp://"); nullopt for another scheme. No scheme
// at all is accepted too.
std::optional<std::string> strip_scheme(std::string_view url,
                                        std::initializer_list<std::string_view> schemes);

// True for a redacted secret sent back unchanged (spec: "******" keeps its value).
inline bool is_redacted(const boost::json::value& v) {
    return v.is_string() && v.get_string() == kRedacted;
}

// The feature-area sections: view (req 11) and change (req 12), one file each.
boost::json::object tls_view(const config::Config& config);
void tls_change(const boost::json::value& data, ConfigEditor& editor);

boost::json::object websocket_view(const config::Config& config);
void websocket_change(const boost::json::value& data, ConfigEditor& editor);

boost::json::object bridge_view(const config::Config& config);
void bridge_change(const boost::json::value& data, ConfigEditor& editor);

}  // namespace nmq::http
