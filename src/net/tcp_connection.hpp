#pragma once
// TcpConnection: one MQTT client over TCP. Reads with a readiness wait and non-blocking reads
// into its worker's shared buffer, frames packets, hands them to broker::Client; writes what
// the Client encodes, coalescing everything produced in one turn of the loop into one write.
//
// THREADING WARNING: lives on one worker's io_context; every member is touched only there.
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "broker/client.hpp"
#include "broker/transport.hpp"

namespace nmq::net {

struct WorkerContext;

class TcpConnection final : public broker::Transport,
                            public std::enable_shared_from_this<TcpConnection> {
  public:
    TcpConnection(WorkerContext& wc, boost::asio::ip::tcp::socket socket);
    ~TcpConnection() override;

    // Starts reading; `pending` holds bytes already read by the worker that handed it over.
    void start(std::string pending = {});
    // Server shutdown: disconnect with "Server shutting down".
    void shutdown();

    // broker::Transport
    std::string& output() override;
    void flush() override;
    bool writable() const override;
    void close() override;
    void migrate(std::uint32_t worker) override;
    const std::string& remote_address() const override { return address_; }

  private:
    void wait_readable();
    void on_readable();
    // Frames and handles the packets in `data`; false when reading must stop.
    bool consume(const char* data, std::size_t size);
    void do_write();
    void on_written(const boost::system::error_code& ec);
    void finish();

    WorkerContext& wc_;
    boost::asio::ip::tcp::socket socket_;
    std::string address_;
    std::unique_ptr<broker::Client> client_;
    std::string in_;       // an incomplete packet carried over between reads
    std::string out_;      // being filled
    std::string writing_;  // being written
    std::size_t write_offset_ = 0;
    bool write_posted_ = false;
    bool write_in_flight_ = false;
    bool closing_ = false;
    bool finished_ = false;
    bool migrating_ = false;
    bool v6_ = false;
    std::uint32_t migrate_to_ = 0;
};

}  // namespace nmq::net
