// The HTTP/1.1 server of the management API, shaped like Beast's async server example: a
// listener accepting into sessions, each a tcp_stream with a timeout on every read and write.
// Everything runs on one API thread, so the session bookkeeping below needs no locks.
#include "http/api_server.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "broker/broker.hpp"
#include "config/overrides.hpp"
#include "core/log.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
#include "http/jwt.hpp"
#include "http/routes.hpp"

namespace nmq::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Spec "Transport": a stalled client never holds up the others.
constexpr auto kIoTimeout = std::chrono::seconds(30);
constexpr std::string_view kApiPath = "/api/v1";
// Bounds on discarding an unread request body before closing (see Session::drain).
constexpr auto kDrainTimeout = std::chrono::seconds(5);
constexpr std::size_t kDrainLimit = 64 * 1024 * 1024;

// Requests processed at once (http_server.limit_conn); further ones wait in arrival order.
class RequestSlots {
  public:
    explicit RequestSlots(std::uint32_t limit) : limit_(limit ? limit : 1) {}
    void acquire(std::function<void()> go) {
        if (active_ < limit_) {
            ++active_;
            go();
        } else {
            waiting_.push_back(std::move(go));
        }
    }
    void release() {
        if (!waiting_.empty()) {
            auto next = std::move(waiting_.front());
            waiting_.pop_front();
            next();  // the slot passes straight to the next waiter
        } else {
            --active_;
        }
    }

  private:
    std::uint32_t limit_;
    std::uint32_t active_ = 0;
    std::deque<std::function<void()>> waiting_;
};

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ", ") + i;
    return out;
}

// THREADING WARNING: touched only on the API thread (reconfigure() posts there).
struct Shared {
    // The configuration as it stands: start-up, then reloads and req 12 changes. Credentials,
    // auth type and max_body are read from it per request; req 11 shows it.
    config::Config config;
    // The listener's settings at start-up (what a change of them waits for: a restart).
    const config::Config::HttpServer started;
    broker::Broker& broker;
    ApiControl control;
    std::shared_ptr<const JwtVerifier> jwt;  // when auth_type is jwt
    // Shared with snapshot callbacks still queued on broker workers, which may outlive the
    // ApiServer at shut-down: the sessions they hold need their io_context alive.
    std::shared_ptr<asio::io_context> ioc;
    RequestSlots slots;
    std::shared_ptr<spdlog::logger> log;

    // req 12: where PEM contents given for TLS are kept, beside the overrides file.
    std::string files_dir() const {
        return control.overrides_file.empty() ? std::string() : control.overrides_file + ".d";
    }

    // Removes the PEM files req 12 stored (files_dir(), named <field>-<hash>.pem) that the
    // configuration no longer names: contents replaced since. Runs on the API thread, where
    // every change writes its files and adopts the configuration naming them in one step.
    void remove_stale_files() const {
        const std::string dir = files_dir();
        if (dir.empty()) return;
        std::vector<std::string> named;
        auto add = [&](const config::TlsOptions& t) {
            named.insert(named.end(), {t.keyfile, t.certfile, t.cacertfile});
        };
        for (const auto& l : config.listeners.ssl)
            add(l.tls);
        for (const auto& l : config.listeners.wss)
            add(l.tls);
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            const auto path = entry.path();
            if (path.extension() != ".pem" || !entry.is_regular_file(ec)) continue;
            if (std::find(named.begin(), named.end(), path.string()) != named.end()) continue;
            std::error_code removed;
            if (std::filesystem::remove(path, removed))
                log->info("req 12: {} is no longer used; removed", path.string());
        }
    }

    // Takes a new configuration; `source` says where it came from, for the log.
    void adopt(const config::Config& fresh, std::string_view source) {
        const auto& now = config.http_server;
        const auto& hs = fresh.http_server;
        const bool auth_changed = hs.username != now.username || hs.password != now.password ||
                                  hs.auth_type != now.auth_type ||
                                  hs.jwt_public_keyfile != now.jwt_public_keyfile;
        std::shared_ptr<const JwtVerifier> verifier = jwt;
        if (auth_changed || hs.auth_type == config::HttpAuthType::kJwt) {
            try {
                verifier = load_auth(hs);  // a key file may have been replaced: read it again
            } catch (const std::exception& e) {
                // Checked before a reload gets here; should the key go bad in between, keep
                // the authentication that works rather than lock everyone out.
                log->error("http_server: {}: {}; the API keeps its current authentication", source,
                           e.what());
                auto keep = config.http_server;
                config = fresh;
                config.http_server = keep;
                return;
            }
        }
        config = fresh;
        jwt = std::move(verifier);
        if (auth_changed)
            log->info("http_server: {}: credentials and authentication ({}) applied", source,
                      hs.auth_type == config::HttpAuthType::kJwt ? "jwt" : "basic");
        if (hs.enable != started.enable || hs.ip_addr != started.ip_addr ||
            hs.port != started.port || hs.limit_conn != started.limit_conn)
            log->warn(
                "http_server: {}: enable, address, port and limit_conn take effect at the "
                "next restart",
                source);
    }
};

