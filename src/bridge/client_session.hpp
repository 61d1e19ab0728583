#pragma once
// ClientSession: the client side of MQTT 3.1, 3.1.1 and 5.0 for one bridge, on the project's
// codec and session pieces, without I/O: bytes and time in; packets written to a Wire and
// events out. It survives reconnects: what is queued or in flight to the remote stays in its
// OutboundQueue and goes out again on the next connection.
//
//   link up   -> CONNECT
//   CONNACK   -> SUBSCRIBE (every connection), unacknowledged flows again (DUP, same packet
//                ids) or, when the remote lost our session, queued again as new; then the
//                queue drains as the remote's Receive Maximum allows.
//   PUBLISH   -> Events::on_message, then PUBACK / PUBREC (QoS 2 delivered once, method B)
//
// THREADING WARNING: used only on its bridge's worker thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bridge/outbound_queue.hpp"
#include "core/reason_code.hpp"
#include "mqtt/codec.hpp"
#include "session/keep_alive.hpp"
#include "session/packet_ids.hpp"
#include "session/topic_alias.hpp"

namespace nmq::bridge {

using Clock = std::chrono::steady_clock;

// Where the session writes: the link to the remote.
class Wire {
  public:
    virtual ~Wire() = default;
    virtual std::string& output() = 0;  // encoders append whole packets
    virtual void flush() = 0;           // write output() soon
    virtual bool writable() const = 0;  // false while the unwritten backlog is too large
};

struct ClientOptions {
    mqtt::Version version = mqtt::Version::kV311;
    std::string client_id;
    std::uint16_t keep_alive = 60;  // seconds; 0: no keep alive
    bool clean_start = false;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::optional<mqtt::Will> will;
    mqtt::Properties connect_props;  // 5.0
    std::vector<mqtt::TopicSubscription> subscriptions;
    mqtt::Properties subscribe_props;  // 5.0
    std::uint16_t max_inflight = 1024;
    std::size_t max_queue = 16384;
    std::uint64_t max_queue_bytes = 64ull * 1024 * 1024;
    std::chrono::milliseconds connect_timeout{10'000};  // from link up to CONNACK
};

class ClientSession {
  public:
    class Events {
      public:
        virtual ~Events() = default;
        // CONNACK accepted; `resent` flows repeated, `requeued` sent again as new messages.
        virtual void on_connected(bool session_present, std::size_t resent,
                                  std::size_t requeued) = 0;
        // CONNACK refused (the link is then closed).
        virtual void on_refused(ReasonCode reason, const std::string& reason_string) = 0;
        // A SUBACK answered subscription `index` of ClientOptions::subscriptions.
        virtual void on_subscribed(std::size_t index, ReasonCode granted) = 0;
        // An application message from the remote, before it is acknowledged.
        virtual void on_message(mqtt::Publish&& p) = 0;
        // Messages given up: the queue was full, QoS 0 while offline, larger than the remote
        // accepts, or refused by the remote (PUBACK/PUBREC failure code). `topic` is the
        // remote topic of the first of them.
        virtual void on_dropped(std::size_t count, std::string_view topic, const char* why) = 0;
    };

    enum class State : std::uint8_t { kOffline, kAwaitConnack, kConnected };

    ClientSession(ClientOptions options, Events& events, QueueStore* store = nullptr);

    // The link is up: CONNECT goes out on `wire`, which stays in use until link_down().
    void link_up(Wire& wire, Clock::time_point now);
    // Bytes read from the link. False when the link must be closed; error() says why.
    bool on_bytes(std::string_view data);
    // The link is gone. Queued and unacknowledged messages are kept; QoS 0 ones are dropped.
    void link_down();
    // A message for the remote: sent now if the window and the link allow, queued otherwise.
    // False when it was dropped (on_dropped has been called).
    bool publish(Outbound m);
    // Sends what waits, as far as the window and the link allow (the link drained).
    void pump();
    // Keep alive and the CONNACK timeout; call a few times a second. False when the link is
    // dead and must be closed (error() says why).
    bool tick(Clock::time_point now);
    // Orderly end of a connection: DISCONNECT (normal disconnection).
    void disconnect();
    // Once the link is down for good: everything still owed, in order, for a successor
    // session (OutboundQueue::take_all, left in the store). This session is finished after it.
    std::vector<Outbound> take_owed() { return queue_.take_all(); }

