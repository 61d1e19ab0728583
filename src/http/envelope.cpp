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

Reply error_reply(unsigned status, int code, std::string_view message, const json::value* seq,
                  std::optional<std::int64_t> rep) {
    json::object o;
    o["code"] = code;
    if (seq) o["seq"] = *seq;
    if (rep) o["rep"] = *rep;
    o["message"] = message;
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
