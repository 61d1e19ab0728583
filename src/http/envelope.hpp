#pragma once
// The request/response envelope of API V1 (spec "Envelope"): `{"req":R,"seq":S,...}` in,
// `{"code":C,"seq":S,"rep":R,...}` out, in exactly that key order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace nmq::http {

// What a request turned into: an HTTP status and a compact JSON body.
struct Reply {
    unsigned status = 200;
    std::string body;
};

// A request whose envelope is valid: `req` fits int64, `seq` is an int64 or uint64 value.
struct Envelope {
    boost::json::object body;
    std::int64_t req = 0;
    boost::json::value seq;  // kept as parsed so it is echoed exactly (never as a double)
};

// Parses and checks the envelope; an error Reply (400 with 109, 107 or 108) when it is invalid.
std::variant<Envelope, Reply> parse_envelope(std::string_view body);

// `in` with every byte that is not part of well-formed UTF-8 replaced by '?': what goes into a
// reply from elsewhere than parsed JSON (messages quoting input, files, the configuration).
std::string valid_utf8(std::string_view in);

// {"code":C,"seq":S,"rep":R,"message":M}; seq and rep only when given.
Reply error_reply(unsigned status, int code, std::string_view message,
                  const boost::json::value* seq = nullptr, std::optional<std::int64_t> rep = {});

// {"code":0,"seq":S,"rep":R} then "data" when there is any.
Reply success_reply(const boost::json::value& seq, std::int64_t rep,
                    std::optional<boost::json::value> data);

}  // namespace nmq::http