// Keeps a session and its io_context alive while work for it runs on a broker worker
// (members are destroyed in reverse: the session before its io_context).
template <class S>
struct Lifeline {
    std::shared_ptr<asio::io_context> ioc;
    std::shared_ptr<S> self;
};

// How a response goes out (Session::send).
struct SendOptions {
    // The request's body was never read, so the connection cannot carry another request
    // and is closed after this response.
    bool body_unread = false;
    bool www_authenticate = false;  // 401 (spec: `WWW-Authenticate: Basic realm="nanomq"`)
    bool allow = false;             // 405 (spec: `Allow: GET, POST`)
};

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {}

    void run() {
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&Session::read_header, shared_from_this()));
    }

  private:
    void read_header() {
        header_parser_.emplace();
        // Authentication comes before any body limit (spec: 401 whatever the size), so the
        // header parser takes any Content-Length and max_body is checked after it.
        header_parser_->body_limit(boost::none);
        stream_.expires_after(kIoTimeout);
        bhttp::async_read_header(
            stream_, buffer_, *header_parser_,
            beast::bind_front_handler(&Session::on_header, shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        if (ec) return close(ec);
        const auto& req = header_parser_->get();
        keep_alive_ = req.keep_alive();
        // Spec: every request is authenticated first, before the body is read or the path routed.
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        if (auto fail = authenticate(shared_.config.http_server, shared_.jwt.get(),
                                     req[bhttp::field::authorization], now)) {
            // A request without a body leaves the connection usable for the next one.
            return send(error_reply(401, fail->code, fail->message),
                        {.body_unread = !header_parser_->is_done(), .www_authenticate = true});
        }
        const auto max_body = shared_.config.http_server.max_body;
        if (auto len = header_parser_->content_length(); len && *len > max_body)
            return send(error_reply(413, 108, "the request body is too large"),
                        {.body_unread = true});

        body_parser_.emplace(std::move(*header_parser_));
        header_parser_.reset();
        body_parser_->body_limit(max_body);  // also bounds chunked bodies
        stream_.expires_after(kIoTimeout);
        bhttp::async_read(stream_, buffer_, *body_parser_,
                          beast::bind_front_handler(&Session::on_body, shared_from_this()));
    }

    void on_body(beast::error_code ec, std::size_t) {
        if (ec == bhttp::error::body_limit)
            return send(error_reply(413, 108, "the request body is too large"),
                        {.body_unread = true});
        if (ec) return close(ec);
        shared_.slots.acquire([self = shared_from_this()] { self->process(); });
    }

    void process() {
        holds_slot_ = true;
        const auto& req = body_parser_->get();
        std::string_view target = req.target();
        if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
        if (target != kApiPath && target != std::string(kApiPath) + "/")
            return send(error_reply(404, 102, "no such endpoint: the API is at /api/v1"));
        if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::post)
            return send(error_reply(405, 102, "method not allowed: use GET or POST"),
                        {.allow = true});

        auto parsed = parse_envelope(req.body());
        if (auto* reply = std::get_if<Reply>(&parsed)) return send(std::move(*reply));
        envelope_ = std::move(std::get<Envelope>(parsed));
        const Route* route = find_route(envelope_.req);
        if (!route) {
            return send(
                error_reply(404, 108, "unknown request code", &envelope_.seq, envelope_.req));
        }
        if (!route->needs_snapshot) return answer(*route, nullptr);
        // The snapshot completes on a worker thread: come back to the API thread to answer.
        Lifeline<Session> life{shared_.ioc, shared_from_this()};
        shared_.broker.snapshot([life = std::move(life), route](broker::BrokerSnapshot snap) {
            auto executor = life.self->stream_.get_executor();
            asio::post(executor, [self = life.self, route, snap = std::move(snap)] {
                self->answer(*route, &snap);
            });
        });
    }

    void answer(const Route& route, const broker::BrokerSnapshot* snap) {
        Outcome out;
        try {
            out = route.handler({envelope_.body, shared_.config, snap, shared_.files_dir()});
        } catch (const std::exception& e) {
            shared_.log->error("http: req {} failed: {}", envelope_.req, e.what());
            return send(error_reply(500, 102, "internal error", &envelope_.seq, envelope_.req));
        }
        if (out.code == 0 && out.change) return commit(std::move(*out.change));
        if (out.code == 0 && out.after != AfterReply::kNothing) {
            const auto& c = shared_.control;
            if (!(out.after == AfterReply::kStop ? c.stop : c.restart))
                return send(error_reply(500, 102,
                                        "this broker cannot be controlled through the API",
                                        &envelope_.seq, envelope_.req));
            after_ = out.after;
        }
        send(reply_for(envelope_, out));
    }

    // req 12: persist (before the reply: a crash right after it keeps the change), take the new
    // configuration here, then have the broker apply it and reply once every worker has it.
    void commit(ConfigChange change) {
        const Reply ok = success_reply(envelope_.seq, envelope_.req, std::nullopt);
        if (change.empty()) return send(ok);
        const auto& path = shared_.control.overrides_file;
        if (path.empty() || !shared_.control.apply) {
            return send(error_reply(500, 102,
                                    "changes cannot be kept: start the broker with --conf, or set "
                                    "http_server.overrides_file",
                                    &envelope_.seq, envelope_.req));
        }
        try {
            // The files first: the overrides that name them must never point at nothing.
            for (const auto& f : change.files)
                config::write_file_atomically(f.path, f.contents, f.secret ? 0600 : 0644);
            config::write_overrides(path, change.overrides);
        } catch (const std::exception& e) {
            shared_.log->error("req 12: {}", e.what());
            return send(error_reply(500, 102, "the change could not be saved; nothing was changed",
                                    &envelope_.seq, envelope_.req));
        }
        if (!change.live.empty())
            shared_.log->info("req 12: applied now: {} (kept in {})", join(change.live), path);
        if (!change.at_restart.empty())
            shared_.log->warn("req 12: kept in {}, take effect at the next restart: {}", path,
                              join(change.at_restart));
        shared_.adopt(change.next, "req 12");
        Lifeline<Session> life{shared_.ioc, shared_from_this()};
        shared_.control.apply(change.next, [life = std::move(life), ok] {
            auto executor = life.self->stream_.get_executor();
            asio::post(executor, [self = life.self, ok] {
                self->shared_.remove_stale_files();  // the listeners have read the new ones
                self->send(ok);
            });
        });
    }

    void send(Reply reply, SendOptions opts = {}) {
        res_ = {};
        res_.result(reply.status);
        res_.version(11);
        res_.set(bhttp::field::content_type, "application/json");
        if (opts.www_authenticate) {
            res_.set(bhttp::field::www_authenticate,
                     shared_.config.http_server.auth_type == config::HttpAuthType::kJwt
                         ? "Bearer realm=\"nanomq\""
                         : "Basic realm=\"nanomq\"");
        }
        if (opts.allow) res_.set(bhttp::field::allow, "GET, POST");
        res_.body() = std::move(reply.body);
        if (opts.body_unread) {
            keep_alive_ = false;
            body_unread_ = true;
        }
        res_.keep_alive(keep_alive_);
        res_.prepare_payload();
        stream_.expires_after(kIoTimeout);
        bhttp::async_write(stream_, res_,
                           beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (holds_slot_) {
            holds_slot_ = false;
            shared_.slots.release();
        }
        body_parser_.reset();
        // req 10: the reply is out; now stop or restart.
        if (auto after = std::exchange(after_, AfterReply::kNothing);
            after != AfterReply::kNothing) {
            shared_.log->warn("req 10: {} requested through the API",
                              after == AfterReply::kStop ? "stop" : "restart");
            (after == AfterReply::kStop ? shared_.control.stop : shared_.control.restart)();
        }
        if (ec) return close(ec);
        if (body_unread_) return drain();
        if (!keep_alive_) return close({});
        read_header();
    }

    // After answering a request whose body was not read (401, 413): stop sending, then read and
    // discard what the client still sends, so closing does not reset the connection before the
    // client has read the response (a close with unread data sends RST).
    void drain() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        drain_buffer_.resize(16 * 1024);
        stream_.expires_after(kDrainTimeout);
        drain_some();
    }

    void drain_some() {
        stream_.async_read_some(asio::buffer(drain_buffer_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->drained_ += n;
                                    if (ec || self->drained_ > kDrainLimit) return self->close({});
                                    self->drain_some();
                                });
    }

    void close(beast::error_code ec) {
        // A client closing or a timeout is the normal end of a connection.
        if (ec && ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted &&
            ec != beast::error::timeout && ec != asio::error::eof)
            shared_.log->debug("http: connection closed: {}", ec.message());
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }

    beast::tcp_stream stream_;
    Shared& shared_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
    std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
    bhttp::response<bhttp::string_body> res_;
    Envelope envelope_;
    bool keep_alive_ = true;
    bool holds_slot_ = false;
    bool body_unread_ = false;
    AfterReply after_ = AfterReply::kNothing;
    std::vector<char> drain_buffer_;
    std::size_t drained_ = 0;
};

}  // namespace

