#include "app/bridge_queue_store.hpp"

#include "broker/persistence.hpp"

namespace nmq::app {

SqliteBridgeQueue::SqliteBridgeQueue(store::SqliteStore& store, std::string bridge)
    : store_(store), bridge_(std::move(bridge)) {}

void SqliteBridgeQueue::stored(const bridge::Outbound& m) {
    if (!m.msg) return;
    store_.put_bridge_message(bridge_, m.seq, m.msg, static_cast<std::uint8_t>(m.qos), m.retain);
}

void SqliteBridgeQueue::released(std::uint64_t seq) {
    store_.delete_bridge_message(bridge_, seq);
}

std::vector<bridge::Outbound> SqliteBridgeQueue::load() {
    std::vector<bridge::Outbound> out;
    for (auto& row : store_.bridge_queue(bridge_)) {
        auto msg = broker::from_stored(row.message);
        if (!msg) {  // [MQTT-3.3.2-5] its Message Expiry Interval ran out while stored
            released(row.seq);
            continue;
        }
        bridge::Outbound o;
        o.msg = std::move(msg);
        o.qos = static_cast<mqtt::QoS>(row.qos > 2 ? 2 : row.qos);
        o.retain = row.retain;
        o.seq = row.seq;
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace nmq::app
