#pragma once
// Between broker messages and their stored form: the 5.0 properties as their wire block, the
// expiry as a wall-clock time (steady clocks do not survive a restart).
#include <cstdint>
#include <memory>

#include "broker/message.hpp"
#include "broker/store.hpp"
#include "mqtt/packets.hpp"

namespace nmq::broker {

// Wall clock, ms since the epoch.
std::int64_t wall_ms();

StoredMessage to_stored(const Message& m);

// The message again, its expiry counted from `now`; null when it has expired meanwhile or its
// properties cannot be read.
MessagePtr from_stored(const StoredMessage& m);

// A will as stored (StoredWill::message): its Will Properties as their wire block.
StoredMessage will_to_stored(const mqtt::Will& w);
// The will again; null when its properties cannot be read.
std::unique_ptr<mqtt::Will> will_from_stored(const StoredMessage& m);

}  // namespace nmq::broker
