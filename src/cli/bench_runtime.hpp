#pragma once
// The load generator's runtime: worker threads (one io_context each) that own many MQTT
// client connections. A BenchConnection does the TCP connect, CONNECT/CONNACK handshake,
// reading with in-place framing, and batched writes (control packets gathered with the
// subclass's data in one async_write). Publisher, Subscriber and IdleConnection add the rest.
//
// THREADING WARNING: a connection and its Worker's members are only touched on that worker's
// thread. The main thread reads LiveCounters (relaxed atomics, single writer) and RunState, and
// reaches connections only by posting to the worker, or after the worker thread has joined.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/ack_templates.hpp"
#include "cli/client_stream.hpp"
#include "cli/latency_histogram.hpp"
#include "cli/options.hpp"
#include "mqtt/types.hpp"

namespace nmq::cli {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Add to a counter that only one thread writes: a plain load and store, no locked instruction.
inline void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Per worker, written by the worker thread, read by the main thread for progress lines.
struct LiveCounters {
    std::atomic<std::uint64_t> sent{0};           // PUBLISH packets handed to the socket
    std::atomic<std::uint64_t> acked{0};          // completed QoS flows (QoS 0: written)
    std::atomic<std::uint64_t> received{0};       // PUBLISH packets read
    std::atomic<std::uint64_t> payload_bytes{0};  // of the PUBLISH packets sent or read
    std::atomic<std::uint64_t> first_ns{0};       // first send or receive
    std::atomic<std::uint64_t> last_ns{0};        // latest send or receive
};

// Shared by every thread.
struct RunState {
    std::atomic<std::uint32_t> connected{0};
    std::atomic<std::uint32_t> failed{0};
    std::atomic<std::uint32_t> ready{0};     // subscribers whose SUBACK arrived
    std::atomic<std::uint32_t> finished{0};  // connections done (or closed)
    std::atomic<std::uint32_t> errors_logged{0};
};

// Read-only after set-up, apart from `state`.
struct BenchShared {
    BenchShared(const BenchOptions& o, tcp::endpoint ep);
    const BenchOptions& opts;
    tcp::endpoint endpoint;
    mqtt::Version version;
    AckTemplates acks;
    std::shared_ptr<boost::asio::ssl::context> tls;  // --tls: the client context
    std::size_t read_buffer_bytes = 64 * 1024;
    RunState state;
};

class Worker;

class BenchConnection {
  public:
    BenchConnection(Worker& worker, std::uint32_t index, std::string client_id);
    virtual ~BenchConnection() = default;
    BenchConnection(const BenchConnection&) = delete;
    BenchConnection& operator=(const BenchConnection&) = delete;

    void start();
    // A graceful close: DISCONNECT once the current write is done, then close.
    void stop();
    void ping();
    virtual void begin() {}           // publishers: start sending
    virtual void finish_sending() {}  // publishers: send nothing new, wait for the acks

    std::uint32_t index() const noexcept { return index_; }
    const std::string& client_id() const noexcept { return client_id_; }
    bool open() const noexcept { return state_ == State::kOpen; }

  protected:
    virtual void on_connack() {}
    // One whole packet other than CONNACK, PINGRESP and DISCONNECT. Return false after fail().
    virtual bool on_packet(std::uint8_t first_byte, std::string_view body) { return true; }
    virtual void after_read() {}
    // The subclass's data for the next write (publishers: a batch of PUBLISH packets); it must
    // stay untouched until on_write_done().
    virtual asio::const_buffer produce() { return {}; }
    virtual void on_write_done() {}

    void kick_write();
    void fail(const char* what, const boost::system::error_code& ec = {});
    void mark_finished();
    std::string& ctrl() noexcept { return ctrl_pending_; }
    BenchShared& shared() noexcept;

    Worker& worker_;
    std::uint64_t read_ns_ = 0;  // when the data being parsed was read
    // The server's Receive Maximum (5.0 CONNACK): QoS 1/2 messages it accepts unacknowledged.
    std::uint32_t server_receive_maximum_ = 65535;

  private:
    enum class State { kIdle, kConnecting, kHandshake, kOpen, kClosing, kClosed };
    void do_read();
    void on_read(const boost::system::error_code& ec, std::size_t n);
    bool dispatch(std::uint8_t first_byte, std::string_view body);
    void close_now();

    std::uint32_t index_;
    std::string client_id_;
    State state_ = State::kIdle;
    tcp::socket socket_;
    std::unique_ptr<ClientStream> stream_;  // --tls / --ws; null for plain TCP (socket_)
    std::vector<char> rbuf_;
    std::size_t rend_ = 0;
    std::string ctrl_pending_;
    std::string ctrl_writing_;
    bool writing_ = false;
    bool finished_ = false;
    std::uint64_t connect_start_ns_ = 0;
};

class Worker {
  public:
    Worker(BenchShared& shared, std::uint32_t index, std::uint32_t workers);
    ~Worker();

    asio::io_context& io() noexcept { return io_; }
    BenchShared& shared() noexcept { return shared_; }
    void add(std::unique_ptr<BenchConnection> c) { conns_.push_back(std::move(c)); }

    void run();                                               // starts the thread
    void start_connecting();                                  // from any thread
    void post_each(std::function<void(BenchConnection&)> f);  // from any thread
    void shutdown();  // from any thread: stop the io_context
    void join();

    // Worker thread only.
    void on_handshake_done(bool ok, std::uint64_t connect_ns);
    LatencyHistogram latency;       // end-to-end, at subscribers
    LatencyHistogram connect_time;  // TCP connect to CONNACK
    LiveCounters live;
    const std::vector<std::unique_ptr<BenchConnection>>& connections() const { return conns_; }

  private:
    void start_more();
    void arm_ping();

    BenchShared& shared_;
    std::uint32_t index_;
    std::uint32_t workers_;
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    asio::steady_timer pace_timer_;
    asio::steady_timer ping_timer_;
    std::vector<std::unique_ptr<BenchConnection>> conns_;
    std::size_t next_to_start_ = 0;
    std::uint32_t pending_ = 0;
    std::thread thread_;
};

// Connections that only connect and stay idle (bench conn).
class IdleConnection final : public BenchConnection {
  public:
    using BenchConnection::BenchConnection;
};

}  // namespace nmq::cli
