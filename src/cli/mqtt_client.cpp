#include "cli/mqtt_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstring>

#include "mqtt/codec.hpp"

namespace nmq::cli {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string describe(ReasonCode rc) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned>(rc));
    return std::string(reason_name(rc)) + " (" + code + ")";
}

MqttClient::MqttClient(asio::io_context& io, ConnectOptions options, std::optional<mqtt::Will> will)
    : options_(std::move(options)),
      will_(std::move(will)),
      version_(static_cast<mqtt::Version>(options_.version)),
      socket_(io),
      buf_(64 * 1024) {}

std::uint16_t MqttClient::next_packet_id() noexcept {
    if (++packet_id_ == 0) packet_id_ = 1;
    return packet_id_;
}

asio::awaitable<void> MqttClient::connect() {
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    try {
        tcp::resolver resolver(socket_.get_executor());
        auto endpoints = co_await resolver.async_resolve(
            options_.host, std::to_string(options_.port), asio::use_awaitable);
        co_await asio::async_connect(socket_, endpoints, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
        throw ClientError("cannot connect to " + where + ": " + e.code().message());
    }
    socket_.set_option(tcp::no_delay(true));
    mqtt::Connect c;
    c.version = version_;
    c.clean_start = options_.clean;
    c.keep_alive = options_.keepalive;
    c.client_id = options_.client_id;
    c.username = options_.username;
    c.password = options_.password;
    c.will = will_;
    send(c);
    mqtt::Packet p = co_await receive();
    const auto* ack = std::get_if<mqtt::Connack>(&p);
    if (!ack) throw ClientError("the server did not answer CONNECT with CONNACK");
    if (ack->reason != ReasonCode::kSuccess) {
        std::string why = "connection refused: " + describe(ack->reason);
        if (ack->props.reason_string) why += ": " + *ack->props.reason_string;
        throw ClientError(why);
    }
}

asio::awaitable<mqtt::Packet> MqttClient::receive() {
    for (;;) {
        const std::string_view avail(buf_.data(), end_);
        mqtt::FixedHeader fh;
        const auto status = mqtt::parse_fixed_header(avail, fh);
        if (status == mqtt::FrameStatus::kMalformed) {
            throw ClientError("malformed packet from the server");
        }
        if (status == mqtt::FrameStatus::kComplete && fh.packet_size() <= avail.size()) {
            auto r = mqtt::decode(fh.first_byte, avail.substr(fh.header_size, fh.remaining_length),
                                  version_);
            if (!r) {
                throw ClientError(std::string("bad packet from the server: ") + r.error().what +
                                  " (" + describe(r.error().code) + ")");
            }
            const std::size_t size = fh.packet_size();
            std::memmove(buf_.data(), buf_.data() + size, end_ - size);
            end_ -= size;
            co_return std::move(r).value();
        }
        if (status == mqtt::FrameStatus::kComplete && fh.packet_size() > buf_.size()) {
            buf_.resize(fh.packet_size());
        }
        if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
        const std::size_t n = co_await socket_.async_read_some(
            asio::buffer(buf_.data() + end_, buf_.size() - end_), asio::use_awaitable);
        end_ += n;
    }
}

void MqttClient::send(const mqtt::Packet& p) {
    std::string out;
    mqtt::encode(p, version_, out);
    asio::write(socket_, asio::buffer(out));
}

asio::awaitable<mqtt::Packet> MqttClient::receive_until(mqtt::PacketType type, std::uint16_t id) {
    for (;;) {
        mqtt::Packet p = co_await receive();
        if (const auto* r = std::get_if<mqtt::PubResponse>(&p)) {
            if (r->type == type && r->packet_id == id) co_return p;
            continue;
        }
        if (const auto* d = std::get_if<mqtt::Disconnect>(&p)) {
            throw ClientError("disconnected by the server: " + describe(d->reason));
        }
        // Anything else (PINGRESP, a PUBLISH for an overlapping subscription) is not ours.
    }
}

asio::awaitable<void> MqttClient::publish(mqtt::Publish p) {
    if (p.qos != mqtt::QoS::kAtMostOnce) p.packet_id = next_packet_id();
    const std::uint16_t id = p.packet_id;
    const mqtt::QoS qos = p.qos;
    send(p);
    if (qos == mqtt::QoS::kAtLeastOnce) {
        mqtt::Packet ack = co_await receive_until(mqtt::PacketType::kPuback, id);
        const auto& r = std::get<mqtt::PubResponse>(ack);
        if (is_failure(r.reason)) throw ClientError("PUBACK: " + describe(r.reason));
    } else if (qos == mqtt::QoS::kExactlyOnce) {
        mqtt::Packet rec = co_await receive_until(mqtt::PacketType::kPubrec, id);
        const auto& r = std::get<mqtt::PubResponse>(rec);
        if (is_failure(r.reason)) throw ClientError("PUBREC: " + describe(r.reason));
        mqtt::PubResponse rel;
        rel.type = mqtt::PacketType::kPubrel;
        rel.packet_id = id;
        send(rel);
        co_await receive_until(mqtt::PacketType::kPubcomp, id);
    }
}

void MqttClient::disconnect() {
    if (!socket_.is_open()) return;
    boost::system::error_code ignored;
    std::string out;
    mqtt::encode(mqtt::Disconnect{}, version_, out);
    asio::write(socket_, asio::buffer(out), ignored);
    close();
}

void MqttClient::close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

}  // namespace nmq::cli
