// Rows of the key table for bridges to remote brokers (bridges.mqtt.<name>).
#include "config/key_rows.hpp"

namespace nmq::config {

std::vector<KeySpec> bridge_key_rows() {
    return {};
}

std::vector<SectionSpec> bridge_section_rows() {
    return {};
}

// Until the area is implemented, NanoMQ's keys for it are reported once and skipped.
std::vector<UnsupportedSpec> bridge_unsupported_rows() {
    return {
        {"bridges", "bridges to remote brokers"},
    };
}

}  // namespace nmq::config
