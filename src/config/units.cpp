#include "config/units.hpp"

#include <array>
#include <charconv>
#include <limits>

#include "core/text.hpp"

namespace nmq::config {
namespace {

using text::lower;
using text::trim;

// "12" or "12.345" at the front of `s`: the whole part, the fraction as numerator/denominator,
// and the rest of the text (the unit).
struct Decimal {
    std::uint64_t whole = 0;
    std::uint64_t numerator = 0;
    std::uint64_t denominator = 1;
    std::string_view rest;
};

std::optional<Decimal> parse_decimal(std::string_view s) {
    Decimal d;
    const char* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, d.whole);
    if (ec != std::errc{} || p == s.data()) return std::nullopt;
    if (p != end && *p == '.') {
        ++p;
        const char* digits = p;
        while (p != end && *p >= '0' && *p <= '9') {
            // Past 18 digits the fraction no longer matters for bytes or milliseconds.
            if (p - digits < 18) {
                d.numerator = d.numerator * 10 + static_cast<std::uint64_t>(*p - '0');
                d.denominator *= 10;
            }
            ++p;
        }
        if (p == digits) return std::nullopt;
    }
    d.rest = trim(std::string_view(p, static_cast<std::size_t>(end - p)));
    return d;
}

// whole * scale + numerator * scale / denominator, or nullopt past `limit`.
std::optional<std::uint64_t> scale(const Decimal& d, std::uint64_t factor, std::uint64_t limit) {
    if (d.whole > limit / factor) return std::nullopt;
    std::uint64_t value = d.whole * factor;
    // numerator < denominator <= 10^18 and factor <= 2^37: split to avoid overflow.
    unsigned __int128 frac = static_cast<unsigned __int128>(d.numerator) * factor / d.denominator;
    if (frac > limit - value) return std::nullopt;
    return value + static_cast<std::uint64_t>(frac);
}

struct Unit {
    std::string_view name;
    std::uint64_t factor;
};

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
    static constexpr std::uint64_t kK = 1024;
    static constexpr std::array<Unit, 11> kUnits{{{"", 1},
                                                  {"b", 1},
                                                  {"k", kK},
                                                  {"kb", kK},
                                                  {"kib", kK},
                                                  {"m", kK * kK},
                                                  {"mb", kK * kK},
                                                  {"mib", kK * kK},
                                                  {"g", kK * kK * kK},
                                                  {"gb", kK * kK * kK},
                                                  {"gib", kK * kK * kK}}};
    auto d = parse_decimal(trim(text));
    if (!d) return std::nullopt;
    std::string unit = lower(d->rest);
    for (const auto& u : kUnits) {
        if (u.name == unit) return scale(*d, u.factor, std::numeric_limits<std::uint64_t>::max());
    }
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    static constexpr std::uint64_t kS = 1000;
    static constexpr std::array<Unit, 20> kUnits{{{"", kS},
                                                  {"ms", 1},
                                                  {"millisecond", 1},
                                                  {"milliseconds", 1},
                                                  {"s", kS},
                                                  {"sec", kS},
                                                  {"second", kS},
                                                  {"seconds", kS},
                                                  {"m", 60 * kS},
                                                  {"min", 60 * kS},
                                                  {"minute", 60 * kS},
                                                  {"minutes", 60 * kS},
                                                  {"h", 3600 * kS},
                                                  {"hour", 3600 * kS},
                                                  {"hours", 3600 * kS},
                                                  {"d", 86400 * kS},
                                                  {"day", 86400 * kS},
                                                  {"days", 86400 * kS},
                                                  {"hr", 3600 * kS},
                                                  {"hrs", 3600 * kS}}};
    auto d = parse_decimal(trim(text));
    if (!d) return std::nullopt;
    std::string unit = lower(d->rest);
    for (const auto& u : kUnits) {
        if (u.name != unit) continue;
        auto ms = scale(*d, u.factor,
                        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
        if (!ms) return std::nullopt;
        return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
    }
    return std::nullopt;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
    HostPort out;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return std::nullopt;
        out.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
        for (char c : out.host) {
            // hex digits, ':' and '.', and after '%' a zone (interface) name
            bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == ':' || c == '.' || c == '%' || c == '_' || c == '-';
            if (!ok) return std::nullopt;
        }
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        out.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
        for (char c : out.host) {
            bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '.' || c == '-' || c == '_';
            if (!ok) return std::nullopt;
        }
    }
    if (out.host.empty() || port.empty()) return std::nullopt;
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || p != port.data() + port.size() || value > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
    return out;
}

std::string format_size(std::uint64_t bytes) {
    static constexpr std::array<Unit, 3> kUnits{
        {{"GB", 1024ull * 1024 * 1024}, {"MB", 1024ull * 1024}, {"KB", 1024}}};
    for (const auto& u : kUnits) {
        if (bytes != 0 && bytes % u.factor == 0) {
            return std::to_string(bytes / u.factor) + std::string(u.name);
        }
    }
    return std::to_string(bytes) + "B";
}

std::string format_duration(std::chrono::milliseconds duration) {
    static constexpr std::array<Unit, 4> kUnits{
        {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}}};
    auto ms = duration.count();
    if (ms > 0) {
        for (const auto& u : kUnits) {
            auto f = static_cast<std::int64_t>(u.factor);
            if (ms % f == 0) return std::to_string(ms / f) + std::string(u.name);
        }
    }
    return std::to_string(ms) + "ms";
}

}  // namespace nmq::config
