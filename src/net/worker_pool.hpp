#pragma once
// One io_context per worker thread, each with the broker::Worker it runs and a reusable read
// buffer shared by all of that worker's connections (an idle connection holds no buffer).
//
// THREADING WARNING: a WorkerContext is used only by its own thread, except `io`, whose post()
// is thread-safe.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/worker.hpp"

namespace nmq::broker {
class Worker;
}

namespace nmq::net {

// An io_context whose services can be shut down before any io_context is destroyed. A TLS or
// WebSocket connection that moved to its session's worker keeps its socket on the worker that
// accepted it while its handlers run on the new one, so pending operations of one io_context
// can hold work of another: every context is shut down (pending handlers destroyed) first, and
// only then are they destroyed.
class WorkerIo : public boost::asio::io_context {
  public:
    using boost::asio::io_context::io_context;
    void shut_down() { shutdown(); }
};

struct WorkerContext {
    WorkerIo io{1};
    broker::Worker* worker = nullptr;
    std::unique_ptr<boost::asio::steady_timer> tick;
    std::vector<char> read_buffer = std::vector<char>(64 * 1024);
    std::uint32_t index = 0;
    // Every worker of the server, by index (this one included): where a connection moves.
    std::vector<WorkerContext*> peers;
    std::uint32_t max_packet = 0;  // inbound Maximum Packet Size, bytes
    // Write buffers lent to connections while they have traffic, so idle connections hold
    // none and busy ones do not reallocate every turn.
    std::vector<std::string> buffer_pool;
    void lend_buffer(std::string& into) {
        std::string b;
        if (buffer_pool.empty()) {
            b.reserve(16 * 1024);
        } else {
            b.swap(buffer_pool.back());
            buffer_pool.pop_back();
        }
        b.append(into);
        into.swap(b);
    }
    void return_buffer(std::string& from) {
        if (from.capacity() >= 1024 && from.capacity() <= (1u << 20) && buffer_pool.size() < 256) {
            from.clear();
            buffer_pool.push_back(std::move(from));
        }
        std::string().swap(from);
    }

    // Takes over an accepted socket (after CONNECT named a client id whose session lives on
    // worker `to`): `pending` holds the bytes read so far, CONNECT first.
    std::function<void(std::uint32_t to, int fd, bool v6, std::string pending)> adopt;

    // Back-pressure from persistence: while the store is behind (broker::Worker::
    // store_congested), connections stop reading after each batch and wait here; they read
    // again once it has caught up. Nothing is acknowledged that the store has not taken.
    std::vector<std::function<void()>> held_reads;
    std::unique_ptr<boost::asio::steady_timer> hold_timer;  // made at the first hold, kept
    bool hold_armed = false;
    void hold_read(std::function<void()> resume) {
        held_reads.push_back(std::move(resume));
        if (hold_armed) return;
        hold_armed = true;
        if (!hold_timer) hold_timer = std::make_unique<boost::asio::steady_timer>(io);
        check_held_reads();
    }
    void check_held_reads() {
        hold_timer->expires_after(std::chrono::milliseconds(5));
        hold_timer->async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            if (worker->congested()) {
                check_held_reads();
                return;
            }
            hold_armed = false;
            auto resume = std::move(held_reads);
            held_reads.clear();
            for (auto& fn : resume)
                fn();
        });
    }
};

}  // namespace nmq::net
