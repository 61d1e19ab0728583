#include "broker/persistence.hpp"

#include <chrono>

#include "mqtt/property_codec.hpp"
#include "mqtt/wire.hpp"

namespace nmq::broker {

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

StoredMessage to_stored(const Message& m) {
    StoredMessage s;
    s.id = m.store_id;
    s.topic = m.topic;
    s.payload = m.payload;
    s.qos = static_cast<std::uint8_t>(m.qos);
    s.retain = m.retain;
    if (m.props) {
        std::size_t size = mqtt::properties_size(*m.props);
        s.properties.resize(mqtt::varint_size(static_cast<std::uint32_t>(size)) + size);
        mqtt::WireWriter w(s.properties.data(), s.properties.data() + s.properties.size());
        mqtt::write_properties(w, *m.props, size);
        if (m.props->message_expiry_interval) {
            auto arrived = m.received_wall_ms != 0 ? m.received_wall_ms : wall_ms();
            s.expires_at_ms =
                arrived + static_cast<std::int64_t>(*m.props->message_expiry_interval) * 1000;
        }
    }
    return s;
}

MessagePtr from_stored(const StoredMessage& s) {
    auto m = std::make_shared<Message>();
    m->topic = s.topic;
    m->payload = s.payload;
    m->qos = static_cast<mqtt::QoS>(s.qos > 2 ? 2 : s.qos);
    m->retain = s.retain;
    m->store_id = s.id;
    if (!s.properties.empty()) {
        auto props = std::make_unique<mqtt::Properties>();
        mqtt::WireReader r(s.properties);
        if (!mqtt::decode_properties(r, mqtt::PropertyContext::kPublish, *props)) return nullptr;
        if (s.expires_at_ms != 0) {
            // The interval left is what remains of it now; received is now.
            auto left_ms = s.expires_at_ms - wall_ms();
            if (left_ms <= 0) return nullptr;
            props->message_expiry_interval = static_cast<std::uint32_t>((left_ms + 999) / 1000);
            m->received = Clock::now();
            m->received_wall_ms = wall_ms();
        }
        if (!props->empty()) m->props = std::move(props);
    }
    return m;
}

}  // namespace nmq::broker
