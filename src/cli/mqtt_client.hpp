#pragma once
// A small MQTT client for the interactive tools (pub, sub): one connection, C++20 coroutines
// on one io_context, full decoding through the project's codec. Errors are exceptions: these
// tools report them and exit. Writes are synchronous so a keep-alive ping never interleaves
// with another packet.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "mqtt/packets.hpp"

namespace nmq::cli {

class ClientError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class MqttClient {
  public:
    MqttClient(boost::asio::io_context& io, ConnectOptions options,
               std::optional<mqtt::Will> will = std::nullopt);

    // Connects and completes CONNECT/CONNACK; throws ClientError when refused.
    boost::asio::awaitable<void> connect();
    // The next packet from the server.
    boost::asio::awaitable<mqtt::Packet> receive();
    void send(const mqtt::Packet& p);
    // Publishes and completes the QoS flow (PUBACK, or PUBREC/PUBREL/PUBCOMP).
    boost::asio::awaitable<void> publish(mqtt::Publish p);
    void disconnect();  // DISCONNECT, then close
    void close();

    mqtt::Version version() const noexcept { return version_; }
    std::uint16_t next_packet_id() noexcept;
    bool is_open() const noexcept { return socket_.is_open(); }

  private:
    boost::asio::awaitable<mqtt::Packet> receive_until(mqtt::PacketType type, std::uint16_t id);

    ConnectOptions options_;
    std::optional<mqtt::Will> will_;
    mqtt::Version version_;
    boost::asio::ip::tcp::socket socket_;
    std::vector<char> buf_;
    std::size_t end_ = 0;
    std::uint16_t packet_id_ = 0;
};

// "Malformed Packet (0x81)"
std::string describe(ReasonCode rc);

}  // namespace nmq::cli
