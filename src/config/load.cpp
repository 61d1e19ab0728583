// Loading: defaults, then a walk over the HOCON tree that looks every path up in the key table.
// Known keys are converted and set; sections run their presence rule and are walked into;
// unsupported and unknown keys become warnings; then checks across keys run on the result.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "config/key_rows.hpp"
#include "config/key_table.hpp"

namespace nmq::config {
namespace {

std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> out;
    for (;;) {
        auto dot = path.find('.');
        out.push_back(path.substr(0, dot));
        if (dot == std::string_view::npos) return out;
        path.remove_prefix(dot + 1);
    }
}

std::string join(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& s : path) {
        if (!out.empty()) out += '.';
        out += s;
    }
    return out;
}

// Does `pattern` ("listeners.tcp.*.bind") match `path` exactly (prefix_only: does it start
// with `path`)? `name` receives what a '*' matched (several: joined by kNameSeparator).
bool matches(std::string_view pattern, const std::vector<std::string>& path, bool prefix_only,
             std::string* name) {
    auto segments = split(pattern);
    if (prefix_only ? segments.size() <= path.size() : segments.size() != path.size()) {
        return false;
    }
    std::string captured;
    bool any = false;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (segments[i] == "*") {
            if (any) captured += kNameSeparator;
            captured += path[i];
            any = true;
        } else if (segments[i] != path[i]) {
            return false;
        }
    }
    if (name != nullptr && any) *name = std::move(captured);
    return true;
}

const KeySpec* match_key(const std::vector<std::string>& path, std::string& name) {
    const KeySpec* wildcard = nullptr;
    for (const auto& spec : key_table()) {
        std::string captured;
        if (!matches(spec.path, path, false, &captured)) continue;
        if (spec.path.find('*') == std::string::npos) {
            name.clear();
            return &spec;  // an exact row beats a '*' row
        }
        if (wildcard == nullptr) {
            wildcard = &spec;
            name = captured;
        }
    }
    return wildcard;
}

const SectionSpec* match_section(const std::vector<std::string>& path, std::string& name) {
    for (const auto& spec : section_table()) {
        if (matches(spec.path, path, false, &name)) return &spec;
    }
    return nullptr;
}

const UnsupportedSpec* match_unsupported(const std::vector<std::string>& path) {
    for (const auto& spec : unsupported_table()) {
        if (matches(spec.path, path, false, nullptr)) return &spec;
    }
    return nullptr;
}

