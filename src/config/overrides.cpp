// The overrides file of API changes (see overrides.hpp). It is HOCON, so the reader and its
// error messages are nanomq.conf's, but it is applied key by key, never as sections: a key of a
// listener changes that listener and leaves the others as the configuration file made them.
#include "config/overrides.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/hocon.hpp"
#include "config/key_table.hpp"

namespace nmq::config {
namespace {

namespace fs = std::filesystem;

// The key naming the file itself: never taken from the file (it could only point elsewhere).
constexpr std::string_view kSelfKey = "http_server.overrides_file";

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    for (;;) {
        auto dot = path.find('.');
        out.push_back(path.substr(0, dot));
        if (dot == std::string_view::npos) return out;
        path.remove_prefix(dot + 1);
    }
}

bool plain_segment(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// A dotted key path as HOCON writes it: segments that are not plain words are quoted.
std::string hocon_key(std::string_view path) {
    std::string out;
    for (auto segment : split_path(path)) {
        if (!out.empty()) out += '.';
        out += plain_segment(segment) ? std::string(segment) : hocon_quote(segment);
    }
    return out;
}

std::string hocon_text(const HoconValue& v) {
    switch (v.kind()) {
        case HoconKind::kString:
            return hocon_quote(v.text());
        case HoconKind::kArray: {
            std::string out = "[";
            for (const auto& item : v.items()) {
                if (out.size() > 1) out += ", ";
                out += hocon_text(item);
            }
            return out + "]";
        }
        case HoconKind::kObject: {  // an entry of a list section
            std::string out = "{";
            for (const auto& f : v.fields()) {
                if (out.size() > 1) out += ", ";
                out += hocon_key(f.key) + " = " + hocon_text(f.value);
            }
            return out + "}";
        }
        default:
            return v.text();  // numbers as written, true/false, null
    }
}

struct Leaf {
    std::string path;
    const HoconValue* value;
};

void leaves(const HoconValue& object, const std::string& prefix, std::vector<Leaf>& out) {
    for (const auto& f : object.fields()) {
        std::string path = prefix.empty() ? f.key : prefix + "." + f.key;
        if (f.value.is_object() && find_key(path) == nullptr) {
            leaves(f.value, path, out);
        } else {
            out.push_back({std::move(path), &f.value});
        }
    }
}

[[noreturn]] void fail_io(const std::string& what, const std::string& path) {
    throw std::runtime_error("cannot write " + path + ": " + what + ": " + std::strerror(errno));
}

void write_all(int fd, const std::string& text, const std::string& path) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail_io("write", path);
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

std::string row_name(const KeySpec& row, std::string_view path) {
    auto p = split_path(row.path);
    auto s = split_path(path);
    std::string name;
    bool first = true;
    for (std::size_t i = 0; i < p.size() && i < s.size(); ++i) {
        if (p[i] != "*") continue;
        if (!first) name += kNameSeparator;
        name += s[i];
        first = false;
    }
    return name;
}

std::string hocon_quote(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (u < 0x20 || u == 0x7f) {
                    out += "\\u00";
                    out += kHex[u >> 4];
                    out += kHex[u & 0xf];
                } else {
                    out += c;
                }
        }
    }
    return out + '"';
}

std::string overrides_path(const Config& config, const std::string& conf_file) {
    if (!config.http_server.overrides_file.empty()) return config.http_server.overrides_file;
    if (conf_file.empty()) return {};
    return conf_file + ".api-overrides.conf";
}

std::vector<Override> read_overrides(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return {};
    HoconValue root = parse_hocon_file(path);
    std::vector<Leaf> found;
    leaves(root, "", found);
    std::vector<Override> out;
    for (const auto& leaf : found)
        out.push_back({leaf.path, hocon_text(*leaf.value)});
    return out;
}

namespace {

void apply_tree(Config& config, const HoconValue& root, std::vector<ConfigWarning>& warnings) {
    std::vector<Leaf> found;
    leaves(root, "", found);
    for (const auto& leaf : found) {
        const KeySpec* spec = find_key(leaf.path);
        // A whole list (a bridge's forwards or subscriptions) replaces the file's list.
        if (spec == nullptr && apply_list_at(leaf.path, *leaf.value, config, warnings)) continue;
        if (spec == nullptr || leaf.path == kSelfKey) {
            std::string where = leaf.value->location().to_string();
            warnings.push_back(
                {ConfigWarning::Kind::kUnknownKey, where, leaf.path,
                 where + ": " + leaf.path + ": not a key the API can change, ignored"});
            continue;
        }
        spec->set(config, convert_value(*spec, *leaf.value, leaf.path), row_name(*spec, leaf.path));
    }
    check_across_keys(config, root.location().file);
}

}  // namespace

void apply_overrides_file(Config& config, const std::string& path,
                          std::vector<ConfigWarning>& warnings) {
    std::error_code ec;
    if (path.empty() || !fs::exists(path, ec)) return;
    apply_tree(config, parse_hocon_file(path), warnings);
}

void apply_overrides_text(Config& config, std::string_view text, const std::string& name,
                          std::vector<ConfigWarning>& warnings) {
    apply_tree(config, parse_hocon_text(text, name), warnings);
}

std::string format_overrides(const std::vector<Override>& overrides) {
    std::string text =
        "# Configuration changes made through nanomq's HTTP API (req 12), written by the broker.\n"
        "# Applied after the configuration file, the environment and the command line, at every\n"
        "# start and reload. Delete this file to undo them.\n";
    for (const auto& o : overrides)
        text += hocon_key(o.path) + " = " + o.value + "\n";
    return text;
}

void write_overrides(const std::string& path, const std::vector<Override>& changes) {
    std::vector<Override> all;
    try {
        all = read_overrides(path);
    } catch (const ConfigError& e) {
        // Never replace a file we cannot read back: its changes would be lost silently.
        throw std::runtime_error(std::string("cannot update the overrides file: ") + e.what());
    }
    for (const auto& change : changes) {
        bool replaced = false;
        for (auto& existing : all) {
            if (existing.path == change.path) {
                existing.value = change.value;
                replaced = true;
            }
        }
        if (!replaced) all.push_back(change);
    }

    // 0600: the file may hold passwords.
    write_file_atomically(path, format_overrides(all), 0600);
}

void write_file_atomically(const std::string& path, const std::string& contents, unsigned mode) {
    const fs::path target(path);
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::exists(folder, ec)) {
        fs::create_directories(folder, ec);
        if (ec) throw std::runtime_error("cannot write " + path + ": " + ec.message());
        fs::permissions(folder, fs::perms::owner_all, ec);
    }
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail_io("open " + tmp, path);
    try {
        write_all(fd, contents, tmp);
        if (::fchmod(fd, mode) != 0) fail_io("chmod", tmp);  // whatever the umask
        if (::fsync(fd) != 0) fail_io("fsync", tmp);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        ::unlink(tmp.c_str());
        fail_io("close", tmp);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        fail_io("rename", path);
    }
    // The rename itself is durable only once the folder is.
    int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

}  // namespace nmq::config
