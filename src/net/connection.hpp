#pragma once
// ConnectionCore: one MQTT client over a byte stream, whatever carries the bytes. It frames
// packets and hands them to broker::Client, gathers what the Client encodes into one write per
// turn of the loop, applies back-pressure (writable()), and closes or moves the connection when
// the Client says so. The stream itself is its subclasses' business:
//
//   TcpConnection            plain TCP: readiness waits and non-blocking reads into the worker's
//                            shared buffer (idle connections hold no buffer), writes tried at once
//   StreamConnection<Stream> TLS, WebSocket, WebSocket over TLS: a handshake, then asynchronous
//                            reads and writes through the stream (stream_connection.hpp)
//
// so the MQTT side is written once and the plain TCP hot path stays as it was.
//
// THREADING WARNING: a connection is touched only by the worker that owns it (wc_), one thread.
// Ownership moves to another worker only while no operation of the connection is pending (see
// hand_over), and the move is a post, so the two never run at once.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "broker/client.hpp"
#include "broker/transport.hpp"

namespace nmq::net {

struct WorkerContext;

class ConnectionCore : public broker::Transport,
                       public std::enable_shared_from_this<ConnectionCore> {
  public:
    ~ConnectionCore() override;

    // broker::Transport
    std::string& output() override;
    void flush() override;
    bool writable() const override;
    void close() override;
    void migrate(std::uint32_t worker) override;
    const std::string& remote_address() const override { return address_; }

  protected:
    ConnectionCore(WorkerContext& wc, const boost::asio::ip::tcp::socket& socket);

    // Creates the Client and handles `pending` (bytes read before, by the worker that handed the
    // connection over). False when reading must not start (closed or moved on).
    bool begin(std::string pending);
    // Frames and handles the packets in `data`; false when reading must stop.
    bool consume(const char* data, std::size_t size);
    // Writes out_ unless a write is in flight; when all is written and the connection is
    // closing, says goodbye.
    void do_write();
    // Completion of a write of writing_.
    void on_written(const boost::system::error_code& ec);
    // Closes the stream at once and tells the Client. Idempotent.
    void finish();

    // What the stream does. write_some: writes writing_ (with write_in_flight_ set while an
    // operation is pending) and calls on_written. close_stream: closes the socket.
    // hand_over: moves the connection to worker `to`, where `pending` is read again.
    virtual void write_some() = 0;
    virtual void close_stream() = 0;
    virtual void hand_over(std::uint32_t to, std::string pending) = 0;
    // Everything is written and the Client asked to close: a WebSocket sends a Close frame
    // first; the others just close.
    virtual void say_goodbye() { finish(); }

    WorkerContext* wc_;
    std::string address_;
    std::unique_ptr<broker::Client> client_;
    // The Common Name of a verified client certificate when the listener uses it as the user
    // name (use_identity_as_username).
    std::optional<std::string> identity_;
    std::string in_;       // an incomplete packet carried over between reads
    std::string out_;      // being filled
    std::string writing_;  // being written
    bool write_posted_ = false;
    bool write_in_flight_ = false;
    bool closing_ = false;
    bool finished_ = false;
    bool migrating_ = false;
    bool v6_ = false;
    bool awaiting_connect_ = true;  // no packet handled yet by the current Client
    std::uint32_t migrate_to_ = 0;

  private:
    // CONNECT with the certificate's name as user name and no password.
    bool rewrite_connect(const mqtt::FixedHeader& h, std::string_view body, std::string& out);
};

// Plain TCP. Reads with a readiness wait and non-blocking reads into the worker's shared buffer;
// writes are tried at once and continue asynchronously only when the socket is full. Moves to
// another worker by handing over its file descriptor.
class TcpConnection final : public ConnectionCore {
  public:
    TcpConnection(WorkerContext& wc, boost::asio::ip::tcp::socket socket);
    ~TcpConnection() override;

    // Starts reading; `pending` holds bytes already read by the worker that handed it over.
    void start(std::string pending = {});

  private:
    void wait_readable();
    void on_readable();
    void write_some() override;
    void close_stream() override;
    void hand_over(std::uint32_t to, std::string pending) override;
    std::shared_ptr<TcpConnection> self();

    boost::asio::ip::tcp::socket socket_;
    std::size_t write_offset_ = 0;
};

}  // namespace nmq::net
