// libFuzzer harness for the HTTP API's request handling, everything but the sockets: the input's
// first line is the Authorization header, checked in Basic and in JWT mode; the rest is the
// request body, taken through the envelope, the route table and the handler as the server does
// (a fixed broker snapshot for the rows that need one). Invariants: every reply is one compact
// JSON object with a V1 code and a status the spec allows; a req 12 change, once persisted as
// overrides text and applied again, rebuilds exactly the configuration it produced, and req 11's
// view of that configuration sent back changes nothing.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/overrides.hpp"
#include "http/auth.hpp"
#include "http/config_api.hpp"
#include "http/envelope.hpp"
#include "http/jwt.hpp"
#include "http/routes.hpp"

namespace {

using namespace nmq;
namespace json = boost::json;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "fuzz_http: %s %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

struct Fixture {
    config::Config config;
    config::Config::HttpServer jwt_settings;
    std::shared_ptr<const http::JwtVerifier> jwt;
    broker::BrokerSnapshot snapshot;
};

Fixture* fixture = nullptr;

std::string make_public_key_file() {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    const std::string path = "/tmp/nmq-fuzz-http-" + std::to_string(::getpid()) + ".pub";
    FILE* f = std::fopen(path.c_str(), "w");
    if (key == nullptr || f == nullptr) fail("cannot make the JWT key");
    PEM_write_PUBKEY(f, key);
    std::fclose(f);
    EVP_PKEY_free(key);
    return path;
}

void check_reply(const http::Reply& reply) {
    if (reply.status != 200 && reply.status != 400 && reply.status != 404 && reply.status != 500)
        fail("status", std::to_string(reply.status));
    json::error_code ec;
    auto v = json::parse(reply.body, ec);
    if (ec || !v.is_object()) fail("reply is not a JSON object", reply.body);
    if (json::serialize(v) != reply.body) fail("reply is not compact JSON", reply.body);
    const auto* code = v.as_object().if_contains("code");
    if (code == nullptr || !code->is_int64()) fail("reply without code", reply.body);
    if ((reply.status == 200) != (code->get_int64() == 0)) fail("status and code disagree");
}

void check_change(const http::ConfigChange& change, const config::Config& current) {
    config::Config rebuilt = current;
    std::vector<config::ConfigWarning> warnings;
    try {
        config::apply_overrides_text(rebuilt, config::format_overrides(change.overrides),
                                     "overrides", warnings);
    } catch (const std::exception& e) {
        fail("persisted overrides do not load:", e.what());
    }
    if (!warnings.empty()) fail("persisted overrides warn:", warnings.front().message);
    if (!(rebuilt == change.next)) fail("persisted overrides rebuild another configuration");
    auto again = http::change_config(http::config_view(change.next), change.next);
    if (auto* c = std::get_if<http::ConfigChange>(&again); !c || !c->empty())
        fail("req 11's view of the new configuration is not a no-op");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture = new Fixture;
    fixture->config.http_server.enable = true;
    fixture->config.listeners.tcp.push_back({"second", "127.0.0.1", 1884, true});
    const std::string key = make_public_key_file();
    fixture->jwt_settings.auth_type = config::HttpAuthType::kJwt;
    fixture->jwt_settings.jwt_public_keyfile = key;
    fixture->jwt = http::load_auth(fixture->jwt_settings);
    std::remove(key.c_str());
    auto& snap = fixture->snapshot;
    snap.clients.push_back({"a", "u", 60, 4, true, 3, {{"x/#", 1}}});
    snap.clients.push_back({"b", "", 30, 5, false, 0, {}});
    snap.topic_tree = {{{"", 1, {}}}, {{"x", 1, {}}}, {{"#", 0, {"a"}}}};
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nl = input.find('\n');
    const std::string_view header = input.substr(0, nl);
    const std::string_view body = nl == std::string_view::npos ? "" : input.substr(nl + 1);
    constexpr std::int64_t now = 1'700'000'000;

    for (auto result :
         {http::authenticate(fixture->config.http_server, nullptr, header, now),
          http::authenticate(fixture->jwt_settings, fixture->jwt.get(), header, now)}) {
        if (result && result->code != 103 && result->code != 104 && result->code != 116)
            fail("authentication code");
    }

    auto parsed = http::parse_envelope(body);
    if (auto* reply = std::get_if<http::Reply>(&parsed)) {
        check_reply(*reply);
        return 0;
    }
    const auto& env = std::get<http::Envelope>(parsed);
    const http::Route* route = http::find_route(env.req);
    if (route == nullptr) {
        check_reply(http::error_reply(404, 108, "unknown request code", &env.seq, env.req));
        return 0;
    }
    http::Outcome out = route->handler(
        {env.body, fixture->config, route->needs_snapshot ? &fixture->snapshot : nullptr});
    check_reply(http::reply_for(env, out));
    if (out.change) check_change(*out.change, fixture->config);
    return 0;
}