struct ApiServer::Impl {
    Impl(const config::Config& config, broker::Broker& broker, ApiControl control)
        : shared{config,
                 config.http_server,
                 broker,
                 std::move(control),
                 load_auth(config.http_server),
                 std::make_shared<asio::io_context>(1),
                 RequestSlots(config.http_server.limit_conn),
                 log::get("http")},
          ioc(*shared.ioc),
          acceptor(ioc) {
        const auto& hs = config.http_server;
        beast::error_code ec;
        auto address = asio::ip::make_address(hs.ip_addr, ec);
        if (ec) throw std::runtime_error("http_server.ip_addr: bad address " + hs.ip_addr);
        tcp::endpoint ep(address, hs.port);
        acceptor.open(ep.protocol(), ec);
        if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor.bind(ep, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            throw std::runtime_error("http_server: cannot listen on " + hs.ip_addr + ":" +
                                     std::to_string(hs.port) + ": " + ec.message());
        }
    }

    void accept() {
        acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) std::make_shared<Session>(std::move(s), shared)->run();
            accept();
        });
    }

    Shared shared;
    asio::io_context& ioc;
    tcp::acceptor acceptor;
    std::thread thread;
};

ApiServer::ApiServer(const config::Config& config, broker::Broker& broker, ApiControl control)
    : impl_(std::make_unique<Impl>(config, broker, std::move(control))) {}

ApiServer::~ApiServer() {
    stop();
}

void ApiServer::start() {
    const auto& hs = impl_->shared.config.http_server;
    if (impl_->shared.jwt) {
        impl_->shared.log->info("http_server: JWT authentication, {} tokens with iss \"{}\"",
                                impl_->shared.jwt->algorithm(), impl_->shared.jwt->issuer());
    }
    impl_->shared.log->info("http_server: API V1 on {}:{}", hs.ip_addr, port());
    impl_->accept();
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void ApiServer::stop() {
    if (!impl_->thread.joinable()) return;
    impl_->ioc.stop();
    impl_->thread.join();
}

std::uint16_t ApiServer::port() const {
    beast::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

void ApiServer::reconfigure(const config::Config& config) {
    asio::post(impl_->ioc, [impl = impl_.get(), config] { impl->shared.adopt(config, "reload"); });
}

}  // namespace nmq::http
