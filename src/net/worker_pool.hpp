#pragma once
// One io_context per worker thread, each with the broker::Worker it runs and a reusable read
// buffer shared by all of that worker's connections (an idle connection holds no buffer).
//
// THREADING WARNING: a WorkerContext is used only by its own thread, except `io`, whose post()
// is thread-safe.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace nmq::broker {
class Worker;
}

namespace nmq::net {

struct WorkerContext {
    boost::asio::io_context io{1};
    broker::Worker* worker = nullptr;
    std::unique_ptr<boost::asio::steady_timer> tick;
    std::vector<char> read_buffer = std::vector<char>(64 * 1024);
    std::uint32_t index = 0;
    std::uint32_t max_packet = 0;  // inbound Maximum Packet Size, bytes
    // Takes over an accepted socket (after CONNECT named a client id whose session lives on
    // worker `to`): `pending` holds the bytes read so far, CONNECT first.
    std::function<void(std::uint32_t to, int fd, bool v6, std::string pending)> adopt;
};

}  // namespace nmq::net
