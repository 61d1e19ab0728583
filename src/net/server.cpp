#include "net/server.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "broker/broker.hpp"
#include "core/log.hpp"
#include "net/tcp_connection.hpp"
#include "net/worker_pool.hpp"

namespace nmq::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr auto kTickInterval = std::chrono::milliseconds(250);
}

struct Server::Impl {
    config::Config config;
    // Declared before the workers so that it outlives them: pending handlers destroyed with
    // an io_context still reach their broker::Worker.
    std::unique_ptr<broker::Broker> broker;
    std::vector<std::unique_ptr<WorkerContext>> workers;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::unique_ptr<asio::signal_set> signals;
    std::atomic<std::uint32_t> next_worker{0};
    std::atomic<bool> stopping{false};
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
        for (auto& w : workers) {
            w->worker = &broker->worker(w->index);
            w->adopt = [this](std::uint32_t to, int fd, bool v6, std::string pending) {
                adopt(to, fd, v6, std::move(pending));
            };
        }
        for (auto& l : cfg.listeners.tcp)
            open_tcp(l);
    }

    void open_tcp(const config::TcpListener& l) {
        error_code ec;
        auto addr = asio::ip::make_address(l.host, ec);
        if (ec) throw std::runtime_error("listeners.tcp: bad address \"" + l.host + "\"");
        tcp::endpoint ep(addr, l.port);
        auto acc = std::make_unique<tcp::acceptor>(workers[0]->io);
        acc->open(ep.protocol(), ec);
        if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acc->bind(ep, ec);
        if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            throw std::runtime_error("cannot listen on " + l.host + ":" + std::to_string(l.port) +
                                     ": " + ec.message());
        log->info("MQTT/TCP listening on {}:{}", l.host, acc->local_endpoint().port());
        acceptors.push_back(std::move(acc));
    }

    void accept(tcp::acceptor& acc) {
        std::uint32_t target = next_worker++ % workers.size();
        auto& wc = *workers[target];
        acc.async_accept(wc.io, [this, &acc, &wc](const error_code& ec, tcp::socket sock) {
            if (ec == asio::error::operation_aborted || stopping) return;
            if (!ec) {
                auto conn = std::make_shared<TcpConnection>(wc, std::move(sock));
                // Runs on the acceptor's worker; the connection belongs to wc.
                asio::post(wc.io, [conn] { conn->start(); });
            } else {
                log->warn("accept failed: {}", ec.message());
                if (ec == asio::error::no_descriptors) {
                    // Out of file descriptors: back off instead of spinning.
                    auto t = std::make_shared<asio::steady_timer>(workers[0]->io,
                                                                  std::chrono::milliseconds(100));
                    t->async_wait([this, &acc, t](const error_code&) { accept(acc); });
                    return;
                }
            }
            accept(acc);
        });
    }

    void adopt(std::uint32_t to, int fd, bool v6, std::string pending) {
        auto& wc = *workers[to];
        asio::post(wc.io, [this, &wc, fd, v6, pending = std::move(pending)]() mutable {
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
            for (auto& a : acceptors) {
                error_code ec;
                a->close(ec);
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

    void reload(const config::Config& fresh) {
        // What needs a restart is reported and left as it is.
        if (fresh.system != config.system)
            log->warn("reload: system settings changed; they take effect at the next restart");
        if (fresh.listeners != config.listeners)
            log->warn("reload: listeners changed; they take effect at the next restart");
        if (fresh.http_server != config.http_server)
            log->warn("reload: http_server changed; it takes effect at the next restart");
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
        config = applied;
        broker->reconfigure(applied);
        for (auto& w : workers) {
            WorkerContext* wp = w.get();
            auto max_packet = applied.mqtt.max_packet_size;
            asio::post(wp->io, [wp, max_packet] { wp->max_packet = max_packet; });
        }
    }

    void run() {
        signals = std::make_unique<asio::signal_set>(workers[0]->io, SIGINT, SIGTERM, SIGHUP);
        wait_signal();
        for (auto& a : acceptors)
            accept(*a);
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
broker::Broker& Server::broker() {
    return *impl_->broker;
}

std::vector<std::uint16_t> Server::tcp_ports() const {
    std::vector<std::uint16_t> ports;
    for (auto& a : impl_->acceptors)
        ports.push_back(a->local_endpoint().port());
    return ports;
}

}  // namespace nmq::net
