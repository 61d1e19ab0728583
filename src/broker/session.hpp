#pragma once
// Session: the state that outlives a network connection [MQTT-4.1.0-?]: subscriptions, QoS 1/2
// messages in flight and queued, QoS 2 packet ids awaiting PUBREL, the will, expiry. It lives
// on its client id's home worker for its whole life (Broker::home_of), so takeover and
// delivery need no lock.
//
// THREADING WARNING: owned and touched only by its home worker.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker/message.hpp"
#include "mqtt/packets.hpp"

namespace nmq::broker {

class Client;
class Worker;

struct SubscriptionEntry {
    mqtt::SubscribeOptions options;
    std::uint32_t subscription_id = 0;
};

// One message on its way to this session.
struct Outgoing {
    MessagePtr msg;
    mqtt::QoS qos = mqtt::QoS::kAtMostOnce;  // delivered QoS: min(published, granted)
    bool retain = false;                     // RETAIN flag as sent
    std::vector<std::uint32_t> subscription_ids;
    bool stored = false;  // a delivery row exists in the persistent store
};

class Session {
  public:
    Session(Worker& worker, SessionId id, std::string client_id);
    ~Session();

    Worker& worker;
    const SessionId id;
    const std::string client_id;
    std::string username;
    std::string address;  // of the last connection, "host:port"
    mqtt::Version version = mqtt::Version::kV311;
    std::uint32_t expiry_interval = 0;  // seconds; 0xFFFFFFFF never expires
    std::uint16_t keep_alive = 0;
    Client* client = nullptr;      // the connected client, or null while offline
    std::uint64_t generation = 0;  // counts connections, to recognise the current one later

    std::map<std::string, SubscriptionEntry, std::less<>> subscriptions;  // filter -> options
    // Boxed: mqtt::Properties is large and most sessions have no will.
    std::unique_ptr<mqtt::Will> will;
    Clock::time_point disconnected_at{};
    std::optional<Clock::time_point> will_due;  // delayed will [MQTT-3.1.3-9]
    std::uint64_t delivered = 0;                // messages sent to this client (API req 5)
    bool in_store = false;                      // written to the persistent store

    // A message routed to this session: sent now, queued, or dropped (counted) as the
    // receive window, the queue bound and the client's limits decide.
    void deliver(Outgoing&& out);

    // Sends what the window allows from the queue (after an acknowledgement or a reconnect).
    void pump();

    // Re-sends every unacknowledged PUBLISH (DUP set) and PUBREL in their original order, with
    // their original packet ids [MQTT-4.4.0-1]. Called when a client resumes the session.
    void resend_inflight();

    // Outbound acknowledgements from the client.
    void on_puback(std::uint16_t id);
    // Returns false when `id` is unknown (the PUBREL then carries 0x92 in 5.0).
    bool on_pubrec(std::uint16_t id, bool failed);
    void on_pubcomp(std::uint16_t id);

    // Inbound QoS 2 packet ids awaiting PUBREL [MQTT-4.3.3-?].
    std::unordered_set<std::uint16_t> inbound_qos2;

    std::size_t queued() const noexcept { return flows_ ? flows_->queue.size() : 0; }
    std::size_t inflight() const noexcept { return flows_ ? flows_->inflight.size() : 0; }
    // Drops every queued and in-flight message (session discarded).
    void clear_messages();

    // Kept in the persistent store (persistence on, and the session outlives its connection).
    bool persistent() const noexcept;
    // Start-up: a message owed to this session, read back from the store. kQueued goes to the
    // queue; kSent and kPubrecReceived become in-flight flows with their packet id again, so
    // they are re-sent (DUP) or released on resume [MQTT-4.4.0-1].
    void restore_owed(Outgoing out, std::uint8_t state, std::uint16_t packet_id);

  private:
    enum class FlowState : std::uint8_t { kAwaitPuback, kAwaitPubrec, kAwaitPubcomp };
    struct Inflight {
        Outgoing out;
        FlowState state;
        std::uint64_t seq;           // send order, for re-sending in order
        std::uint64_t store_id = 0;  // the message's id in the store, when out.stored
    };
    // Persistence of one owed message (no-ops unless out.stored or the session persistent).
    void store_owed(Outgoing& out, std::uint8_t state, std::uint16_t packet_id);
    void forget_owed(const Outgoing& out);
    void forget_owed(std::uint64_t store_id);
    bool window_open() const noexcept;
    bool send_new(Outgoing& out);  // assigns a packet id for QoS > 0; false: could not send
    void queue_or_drop(Outgoing&& out);

    // Outbound QoS 1/2 state, allocated while a flow is open or a message waits, and freed
    // when the session is idle again: most sessions of an idle broker hold none.
    struct Flows {
        std::unordered_map<std::uint16_t, Inflight> inflight;  // packet id -> flow
        std::deque<Outgoing> queue;
        std::uint16_t last_id = 0;
        std::uint64_t next_seq = 0;
        // A Packet Identifier that is non-zero [MQTT-2.2.1-3] and not in use by an open flow
        // [MQTT-2.2.1-2]; 0 when all 65535 are.
        std::uint16_t acquire_id() {
            if (inflight.size() >= 65535) return 0;
            do {
                last_id = static_cast<std::uint16_t>(last_id == 65535 ? 1 : last_id + 1);
            } while (inflight.count(last_id));
            return last_id;
        }
    };
    Flows& flows() {
        if (!flows_) flows_ = std::make_unique<Flows>();
        return *flows_;
    }
    void release_flows_if_idle() noexcept {
        if (flows_ && flows_->inflight.empty() && flows_->queue.empty()) flows_.reset();
    }
    std::unique_ptr<Flows> flows_;
};

}  // namespace nmq::broker
