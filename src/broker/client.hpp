#pragma once
// Client: the MQTT protocol of one network connection, server side. Takes whole packets from
// its Transport, answers them, and binds to a Session after CONNECT. Keep-alive, topic aliases
// and the client's limits (receive maximum, maximum packet size) belong to the connection,
// not the session.
//
// THREADING WARNING: owned by its net connection and touched only by that connection's worker.
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/auth.hpp"
#include "broker/message.hpp"
#include "broker/session.hpp"
#include "broker/transport.hpp"
#include "mqtt/codec.hpp"
#include "session/keep_alive.hpp"
#include "session/topic_alias.hpp"

namespace nmq::broker {

class Worker;

class Client {
  public:
    Client(Worker& worker, Transport& transport);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Handles one whole packet. After it, stopped() tells whether to stop reading (closing
    // or migrating to another worker).
    void on_packet(const mqtt::FixedHeader& header, std::string_view body);
    // A framing error found by the transport (bad Remaining Length, packet too large).
    void on_frame_error(ReasonCode reason);
    // The network connection is gone (peer closed, error, or after our own close()).
    void on_closed();
    // Periodic check from the worker: keep-alive and the CONNECT timeout.
    void tick(Clock::time_point now);

    bool stopped() const noexcept {
        return state_ == State::kClosing || state_ == State::kMigrating;
    }
    bool connected() const noexcept { return state_ == State::kConnected; }
    Transport& transport() noexcept { return transport_; }
    Session* session() noexcept { return session_; }
    mqtt::Version version() const noexcept { return version_; }
    std::uint16_t keep_alive() const noexcept { return keep_alive_; }

    // Session -> wire. Returns false when the packet would exceed the client's Maximum
    // Packet Size [MQTT-3.1.2-25] (the message is then dropped by the caller).
    bool send_publish(const Outgoing& out, std::uint16_t packet_id, bool dup);
    void send_pubrel(std::uint16_t packet_id, ReasonCode reason = ReasonCode::kSuccess);
    std::uint16_t receive_maximum() const noexcept { return receive_maximum_; }

    // Ends the connection: 5.0 clients get DISCONNECT with `reason` first (server-initiated
    // DISCONNECT, section 3.14). `will` says whether the will is published.
    void disconnect(ReasonCode reason, const char* why, bool publish_will = true);
    // Session taken over by another connection [MQTT-3.1.4-3].
    void taken_over(bool session_continues);

  private:
    enum class State : std::uint8_t { kAwaitConnect, kConnected, kClosing, kMigrating };

    void handle_connect(std::uint8_t flags, std::string_view body);
    void handle_publish(std::uint8_t flags, std::string_view body);
    void handle_pub_response(const mqtt::FixedHeader& h, std::string_view body);
    void handle_subscribe(std::uint8_t flags, std::string_view body);
    void handle_unsubscribe(std::uint8_t flags, std::string_view body);
    void handle_disconnect(std::uint8_t flags, std::string_view body);
    void refuse_connect(ReasonCode reason, mqtt::Version version, const char* why);
    auth::Identity identity() const;
    // Logs an ACL refusal; with deny_action = disconnect also ends the connection (true).
    bool acl_denied(auth::Action action, std::string_view topic, const auth::Verdict& v);
    void refuse_publish(mqtt::QoS qos, std::uint16_t packet_id, std::string_view topic,
                        const auth::Verdict& v);
    void protocol_violation(const Error& e);
    void send_connack(bool session_present, const std::string* assigned_id);
    void send_retained(const std::string& filter, const mqtt::SubscribeOptions& options,
                       std::uint32_t subscription_id);
    struct RetainedRequest {
        std::string filter;
        mqtt::SubscribeOptions options;
        std::uint32_t subscription_id;
    };
    // Sends `ack` and the retained messages `retained` asks for, once every worker routes by
    // the new subscriptions (Worker::after_subscriptions_settle), if this connection still
    // holds the session then.
    template <class Ack>
    void send_when_settled(Ack ack, std::vector<RetainedRequest> retained);
    // Persistence on: sends `ack` once what this PUBLISH caused is stored
    // (Worker::after_stored), if this connection still holds the session then.
    template <class Ack>
    void send_when_stored(Ack ack);
    void detach(bool publish_will);
    template <class P>
    void send(const P& packet);

    Worker& worker_;
    Transport& transport_;
    Session* session_ = nullptr;
    State state_ = State::kAwaitConnect;
    mqtt::Version version_ = mqtt::Version::kV311;
    std::uint16_t keep_alive_ = 0;
    session::KeepAlive keep_alive_timer_;
    session::InboundAliases in_aliases_;
    session::OutboundAliases out_aliases_;
    std::uint16_t receive_maximum_ = 65535;  // the client's, for our PUBLISHes
    std::uint32_t max_packet_size_ = 0;      // the client's; 0: no limit
    bool request_problem_information_ = true;
    bool server_keep_alive_ = false;                  // CONNACK carries Server Keep Alive
    bool will_cleared_ = false;                       // normal DISCONNECT: no will
    ReasonCode close_reason_ = ReasonCode::kSuccess;  // for $SYS/brokers/disconnected
};

}  // namespace nmq::broker
