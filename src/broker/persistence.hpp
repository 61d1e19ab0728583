#pragma once
// Between broker messages and their stored form: the 5.0 properties as their wire block, the
// expiry as a wall-clock time (steady clocks do not survive a restart).
#include <cstdint>

#include "broker/message.hpp"
#include "broker/store.hpp"

namespace nmq::broker {

// Wall clock, ms since the epoch.
std::int64_t wall_ms();

StoredMessage to_stored(const Message& m);

// The message again, its expiry counted from `now`; null when it has expired meanwhile or its
// properties cannot be read.
MessagePtr from_stored(const StoredMessage& m);

}  // namespace nmq::broker
