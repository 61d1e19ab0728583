#pragma once
// NanoMQ's client event messages: $SYS/brokers/connected and $SYS/brokers/disconnected, with
// NanoMQ's JSON payloads (same keys, same order). Broker-generated: counted nowhere.
#include <string>

#include "core/reason_code.hpp"

namespace nmq::broker {

class Worker;
class Session;

void sys_connected(Worker& worker, const Session& s, const std::string& address);
void sys_disconnected(Worker& worker, const Session& s, ReasonCode reason);

}  // namespace nmq::broker
