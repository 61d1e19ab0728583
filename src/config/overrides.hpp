#pragma once
// Configuration changes made through the HTTP API (req 12), kept apart from the user's file and
// its comments: the overrides file, written only by the broker, one `key = value` line per
// changed key of the key table. It is applied after every other source (defaults < file <
// environment < command line < overrides), so a change made through the API survives a
// restart, `nanomq reload` and SIGHUP whatever else the broker was started with. Deleting the
// file undoes every API change at the next restart or reload.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/key_table.hpp"

namespace nmq::config {

// One overridden key: its path in the key table ("mqtt.max_mqueue_len",
// "listeners.tcp.bind") and its value as HOCON text ("64", "\"secret\"", "true").
struct Override {
    std::string path;
    std::string value;
    bool operator==(const Override&) const = default;
};

// The overrides file of a broker whose configuration file is `conf_file` ("" when it was
// started without one): http_server.overrides_file when set, else
// "<conf_file>.api-overrides.conf", else "" (no file: the API cannot persist changes).
std::string overrides_path(const Config& config, const std::string& conf_file);

// The overrides in the file at `path`, in file order; none when the file does not exist.
// Throws ConfigError ("file:line:col: ...") when it cannot be read or parsed.
std::vector<Override> read_overrides(const std::string& path);

// Applies the file at `path` over `config`, key by key through the key table (so a value is
// validated exactly as in nanomq.conf). A missing file changes nothing; a key the table does
// not know is reported in `warnings` and skipped. Throws ConfigError naming file, line and key.
void apply_overrides_file(Config& config, const std::string& path,
                          std::vector<ConfigWarning>& warnings);

// The same, from text named `name` (as the file would hold it).
void apply_overrides_text(Config& config, std::string_view text, const std::string& name,
                          std::vector<ConfigWarning>& warnings);

// The text of an overrides file holding `overrides`, in order, after a comment saying what the
// file is.
std::string format_overrides(const std::vector<Override>& overrides);

// Merges `changes` into the file at `path` (a changed key keeps its place, a new one is
// appended) and replaces the file atomically: a temporary file beside it is written and
// fsync'ed, renamed over the old one, and the folder fsync'ed, so a crash leaves either the old
// file or the new one. Throws std::runtime_error naming the file when that fails.
void write_overrides(const std::string& path, const std::vector<Override>& changes);

// What the '*'s of the key table row `row` matched in `path` (several joined by
// kNameSeparator): the name its setter takes ("b" for listeners.tcp.b.bind).
std::string row_name(const KeySpec& row, std::string_view path);

// Replaces the file at `path` by `contents` atomically (temporary file, fsync, rename, fsync of
// the folder), creating its folder (mode 0700) when missing; the file gets `mode`. Throws
// std::runtime_error naming the file.
void write_file_atomically(const std::string& path, const std::string& contents, unsigned mode);

// A string as a HOCON quoted string: "a \"b\"\n" with JSON escapes.
std::string hocon_quote(std::string_view text);

}  // namespace nmq::config