bool is_known_prefix(const std::vector<std::string>& path) {
    for (const auto& spec : key_table()) {
        if (matches(spec.path, path, true, nullptr)) return true;
    }
    for (const auto& spec : unsupported_table()) {
        if (matches(spec.path, path, true, nullptr)) return true;
    }
    return false;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// " (did you mean mqtt.max_packet_size?)" for a near miss, else "".
std::string suggestion(const std::string& path) {
    std::string best;
    std::size_t best_distance = 3;  // at most two typos
    auto consider = [&](const std::string& candidate) {
        if (candidate.find('*') != std::string::npos) return;
        std::size_t d = edit_distance(path, candidate);
        // A third of a short key is not a typo: "tls" is not "blf".
        if (d < best_distance && d * 3 <= path.size()) {
            best_distance = d;
            best = candidate;
        }
    };
    for (const auto& s : key_table())
        consider(s.path);
    for (const auto& s : section_table())
        consider(s.path);
    for (const auto& s : unsupported_table())
        consider(s.path);
    return best.empty() ? "" : " (did you mean " + best + "?)";
}

struct Walk {
    Config& config;
    std::vector<ConfigWarning>& warnings;
    std::vector<std::string> path;
    std::map<std::string, SourceLocation> set_where;  // dotted key -> where its value was
};

void warn(Walk& w, ConfigWarning::Kind kind, const SourceLocation& where, const std::string& key,
          const std::string& text) {
    std::string at = where.to_string();
    w.warnings.push_back({kind, at, key, at + ": " + key + ": " + text});
}

void require_object(const HoconValue& value, const std::string& path) {
    if (!value.is_object()) {
        throw ConfigError(value.location().to_string() + ": " + path +
                          ": expected an object, got " + value.describe());
    }
}

void walk(const HoconValue& object, Walk& w);

// The entries of a list section, each walked as the object named by its position.
void walk_list(const HoconValue& list, Walk& w) {
    for (std::size_t i = 0; i < list.items().size(); ++i) {
        const HoconValue& item = list.items()[i];
        w.path.push_back(std::to_string(i));
        std::string dotted = join(w.path);
        if (!item.is_object()) {
            throw ConfigError(item.location().to_string() + ": " + dotted +
                              ": expected an object, got " + item.describe());
        }
        w.set_where[dotted] = item.location();
        walk(item, w);
        w.path.pop_back();
    }
}

// An unsupported row naming this exact path ("bridges.mqtt.cache") wins over a section row
// with a '*' that also matches it ("bridges.mqtt.*").
const UnsupportedSpec* match_unsupported_exactly(const std::vector<std::string>& path) {
    for (const auto& spec : unsupported_table()) {
        if (spec.path.find('*') == std::string::npos && matches(spec.path, path, false, nullptr))
            return &spec;
    }
    return nullptr;
}

// One field at w.path + key, as walk() meets it.
void walk_field(const std::string& key, const SourceLocation& key_location, const HoconValue& value,
                Walk& w) {
    w.path.push_back(key);
    std::string dotted = join(w.path);
    std::string name;
    const UnsupportedSpec* unsupported = nullptr;
    if (const KeySpec* spec = match_key(w.path, name)) {
        spec->set(w.config, convert_value(*spec, value, dotted), name);
        w.set_where[dotted] = value.location();
    } else if ((unsupported = match_unsupported_exactly(w.path)) != nullptr) {
        warn(w, ConfigWarning::Kind::kNotSupported, key_location, dotted,
             "not supported yet (" + unsupported->doc + "), ignored");
    } else if (const SectionSpec* section = match_section(w.path, name)) {
        w.set_where[dotted] = value.location();
        if (section->list && value.is_array()) {
            section->on_present(w.config, name, value);
            walk_list(value, w);
        } else {
            require_object(value, dotted);
            section->on_present(w.config, name, value);
            if (!section->opaque) walk(value, w);
        }
    } else if ((unsupported = match_unsupported(w.path)) != nullptr) {
        warn(w, ConfigWarning::Kind::kNotSupported, key_location, dotted,
             "not supported yet (" + unsupported->doc + "), ignored");
    } else if (is_known_prefix(w.path)) {
        require_object(value, dotted);
        walk(value, w);
    } else {
        warn(w, ConfigWarning::Kind::kUnknownKey, key_location, dotted,
             "unknown key, ignored" + suggestion(dotted));
    }
    w.path.pop_back();
}

void walk(const HoconValue& object, Walk& w) {
    for (const auto& f : object.fields())
        walk_field(f.key, f.key_location, f.value, w);
}

std::string listener_path(const TcpListener& l) {
    return l.name.empty() ? "listeners.tcp" : "listeners.tcp." + l.name;
}

// Checks that need more than one key, after every key is set.
void finish(Walk& w, const HoconValue& root) {
    check_bridges(w.config, [&](const std::string& key) {
        // The key itself, else the nearest section around it, else the file.
        for (std::string k = key;;) {
            if (auto it = w.set_where.find(k); it != w.set_where.end())
                return it->second.to_string();
            auto dot = k.rfind('.');
            if (dot == std::string::npos) return root.location().file;
            k.resize(dot);
        }
    });
    auto& tcp = w.config.listeners.tcp;
    tcp.erase(std::remove_if(tcp.begin(), tcp.end(), [](const auto& l) { return !l.enable; }),
              tcp.end());
    for (std::size_t j = 0; j < tcp.size(); ++j) {
        for (std::size_t i = 0; i < j; ++i) {
            if (tcp[i].host != tcp[j].host || tcp[i].port != tcp[j].port || tcp[j].port == 0) {
                continue;
            }
            std::string key = listener_path(tcp[j]) + ".bind";
            auto where = w.set_where.find(key);
            std::string at =
                where != w.set_where.end() ? where->second.to_string() : root.location().file;
            throw ConfigError(at + ": " + key + ": " + tcp[j].host + ":" +
                              std::to_string(tcp[j].port) + " is already used by " +
                              listener_path(tcp[i]));
        }
    }
}

}  // namespace

void apply_hocon(const HoconValue& root, Config& config, std::vector<ConfigWarning>& warnings) {
    Walk w{config, warnings, {}, {}};
    walk(root, w);
    finish(w, root);
}

bool apply_list_at(std::string_view path, const HoconValue& list, Config& config,
                   std::vector<ConfigWarning>& warnings) {
    if (!list.is_array()) return false;
    Walk w{config, warnings, {}, {}};
    for (auto segment : split(path))
        w.path.emplace_back(segment);
    std::string name;
    const SectionSpec* section = match_section(w.path, name);
    if (section == nullptr || !section->list) return false;
    w.path.pop_back();
    walk_field(std::string(split(path).back()), list.location(), list, w);
    return true;
}

void check_across_keys(Config& config, const std::string& where) {
    check_bridges(config, [&](const std::string&) { return where; });
}

namespace {

// Applies the tree and hands over the warnings, each once (a missing include named twice, a
// section both included and written inline).
Config load_tree(const HoconValue& root, std::vector<ConfigWarning> found,
                 std::vector<ConfigWarning>& warnings) {
    Config config;
    apply_hocon(root, config, found);
    std::set<std::pair<ConfigWarning::Kind, std::string>> seen;
    for (auto& warning : found) {
        if (seen.insert({warning.kind, warning.key}).second) warnings.push_back(std::move(warning));
    }
    return config;
}

}  // namespace

Config load_hocon_text(std::string_view text, const std::string& file_name,
                       std::vector<ConfigWarning>& warnings, const HoconOptions& options) {
    std::vector<ConfigWarning> found;
    HoconOptions opts = options;
    opts.warnings = &found;
    HoconValue root = parse_hocon_text(text, file_name, opts);
    return load_tree(root, std::move(found), warnings);
}

Config load_hocon_file(const std::string& path, std::vector<ConfigWarning>& warnings) {
    std::vector<ConfigWarning> found;
    HoconOptions opts;
    opts.warnings = &found;
    HoconValue root = parse_hocon_file(path, opts);
    return load_tree(root, std::move(found), warnings);
}

Config load_hocon_file(const std::string& path) {
    std::vector<ConfigWarning> ignored;
    return load_hocon_file(path, ignored);
}

}  // namespace nmq::config
