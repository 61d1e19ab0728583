#pragma once
// req 11 and req 12 (spec "req 11: get configuration", "req 12: set configuration"): the
// configuration as the API shows it, and a change to it checked in full before anything is
// applied. Pure functions of a Config: the server persists and applies a change (api_server.cpp).
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "config/config.hpp"
#include "config/overrides.hpp"

namespace nmq::http {

// What req 11 shows for a secret that is set, and what req 12 reads as "keep it".
inline constexpr std::string_view kRedacted = "******";

// The `data` of req 11: keys in the spec's order, unset strings null, secrets redacted.
boost::json::object config_view(const config::Config& config);

// A file the broker keeps for the configuration (PEM contents given to req 12).
struct StoredFile {
    std::string path;
    std::string contents;
    bool secret = false;  // a private key: readable by the broker's user only
    bool operator==(const StoredFile&) const = default;
};

// A validated req 12.
struct ConfigChange {
    config::Config next;                      // the configuration with the change made
    std::vector<StoredFile> files;            // to write before the overrides that name them
    std::vector<config::Override> overrides;  // what to persist, one key table key each
    std::vector<std::string> live;            // fields applied at once ("msq_len")
    std::vector<std::string> at_restart;      // fields that take effect at the next restart
    bool empty() const { return overrides.empty(); }
};

// Why a req 12 was refused: 400/108 with this message, which names the field.
struct ConfigChangeError {
    std::string message;
};

// Merges req 12's `data` (in req 11's shape) into `current`: fields left out keep their value,
// a field equal to what req 11 shows changes nothing ("******" keeps a secret), anything else
// is converted and validated by the key table row of its key, as the same value in nanomq.conf
// would be. The first problem found rejects the whole request; an unknown key is one. PEM
// contents (tls.key, tls.cert, tls.cacert) become files in `files_dir`, named by their content.
std::variant<ConfigChange, ConfigChangeError> change_config(const boost::json::object& data,
                                                            const config::Config& current,
                                                            const std::string& files_dir = {});

}  // namespace nmq::http
