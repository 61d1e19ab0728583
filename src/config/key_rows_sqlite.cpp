// Rows of the key table for SQLite persistence (the sqlite section). NanoMQ's section holds
// `mounted_file_path` (where the database goes) and keys for its bridge message cache, which
// are reported as not supported; `file`, `durability` and `sync_interval` are ours.
#include "config/key_rows.hpp"

namespace nmq::config {

// Rows name only the fields they set; the others keep KeySpec's defaults on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<KeySpec> sqlite_key_rows() {
    using K = KeyType;
    using C = Config;
    return {
        {.path = "sqlite.enable",
         .type = K::kBool,
         .default_text = "false",
         .doc = "Persistence: on as soon as the sqlite section exists, unless false.",
         .set = field<&C::sqlite, &C::Sqlite::enable>()},
        {.path = "sqlite.mounted_file_path",
         .type = K::kString,
         .default_text = "\"/tmp/\"",
         .doc = "Folder of the database (created when missing).",
         .set = field<&C::sqlite, &C::Sqlite::mounted_file_path>()},
        {.path = "sqlite.file",
         .type = K::kString,
         .default_text = "\"nanomq.db\"",
         .doc = "File name of the database in mounted_file_path (nmq's key).",
         .set = field<&C::sqlite, &C::Sqlite::file>()},
        {.path = "sqlite.durability",
         .type = K::kEnum,
         .default_text = "sync",
         .doc = "sync: every acknowledged QoS 1/2 message is fsynced to disk before its "
                "PUBACK/PUBREC (survives a power cut; costs an fsync per batch). interval: "
                "each batch is committed at once without fsync (survives a broker crash) and the "
                "disk is synced every sync_interval (a power cut may lose the last interval) "
                "(nmq's key).",
         .choices = {"sync", "interval"},
         .set =
             [](Config& c, const KeyValue& v, std::string_view) {
                 c.sqlite.durability = std::get<std::string>(v) == "interval"
                                           ? Config::Sqlite::Durability::kInterval
                                           : Config::Sqlite::Durability::kSync;
             }},
        {.path = "sqlite.sync_interval",
         .type = K::kDuration,
         .default_text = "100ms",
         .doc = "Longest time between syncs to disk when durability = interval (nmq's key).",
         .min = 1,
         .max = 60 * kSecond,
         .set = field<&C::sqlite, &C::Sqlite::sync_interval>()},
    };
}
#pragma GCC diagnostic pop

std::vector<SectionSpec> sqlite_section_rows() {
    return {
        {"sqlite",
         "Persistence of sessions, subscriptions, QoS 1/2 messages and retained "
         "messages (on when present).",
         [](Config& c, std::string_view, const HoconValue&) { c.sqlite.enable = true; }},
    };
}

std::vector<UnsupportedSpec> sqlite_unsupported_rows() {
    return {
        {"sqlite.disk_cache_size", "NanoMQ's bridge message cache on disk"},
        {"sqlite.flush_mem_threshold", "NanoMQ's bridge message cache on disk"},
        {"sqlite.resend_interval", "NanoMQ's bridge message cache on disk"},
    };
}

}  // namespace nmq::config
