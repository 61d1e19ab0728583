#pragma once
// Encoding and decoding of MQTT 5.0 properties (section 2.2.2), internal to the codec.
#include <cstddef>

#include "core/result.hpp"
#include "mqtt/properties.hpp"
#include "mqtt/wire.hpp"

namespace nmq::mqtt {

// Which packet (or the Will Properties of CONNECT) a property list belongs to: each allows a
// different set of properties (MQTT 5.0 section 2.2.2.2).
enum class PropertyContext : std::uint8_t {
    kConnect,
    kConnack,
    kPublish,
    kWill,
    kPubResponse,  // PUBACK, PUBREC, PUBREL, PUBCOMP
    kSubscribe,
    kSuback,
    kUnsubscribe,
    kUnsuback,
    kDisconnect,
    kAuth,
};

// Reads Property Length and the properties into `out` (which starts empty). Unknown id, id not
// allowed in `ctx`, a length past the end or invalid UTF-8: Malformed Packet. A repeated
// property (other than User Property, and Subscription Identifier in PUBLISH) or a value out of
// range: Protocol Error.
Status decode_properties(WireReader& r, PropertyContext ctx, Properties& out);

// Bytes of the encoded properties, without the Property Length in front.
std::size_t properties_size(const Properties& p) noexcept;

// Property Length and the properties; `size` is properties_size(p).
void write_properties(WireWriter& w, const Properties& p, std::size_t size) noexcept;

// Property Length field plus the properties.
inline std::size_t properties_field_size(std::size_t size) noexcept {
    return varint_size(static_cast<std::uint32_t>(size)) + size;
}

}  // namespace nmq::mqtt
