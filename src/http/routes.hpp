#pragma once
// The API's route table: one row per request code, one handler function per request (DESIGN.md:
// "The HTTP API is a route table with one handler per request").
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "broker/snapshot.hpp"
#include "config/config.hpp"
#include "http/config_api.hpp"

namespace nmq::http {

// What a handler sees: the request body, the configuration as it stands (start-up, then every
// reload and req 12) and, for rows that ask for it, a broker snapshot taken for this request.
struct HandlerInput {
    const boost::json::object& body;
    const config::Config& config;
    const broker::BrokerSnapshot* snapshot = nullptr;
    // req 12: where PEM contents given for TLS become files ("" : nowhere).
    std::string_view files_dir = {};
};

// req 10: what the server does once the reply has been written.
enum class AfterReply { kNothing, kStop, kRestart };

// A handler's answer: code 0 with optional data, or an error (HTTP status, code, message).
// Handlers are pure; effects are described here and carried out by the server.
struct Outcome {
    unsigned status = 200;
    int code = 0;
    std::string message;
    std::optional<boost::json::value> data;
    // req 12: a validated change the server persists and applies before it replies.
    std::optional<ConfigChange> change;
    AfterReply after = AfterReply::kNothing;
};

using Handler = Outcome (*)(const HandlerInput&);

struct Route {
    std::int64_t code;
    bool needs_snapshot;  // the server gathers a BrokerSnapshot before calling the handler
    Handler handler;
    std::string_view description;
};

std::span<const Route> routes();
// The row serving `code`, or nullptr (spec: 404 with code 108).
const Route* find_route(std::int64_t code);

struct Envelope;
struct Reply;
// The reply to `env` for a handler's outcome: success with its data, or the error envelope.
Reply reply_for(const Envelope& env, const Outcome& out);

}  // namespace nmq::http
