#include "net/server.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "bridge/bridges.hpp"
#include "broker/broker.hpp"
#include "core/log.hpp"
#include "net/connection.hpp"
#include "net/connections.hpp"
#include "net/listeners.hpp"
#include "net/tls_context.hpp"
#include "net/worker_pool.hpp"

namespace nmq::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr auto kTickInterval = std::chrono::milliseconds(250);

// An open listener. THREADING WARNING: touched only on worker 0, where the acceptors run.
struct Listener {
    ListenerSpec spec;
    // What its TLS and WebSocket connections get; replaced on reload, kept by the connections
    // accepted before.
    std::shared_ptr<const StreamSettings> settings;
    tcp::acceptor acceptor;
    bool closed = false;
    Listener(ListenerSpec s, asio::io_context& io) : spec(std::move(s)), acceptor(io) {}
};

// Throws config::ConfigError when a certificate or key cannot be used.
std::shared_ptr<const StreamSettings> make_settings(const ListenerSpec& spec) {
    if (spec.kind == ListenerKind::kTcp) return nullptr;
    auto s = std::make_shared<StreamSettings>();
    s->handshake_timeout = spec.handshake_timeout;
    s->path = spec.path;
    s->allowed_origins = spec.allowed_origins;
    s->max_frame_size = spec.max_frame_size;
    if (spec.tls) {
        s->tls = make_server_tls(*spec.tls, spec.tls_key);
        s->identity_as_username = spec.tls->use_identity_as_username;
    }
    return s;
}

std::string endpoint_text(const ListenerSpec& spec, std::uint16_t port) {
    std::string host = spec.host.find(':') != std::string::npos ? "[" + spec.host + "]" : spec.host;
    return host + ":" + std::to_string(port) + spec.path;
}

}  // namespace

struct Server::Impl {
    config::Config config;
    // Declared before the workers so that it outlives them: pending handlers destroyed with
    // an io_context still reach their broker::Worker.
    std::unique_ptr<broker::Broker> broker;
    std::vector<std::unique_ptr<WorkerContext>> workers;
    std::vector<std::shared_ptr<Listener>> listeners;
    std::unique_ptr<bridge::Bridges> bridges;  // after the workers: each runs on one of them
    std::unique_ptr<asio::signal_set> signals;
    std::atomic<std::uint32_t> next_worker{0};
    std::atomic<bool> stopping{false};
    bool running = false;
    std::function<std::optional<config::Config>()> read_config;
    std::shared_ptr<spdlog::logger> log = log::get("net");

    explicit Impl(const config::Config& cfg) : config(cfg) {
        std::uint32_t n = cfg.system.num_taskq_thread;
        if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
        std::vector<broker::Worker::Post> posts;
        for (std::uint32_t i = 0; i < n; ++i) {
            auto w = std::make_unique<WorkerContext>();
            w->index = i;
            w->max_packet = cfg.mqtt.max_packet_size;
            auto* io = &w->io;
            posts.push_back([io](std::function<void()> fn) { asio::post(*io, std::move(fn)); });
            workers.push_back(std::move(w));
        }
        broker = std::make_unique<broker::Broker>(cfg, std::move(posts));
        std::vector<WorkerContext*> peers;
        for (auto& w : workers)
            peers.push_back(w.get());
        for (auto& w : workers) {
            w->worker = &broker->worker(w->index);
            w->peers = peers;
            w->adopt = [this](std::uint32_t to, int fd, bool v6, std::string pending) {
                adopt(to, fd, v6, std::move(pending));
            };
        }
        // Signals are caught from before the first listener is bound: a client that sees the
        // port open may send SIGTERM at once, and asio keeps it until run() waits for it.
        signals = std::make_unique<asio::signal_set>(workers[0]->io, SIGINT, SIGTERM, SIGHUP);
        // Every listener or none: a certificate that cannot be read stops start-up.
        for (auto& spec : listener_specs(cfg))
            listeners.push_back(open(std::move(spec)));
        std::vector<asio::io_context*> ios;
        for (auto& w : workers)
            ios.push_back(&w->io);
        bridges = std::make_unique<bridge::Bridges>(*broker, std::move(ios), cfg.bridges);
    }

    ~Impl() {
        listeners.clear();
        signals.reset();
        // A connection moved to its session's worker may have operations pending on the
        // worker that accepted it, whose handlers belong to the new one: destroy every pending
        // handler of every worker before destroying any worker.
        for (auto& w : workers)
            w->io.shut_down();
    }

    // Binds and listens; throws std::runtime_error (address) or config::ConfigError (TLS).
    std::shared_ptr<Listener> open(ListenerSpec spec) {
        auto l = std::make_shared<Listener>(std::move(spec), workers[0]->io);
        l->settings = make_settings(l->spec);
        error_code ec;
        auto addr = asio::ip::make_address(l->spec.host, ec);
        if (ec) throw std::runtime_error(l->spec.key + ": bad address \"" + l->spec.host + "\"");
        tcp::endpoint ep(addr, l->spec.port);
        auto& acc = l->acceptor;
        acc.open(ep.protocol(), ec);
        if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acc.bind(ep, ec);
        if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            throw std::runtime_error(l->spec.key + ": cannot listen on " + l->spec.host + ":" +
                                     std::to_string(l->spec.port) + ": " + ec.message());
        log->info("{} listening on {} ({})", listener_label(l->spec.kind),
                  endpoint_text(l->spec, acc.local_endpoint().port()), l->spec.key);
        return l;
    }

