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

namespace {
std::string property_block(const mqtt::Properties& p) {
    std::size_t size = mqtt::properties_size(p);
    std::string out(mqtt::varint_size(static_cast<std::uint32_t>(size)) + size, '\0');
    mqtt::WireWriter w(out.data(), out.data() + out.size());
    mqtt::write_properties(w, p, size);
    return out;
}
}  // namespace

StoredMessage to_stored(const Message& m) {
    StoredMessage s;
    s.id = m.store_id;
    s.topic = m.topic;
    s.payload = m.payload;
    s.qos = static_cast<std::uint8_t>(m.qos);
    s.retain = m.retain;
    if (m.props) {
        s.properties = property_block(*m.props);
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

StoredMessage will_to_stored(const mqtt::Will& w) {
    StoredMessage s;
    s.topic = w.topic;
    s.payload = w.payload;
    s.qos = static_cast<std::uint8_t>(w.qos);
    s.retain = w.retain;
    if (!w.props.empty()) s.properties = property_block(w.props);
    return s;
}

std::unique_ptr<mqtt::Will> will_from_stored(const StoredMessage& s) {
    auto w = std::make_unique<mqtt::Will>();
    w->topic = s.topic;
    w->payload = s.payload;
    w->qos = static_cast<mqtt::QoS>(s.qos > 2 ? 2 : s.qos);
    w->retain = s.retain;
    if (!s.properties.empty()) {
        mqtt::WireReader r(s.properties);
        if (!mqtt::decode_properties(r, mqtt::PropertyContext::kWill, w->props)) return nullptr;
    }
    return w;
}

}  // namespace nmq::broker