    State state() const noexcept { return state_; }
    bool connected() const noexcept { return state_ == State::kConnected; }
    const std::string& error() const noexcept { return error_; }
    const OutboundQueue& queue() const noexcept { return queue_; }
    // Persistence of the queue (OutboundQueue::attach_store), before the first message.
    std::size_t attach_queue_store(QueueStore* store, const std::function<bool(Outbound&)>& adopt) {
        return queue_.attach_store(store, adopt);
    }
    // Before the first message: `owed`, what a predecessor owed (take_owed), queued in order
    // under their seqs, and `store` (may be null), which holds them already.
    void take_over(std::vector<Outbound> owed, QueueStore* store) {
        queue_.use_store(store);
        for (auto& m : owed)
            queue_.push_adopted(std::move(m));
    }
    mqtt::Version version() const noexcept { return options_.version; }
    // Messages sent for the first time, and repeated after a reconnect (with DUP to a remote
    // that kept our session, as new messages to one that lost it).
    std::uint64_t sent() const noexcept { return sent_; }
    std::uint64_t resent() const noexcept { return resent_; }
    // The window: the remote's Receive Maximum and ours, whichever is smaller.
    std::uint16_t window() const noexcept { return window_; }

  private:
    bool handle(const mqtt::FixedHeader& h, std::string_view body);
    bool handle_connack(std::uint8_t flags, std::string_view body);
    bool handle_publish(std::uint8_t flags, std::string_view body);
    bool handle_pub_response(const mqtt::FixedHeader& h, std::string_view body);
    bool handle_suback(std::uint8_t flags, std::string_view body);
    bool fail(ReasonCode reason, std::string why);
    void send_subscribe();
    // Writes one PUBLISH; false when it is larger than the remote accepts.
    bool write_publish(const Outbound& m, std::uint16_t id, bool dup);
    template <class P>
    void send(const P& packet);
    bool window_open() const noexcept { return queue_.inflight() < window_; }

    ClientOptions options_;
    Events& events_;
    OutboundQueue queue_;
    Wire* wire_ = nullptr;
    State state_ = State::kOffline;
    std::string error_;
    std::string in_;  // an incomplete packet carried over between reads
    session::PacketIds ids_;
    std::uint16_t subscribe_id_ = 0;                  // SUBSCRIBE awaiting SUBACK
    std::unordered_set<std::uint16_t> inbound_qos2_;  // PUBREC sent, PUBREL not yet received
    session::InboundAliases in_aliases_;
    std::optional<session::OutboundAliases> out_aliases_;

    // Limits the remote announced in CONNACK (5.0).
    std::uint16_t window_ = 1;
    mqtt::QoS max_qos_ = mqtt::QoS::kExactlyOnce;
    bool retain_available_ = true;
    std::uint32_t max_packet_size_ = 0;  // 0: no limit
    std::uint32_t max_inbound_packet_ = mqtt::kMaxPacketSize;
    std::uint16_t keep_alive_ = 0;

    // Keep alive: the flags are set per packet, the clock is read in tick().
    Clock::time_point link_up_at_{};
    Clock::time_point last_sent_{};
    Clock::time_point last_received_{};
    bool wrote_ = false;
    bool read_ = false;
    bool ping_outstanding_ = false;

    std::uint64_t sent_ = 0;
    std::uint64_t resent_ = 0;
};

}  // namespace nmq::bridge