    void close(Listener& l) {
        l.closed = true;
        error_code ec;
        l.acceptor.close(ec);
        log->info("{} on {}:{} closed ({})", listener_label(l.spec.kind), l.spec.host, l.spec.port,
                  l.spec.key);
    }

    void accept(const std::shared_ptr<Listener>& l) {
        std::uint32_t target = next_worker++ % workers.size();
        auto& wc = *workers[target];
        l->acceptor.async_accept(wc.io, [this, l, &wc](const error_code& ec, tcp::socket sock) {
            if (ec == asio::error::operation_aborted || stopping || l->closed) return;
            if (!ec) {
                // Runs on the acceptor's worker; the connection belongs to wc.
                switch (l->spec.kind) {
                    case ListenerKind::kTcp:
                        start_tcp_connection(wc, std::move(sock));
                        break;
                    case ListenerKind::kTls:
                        start_tls_connection(wc, std::move(sock), l->settings);
                        break;
                    case ListenerKind::kWs:
                        start_ws_connection(wc, std::move(sock), l->settings, false);
                        break;
                    case ListenerKind::kWss:
                        start_ws_connection(wc, std::move(sock), l->settings, true);
                        break;
                }
            } else {
                log->warn("accept failed: {}", ec.message());
                if (ec == asio::error::no_descriptors) {
                    // Out of file descriptors: back off instead of spinning.
                    auto t = std::make_shared<asio::steady_timer>(workers[0]->io,
                                                                  std::chrono::milliseconds(100));
                    t->async_wait([this, l, t](const error_code&) {
                        if (!l->closed && !stopping) accept(l);
                    });
                    return;
                }
            }
            accept(l);
        });
    }

    void adopt(std::uint32_t to, int fd, bool v6, std::string pending) {
        auto& wc = *workers[to];
        asio::post(wc.io, [&wc, fd, v6, pending = std::move(pending)]() mutable {
            error_code ec;
            tcp::socket sock(wc.io);
            sock.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
            if (ec) {
                ::close(fd);
                return;
            }
            auto conn = std::make_shared<TcpConnection>(wc, std::move(sock));
            conn->start(std::move(pending));
        });
    }

    void start_tick(WorkerContext& wc) {
        wc.tick = std::make_unique<asio::steady_timer>(wc.io);
        schedule_tick(wc);
    }
    void schedule_tick(WorkerContext& wc) {
        wc.tick->expires_after(kTickInterval);
        wc.tick->async_wait([this, &wc](const error_code& ec) {
            if (ec) return;
            wc.worker->tick(broker::Clock::now());
            schedule_tick(wc);
        });
    }

    void stop() {
        if (stopping.exchange(true)) return;
        asio::post(workers[0]->io, [this] {
            log->info("stopping");
            bridges->stop();  // DISCONNECT to the remotes, in the grace period below
            for (auto& l : listeners) {
                error_code ec;
                l->closed = true;
                l->acceptor.close(ec);
            }
            for (auto& w : workers) {
                asio::post(w->io, [this, wp = w.get()] {
                    wp->worker->shutdown_clients();
                    // Let the DISCONNECTs and wills go out, then stop this worker.
                    auto t = std::make_shared<asio::steady_timer>(wp->io,
                                                                  std::chrono::milliseconds(200));
                    t->async_wait([wp, t](const error_code&) {
                        if (wp->tick) wp->tick->cancel();
                        wp->io.stop();
                    });
                });
            }
        });
    }

    void wait_signal() {
        signals->async_wait([this](const error_code& ec, int sig) {
            if (ec) return;
            if (sig == SIGHUP) {
                log->info("SIGHUP: reloading the configuration");
                if (read_config) {
                    if (auto fresh = read_config()) reload(*fresh);
                } else {
                    log->warn("SIGHUP: no configuration source to reload from");
                }
                wait_signal();
                return;
            }
            log->info("signal {} received", sig);
            stop();
        });
    }

