#include "http/envelope.hpp"

#include <limits>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace nmq::http {
namespace json = boost::json;

namespace {

// Spec: "An integer is a JSON number written without fraction or exponent". Boost.JSON keeps
// such numbers as int64 or uint64 and everything else (1.0, 1e3, too large) as a double.
bool is_integer(const json::value& v) {
    return v.is_int64() || v.is_uint64();
}

}  // namespace

// A message may quote the request (a value cut short by the key table's messages, perhaps in
// the middle of a character): every byte that is not part of well-formed UTF-8 becomes '?', so
// the reply is always valid JSON.
std::string valid_utf8(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        const auto c = static_cast<unsigned char>(in[i]);
        std::size_t len = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xe  ? 3
                          : (c >> 3) == 0x1e ? 4
                                             : 0;
        bool ok = len != 0 && i + len <= in.size();
        for (std::size_t k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
        if (ok && len > 1) {
            // No overlong forms, surrogates or code points past U+10FFFF.
            const auto c1 = static_cast<unsigned char>(in[i + 1]);
            ok = !(len == 2 && c < 0xc2) && !(len == 3 && c == 0xe0 && c1 < 0xa0) &&
                 !(len == 3 && c == 0xed && c1 >= 0xa0) && !(len == 4 && c == 0xf0 && c1 < 0x90) &&
                 !(len == 4 && (c > 0xf4 || (c == 0xf4 && c1 >= 0x90)));
        }
        if (ok) {
            out.append(in.substr(i, len));
            i += len;
        } else {
            out += '?';
            ++i;
        }
    }
    return out;
}

Reply error_reply(unsigned status, int code, std::string_view message, const json::value* seq,
                  std::optional<std::int64_t> rep) {
    json::object o;
    o["code"] = code;
    if (seq) o["seq"] = *seq;
    if (rep) o["rep"] = *rep;
    o["message"] = valid_utf8(message);
    return {status, json::serialize(o)};
}

Reply success_reply(const json::value& seq, std::int64_t rep, std::optional<json::value> data) {
    json::object o;
    o["code"] = 0;
    o["seq"] = seq;
    o["rep"] = rep;
    if (data) o["data"] = std::move(*data);
    return {200, json::serialize(o)};
}

std::variant<Envelope, Reply> parse_envelope(std::string_view text) {
    json::error_code ec;
    json::value parsed = json::parse(text, ec);
    if (ec || !parsed.is_object()) return error_reply(400, 109, "the body must be a JSON object");

    Envelope env;
    env.body = std::move(parsed.as_object());
    const json::value* req = env.body.if_contains("req");
    const json::value* seq = env.body.if_contains("seq");
    const json::value* seq_echo = seq && is_integer(*seq) ? seq : nullptr;
    // `req` must fit int64 (spec); a larger integer is out of range, so it is not echoed.
    std::optional<std::int64_t> rep;
    if (req && req->is_int64()) rep = req->get_int64();

    if (!req || !seq)
        return error_reply(400, 107, !req ? "\"req\" is missing" : "\"seq\" is missing", seq_echo,
                           rep);
    if (!seq_echo) return error_reply(400, 108, "\"seq\" must be an integer", seq_echo, rep);
    if (!rep) {
        return error_reply(
            400, 108, req->is_uint64() ? "\"req\" is out of range" : "\"req\" must be an integer",
            seq_echo, rep);
    }
    env.req = *rep;
    env.seq = *seq;
    return env;
}

}  // namespace nmq::http
