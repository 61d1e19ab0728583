// The HTTP/1.1 server of the management API, shaped like Beast's async server example: a
// listener accepting into sessions, each a tcp_stream with a timeout on every read and write.
// Everything runs on one API thread, so the session bookkeeping below needs no locks.
#include "http/api_server.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "broker/broker.hpp"
#include "core/log.hpp"
#include "http/auth.hpp"
#include "http/envelope.hpp"
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

struct Shared {
    const config::Config& config;
    broker::Broker& broker;
    // Shared with snapshot callbacks still queued on broker workers, which may outlive the
    // ApiServer at shut-down: the sessions they hold need their io_context alive.
    std::shared_ptr<asio::io_context> ioc;
    RequestSlots slots;
    std::shared_ptr<spdlog::logger> log;
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
        if (auto fail =
                authenticate(shared_.config.http_server, req[bhttp::field::authorization])) {
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
        struct Lifeline {  // members destroyed in reverse: the session before its io_context
            std::shared_ptr<asio::io_context> ioc;
            std::shared_ptr<Session> self;
        };
        Lifeline life{shared_.ioc, shared_from_this()};
        shared_.broker.snapshot([life = std::move(life), route](broker::BrokerSnapshot snap) {
            auto executor = life.self->stream_.get_executor();
            asio::post(executor, [self = life.self, route, snap = std::move(snap)] {
                self->answer(*route, &snap);
            });
        });
    }

    void answer(const Route& route, const broker::BrokerSnapshot* snap) {
        Reply reply;
        try {
            Outcome out = route.handler({envelope_.body, shared_.config, snap});
            reply = out.code == 0 ? success_reply(envelope_.seq, envelope_.req, std::move(out.data))
                                  : error_reply(out.status, out.code, out.message, &envelope_.seq,
                                                envelope_.req);
        } catch (const std::exception& e) {
            shared_.log->error("http: req {} failed: {}", envelope_.req, e.what());
            reply = error_reply(500, 102, "internal error", &envelope_.seq, envelope_.req);
        }
        send(std::move(reply));
    }

    void send(Reply reply, SendOptions opts = {}) {
        res_ = {};
        res_.result(reply.status);
        res_.version(11);
        res_.set(bhttp::field::content_type, "application/json");
        if (opts.www_authenticate)
            res_.set(bhttp::field::www_authenticate, "Basic realm=\"nanomq\"");
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
    std::vector<char> drain_buffer_;
    std::size_t drained_ = 0;
};

}  // namespace

struct ApiServer::Impl {
    Impl(const config::Config& config, broker::Broker& broker)
        : shared{config, broker, std::make_shared<asio::io_context>(1),
                 RequestSlots(config.http_server.limit_conn), log::get("http")},
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

ApiServer::ApiServer(const config::Config& config, broker::Broker& broker)
    : impl_(std::make_unique<Impl>(config, broker)) {}

ApiServer::~ApiServer() {
    stop();
}

void ApiServer::start() {
    const auto& hs = impl_->shared.config.http_server;
    // Only Basic is served so far; any other auth_type refuses every request (never open).
    if (hs.auth_type == config::HttpAuthType::kJwt)
        impl_->shared.log->warn(
            "http_server: JWT authentication is not implemented yet; every API request is "
            "refused with 401");
    else if (hs.auth_type != config::HttpAuthType::kBasic)
        impl_->shared.log->warn(
            "http_server: auth_type is neither basic nor jwt; every API request is refused with "
            "401");
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

}  // namespace nmq::http
