#pragma once
// Sink: a subscriber inside the broker rather than a network session, such as a bridge's
// forwards. It is registered on one worker (Worker::add_sink) and subscribes like a session of
// that worker, so routing reaches it by the same per-worker trie replicas and cross-worker
// hand-over as any delivery; a message that matches no sink costs nothing more.
//
// THREADING WARNING: deliver() runs on the thread of the worker the sink is registered on.
#include "broker/session.hpp"

namespace nmq::broker {

class Sink {
  public:
    virtual ~Sink() = default;
    // A message matched one of the sink's subscriptions. `out.qos` is the message's QoS
    // capped by the subscription's, `out.retain` follows Retain As Published.
    virtual void deliver(Outgoing&& out) = 0;
};

}  // namespace nmq::broker
