#pragma once
// OutboundQueue: what a bridge owes its remote broker, in order. Messages wait in a bounded
// line (messages and bytes) while the link is down or the remote's receive maximum is reached;
// QoS 1/2 messages then stay "in flight" under their packet id until the remote acknowledges
// them (PUBACK, or PUBREC then PUBCOMP), so that a dropped link or a restarted remote loses
// none of them: they are sent again on the next connection.
//
// QueueStore is where persistence keeps the same messages across our own restarts (on SQLite:
// app/bridge_queue_store.hpp): the queue tells it what it accepts and what is finished. A QoS 2
// message stays stored until PUBCOMP; after a restart it is sent again as a new message, so
// one the remote had already received (PUBREC) may arrive twice: at least once, never lost.
//
// THREADING WARNING: used only on its bridge's worker thread.
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/message.hpp"

namespace nmq::bridge {

// One message for the remote.
struct Outbound {
    broker::MessagePtr msg;  // the local message: payload, 5.0 properties (shared, immutable)
    std::string topic;       // the topic at the remote
    mqtt::QoS qos = mqtt::QoS::kAtMostOnce;
    bool retain = false;
    std::uint64_t seq = 0;  // arrival order, given by the queue
    bool again = false;     // sent before, to a remote that lost our session: a repeat

    std::size_t bytes() const noexcept { return topic.size() + (msg ? msg->payload.size() : 0); }
};

// Persistence of QoS 1/2 messages owed to the remote (issue 7 puts SQLite behind it).
// Called on the bridge's worker thread; implementations must not block it.
class QueueStore {
  public:
    virtual ~QueueStore() = default;
    // A QoS 1/2 message was accepted and must survive a restart until released.
    virtual void stored(const Outbound& m) = 0;
    // The message with this seq is finished: acknowledged by the remote, or dropped.
    virtual void released(std::uint64_t seq) = 0;
    // At start-up: what is still owed, in seq order (queued again before anything new).
    virtual std::vector<Outbound> load() = 0;
};

class OutboundQueue {
  public:
    enum class Flow : std::uint8_t { kAwaitPuback, kAwaitPubrec, kAwaitPubcomp };

    OutboundQueue(std::size_t max_messages, std::uint64_t max_bytes, QueueStore* store = nullptr);

    // Persistence from here on; call before the first message. What `store` still holds goes
    // to the front of the line in seq order, and new seqs continue above every stored one.
    // `adopt` (when given) prepares each loaded message (its remote topic); false drops it,
    // and it is released from the store. Returns how many were queued.
    std::size_t attach_store(QueueStore* store,
                             const std::function<bool(Outbound&)>& adopt = nullptr);
    // The same store without loading it: its rows are the ones a predecessor handed over
    // (take_all, push_adopted), already in this queue.
    void use_store(QueueStore* store) noexcept { store_ = store; }

    // Accepts `m` at the back of the line; false when the line is full (`m` is then left as
    // it was, for the caller to count as dropped).
    bool push(Outbound&& m);
    // Puts back at the front a message taken with pop() that could not be sent after all.
    void push_front(Outbound m);
    bool has_waiting() const noexcept { return !waiting_.empty(); }
    const Outbound& front() const { return waiting_.front(); }
    Outbound pop();

    // A QoS 1/2 PUBLISH went out under `id` (popped from the line, or sent at once: then it
    // gets its seq here).
    void sent(std::uint16_t id, Outbound m);
    // PUBACK (QoS 1) or PUBCOMP (QoS 2) ends the flow. False when `id` is not a flow in that
    // state (a duplicate or stray acknowledgement).
    bool complete(std::uint16_t id, bool pubcomp);
    // PUBREC: the remote has the message; the flow waits for PUBCOMP. False when unknown.
    bool received(std::uint16_t id);
    // A PUBACK or PUBREC with a failure reason code: the remote refused the message for good.
    // Returns it (for the log), the flow is over.
    Outbound refused(std::uint16_t id);
    bool in_flight(std::uint16_t id) const { return inflight_.count(id) > 0; }

    struct Resend {
        std::uint16_t id;
        Flow flow;
        const Outbound* m;  // the PUBLISH to repeat (kAwaitPubcomp: PUBREL only)
    };
    // Every open flow in the order it was first sent [MQTT-4.6.0-1].
    std::vector<Resend> inflight_in_order() const;
    // The remote no longer has our session: flows that still need their PUBLISH go back to
    // the front of the line, in order; flows whose message it already has (waiting for
    // PUBCOMP) are over. Returns the packet ids given up.
    std::vector<std::uint16_t> requeue_inflight();
    // A message taken with pop() that will not be sent (it expired): finished for the store.
    void release_expired(const Outbound& m) { release(m); }
    // Drops the QoS 0 messages waiting (the link went down); returns how many.
    std::size_t drop_qos0();
    // Empties the queue for a successor (the bridge restarts with new settings): what is owed,
    // in order (unacknowledged flows first, as requeue_inflight() puts them), with their seqs,
    // left in the store as they are: the successor takes them over with push_adopted().
    // Flows waiting only for PUBCOMP are over (the remote has the message).
    std::vector<Outbound> take_all();
    // A message a predecessor owed (take_all), at the back of the line, outside the bounds
    // (it was accepted already) and under its own seq, which the store already holds.
    void push_adopted(Outbound&& m);

    std::size_t waiting() const noexcept { return waiting_.size(); }
    std::size_t inflight() const noexcept { return inflight_.size(); }
    std::uint64_t waiting_bytes() const noexcept { return bytes_; }

  private:
    struct Entry {
        Outbound m;
        Flow flow;
    };
    void release(const Outbound& m);

    std::size_t max_messages_;
    std::uint64_t max_bytes_;
    QueueStore* store_;
    std::deque<Outbound> waiting_;
    std::uint64_t bytes_ = 0;
    std::unordered_map<std::uint16_t, Entry> inflight_;
    std::uint64_t next_seq_ = 1;
};

}  // namespace nmq::bridge