    // Closes, opens and updates listeners to match `fresh`; established connections keep
    // going. What fails (a port in use, a certificate that cannot be read) is logged and that
    // listener stays as it was. Returns whether everything was applied.
    bool reload_listeners(const config::Config& fresh) {
        std::vector<ListenerSpec> specs;
        try {
            specs = listener_specs(fresh);
        } catch (const std::exception& e) {
            log->error("reload: listeners unchanged: {}", e.what());
            return false;
        }
        bool all = true;
        std::vector<std::shared_ptr<Listener>> kept;
        std::vector<ListenerSpec> to_open;
        for (auto& spec : specs) {
            auto it = std::find_if(listeners.begin(), listeners.end(),
                                   [&](const auto& l) { return l->spec.key == spec.key; });
            if (it == listeners.end()) {
                to_open.push_back(std::move(spec));
                continue;
            }
            auto l = *it;
            listeners.erase(it);
            if (!l->spec.same_address(spec) || l->spec.kind != spec.kind) {
                close(*l);
                to_open.push_back(std::move(spec));
                continue;
            }
            if (spec.kind != ListenerKind::kTcp) {
                // Settings are rebuilt even when unchanged, so that renewed certificate files
                // are taken up by a reload.
                try {
                    l->settings = make_settings(spec);
                    if (!(l->spec == spec)) log->info("reload: {} updated", spec.key);
                    l->spec = std::move(spec);
                } catch (const std::exception& e) {
                    log->error("reload: {} keeps its previous settings: {}", l->spec.key, e.what());
                    all = false;
                }
            }
            kept.push_back(std::move(l));
        }
        for (auto& l : listeners)
            close(*l);  // not in the new configuration
        listeners = std::move(kept);
        for (auto& spec : to_open) {
            try {
                auto l = open(spec);
                if (running) accept(l);
                listeners.push_back(std::move(l));
            } catch (const std::exception& e) {
                log->error("reload: {} not opened: {}", spec.key, e.what());
                all = false;
            }
        }
        return all;
    }

    void reload(const config::Config& fresh) {
        // What needs a restart is reported and left as it is.
        if (fresh.system != config.system)
            log->warn("reload: system settings changed; they take effect at the next restart");
        // http_server: the API server takes and reports its own changes (ApiServer::reconfigure).
        if (fresh.mqtt != config.mqtt) log->info("reload: mqtt settings applied");
        if (fresh.auth != config.auth) log->info("reload: auth settings applied");
        if (fresh.log.level != config.log.level) {
            log::init_console(fresh.log.level);
            log->info("reload: log level is now {}", fresh.log.level);
        }
        config::Config applied = config;  // keep what cannot change live
        applied.mqtt = fresh.mqtt;
        applied.auth = fresh.auth;
        applied.log.level = fresh.log.level;
        // Listeners: what could not be applied keeps running as it was, and a later reload
        // tries again (the applied config only records a complete change).
        if (reload_listeners(fresh)) applied.listeners = fresh.listeners;
        // Bridges: changed ones reconnect with their new settings, keeping what they owe.
        if (fresh.bridges != config.bridges) {
            try {
                bridges->reconfigure(fresh.bridges);
                applied.bridges = fresh.bridges;
                log->info("reload: bridges applied");
            } catch (const std::exception& e) {
                log->error("reload: bridges keep their previous settings: {}", e.what());
            }
        }
        config = applied;
        broker->reconfigure(applied);
        for (auto& w : workers) {
            WorkerContext* wp = w.get();
            auto max_packet = applied.mqtt.max_packet_size;
            asio::post(wp->io, [wp, max_packet] { wp->max_packet = max_packet; });
        }
    }

    void run() {
        wait_signal();
        running = true;
        for (auto& l : listeners)
            accept(l);
        bridges->start();
        std::vector<std::thread> threads;
        for (std::size_t i = 1; i < workers.size(); ++i) {
            threads.emplace_back([this, i] {
                auto guard = asio::make_work_guard(workers[i]->io);
                start_tick(*workers[i]);
                workers[i]->io.run();
            });
        }
        {
            auto guard = asio::make_work_guard(workers[0]->io);
            start_tick(*workers[0]);
            workers[0]->io.run();
        }
        for (auto& t : threads)
            t.join();
    }
};

Server::Server(const config::Config& config) : impl_(std::make_unique<Impl>(config)) {}
Server::~Server() = default;

void Server::run() {
    impl_->run();
}
void Server::stop() {
    impl_->stop();
}
void Server::on_reload(std::function<std::optional<config::Config>()> read) {
    impl_->read_config = std::move(read);
}
void Server::reload(const config::Config& config) {
    asio::post(impl_->workers[0]->io, [this, config] { impl_->reload(config); });
}
void Server::reload_from_sources(const config::Config& fallback) {
    // On worker 0, like the SIGHUP handler: reloads never interleave.
    asio::post(impl_->workers[0]->io, [this, fallback] {
        std::optional<config::Config> fresh;
        if (impl_->read_config) fresh = impl_->read_config();
        if (impl_->read_config && !fresh)
            impl_->log->warn("reload: applying the API's change alone");
        impl_->reload(fresh ? *fresh : fallback);
    });
}
broker::Broker& Server::broker() {
    return *impl_->broker;
}
bridge::Bridges& Server::bridges() {
    return *impl_->bridges;
}

std::vector<std::uint16_t> Server::tcp_ports() const {
    std::vector<std::uint16_t> ports;
    for (auto& l : impl_->listeners) {
        error_code ec;
        if (l->spec.kind == ListenerKind::kTcp)
            ports.push_back(l->acceptor.local_endpoint(ec).port());
    }
    return ports;
}

}  // namespace nmq::net
