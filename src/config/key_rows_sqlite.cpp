// Rows of the key table for SQLite persistence (the sqlite section).
#include "config/key_rows.hpp"

namespace nmq::config {

std::vector<KeySpec> sqlite_key_rows() {
    return {};
}

std::vector<SectionSpec> sqlite_section_rows() {
    return {};
}

// Until the area is implemented, NanoMQ's keys for it are reported once and skipped.
std::vector<UnsupportedSpec> sqlite_unsupported_rows() {
    return {
        {"sqlite", "SQLite persistence"},
    };
}

}  // namespace nmq::config
