#pragma once
// What the broker asks of persistence (implemented in src/store/ on SQLite). Workers hand
// records over with cheap calls from their own threads; the store writes them in the order
// given, in batches, on a thread of its own, and says when they are durable (sync), so that an
// acknowledgement is never sent for something a crash would lose.
//
// THREADING: every call may come from any worker; an implementation serialises them.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/message.hpp"
#include "mqtt/packets.hpp"

namespace nmq::broker {

// An application message as stored: enough to deliver it again after a restart.
struct StoredMessage {
    std::uint64_t id = 0;  // unique for the store's life (see Store::next_message_id)
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string properties;          // the 5.0 property block as on the wire; "" when none
    std::int64_t expires_at_ms = 0;  // wall clock (ms since the epoch); 0: never
    bool operator==(const StoredMessage&) const = default;
};

struct StoredSession {
    std::string client_id;
    std::string username;
    std::uint8_t version = 4;             // protocol level
    std::uint32_t expiry_interval = 0;    // seconds; 0xFFFFFFFF never
    std::int64_t disconnected_at_ms = 0;  // wall clock; 0 while connected
    bool operator==(const StoredSession&) const = default;
};

struct StoredSubscription {
    std::string client_id;
    std::string filter;
    std::uint8_t options = 0;  // the SUBSCRIBE options byte (QoS, NL, RAP, RH)
    std::uint32_t subscription_id = 0;
    bool operator==(const StoredSubscription&) const = default;
};

// One message owed to one session.
struct StoredDelivery {
    enum State : std::uint8_t { kQueued = 0, kSent = 1, kPubrecReceived = 2 };
    std::string client_id;
    std::uint64_t message_id = 0;
    std::uint8_t qos = 1;  // delivered QoS
    State state = kQueued;
    std::uint16_t packet_id = 0;  // kSent, kPubrecReceived
    bool operator==(const StoredDelivery&) const = default;
};

// The will of an offline session, waiting out its Will Delay Interval [MQTT-3.1.3-9]: published
// at due_at_ms, or when the session ends first, unless the client comes back before.
struct StoredWill {
    std::string client_id;
    // The will as a message: topic, payload, QoS, retain, and its Will Properties as on the
    // wire (decoded as Will Properties, not PUBLISH ones); id and expires_at_ms unused.
    StoredMessage message;
    std::int64_t due_at_ms = 0;  // wall clock (ms since the epoch)
    bool operator==(const StoredWill&) const = default;
};

// Everything read back at start-up, before any connection is accepted.
struct Restored {
    std::vector<StoredSession> sessions;
    std::vector<StoredSubscription> subscriptions;
    std::vector<StoredMessage> messages;     // those that deliveries refer to
    std::vector<StoredDelivery> deliveries;  // per session, in the order they were owed
    std::vector<StoredMessage> retained;
    std::vector<std::pair<std::string, std::uint16_t>> inbound_qos2;  // client id, packet id
    std::vector<StoredWill> wills;
};

class Store {
  public:
    virtual ~Store() = default;

    virtual std::uint64_t next_message_id() = 0;

    virtual void put_session(const StoredSession& s) = 0;
    // The session, its subscriptions, deliveries and QoS 2 state.
    virtual void delete_session(std::string_view client_id) = 0;
    virtual void put_subscription(const StoredSubscription& s) = 0;
    virtual void delete_subscription(std::string_view client_id, std::string_view filter) = 0;

    // A message is stored with its first delivery or as a retained message (by its
    // Message::store_id; later ones are ignored) and removed when no delivery and no retained
    // entry refers to it any more. The store encodes it on its own thread.
    virtual void put_delivery(const StoredDelivery& d, MessagePtr msg) = 0;
    virtual void update_delivery(const StoredDelivery& d) = 0;  // state and packet id
    virtual void delete_delivery(std::string_view client_id, std::uint64_t message_id) = 0;

    virtual void put_retained(MessagePtr msg) = 0;  // replaces the topic's message
    virtual void delete_retained(std::string_view topic) = 0;

    virtual void put_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) = 0;
    virtual void delete_inbound_qos2(std::string_view client_id, std::uint16_t packet_id) = 0;

    // A delayed will became pending (its client's connection ended), due at `due_at_ms` (wall
    // clock); one per session, replacing any earlier one. delete_will: it was published or
    // cancelled by a reconnect. delete_session removes it too.
    virtual void put_will(std::string_view client_id, const mqtt::Will& will,
                          std::int64_t due_at_ms) = 0;
    virtual void delete_will(std::string_view client_id) = 0;

    // Calls `done` on the store's thread once everything handed over before this call is
    // durable as the configured policy says.
    virtual void sync(std::function<void()> done) = 0;

    // Records handed over and not yet written: the broker slows its publishers down when this
    // grows (back-pressure) rather than acknowledge what it cannot keep.
    virtual std::size_t backlog() const = 0;

    virtual Restored restore() = 0;
};

}  // namespace nmq::broker
