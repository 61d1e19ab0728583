#include "mqtt/wire.hpp"

#include <initializer_list>

#include "mqtt/topic.hpp"

namespace nmq::mqtt {

bool read_utf8(WireReader& r, std::string_view& v, Error& err) noexcept {
    if (!r.read_binary(v)) {
        err = malformed("string runs past the end of the packet");
        return false;
    }
    // [MQTT-1.5.4-1] well-formed UTF-8, no surrogates; [MQTT-1.5.4-2] no U+0000.
    if (!is_valid_utf8(v)) {
        err = malformed("invalid UTF-8 string");
        return false;
    }
    return true;
}

// Reason code sets, MQTT 5.0 sections 3.2.2.2, 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1, 3.9.3,
// 3.11.3, 3.14.2.1 and 3.15.2.1. A value outside its packet's set is a Malformed Packet.
namespace {

class ReasonSet {
  public:
    constexpr ReasonSet(std::initializer_list<std::uint8_t> codes) noexcept {
        for (const std::uint8_t c : codes)
            bits_[c >> 6] |= std::uint64_t{1} << (c & 63);
    }
    constexpr bool contains(std::uint8_t c) const noexcept {
        return (bits_[c >> 6] >> (c & 63)) & 1u;
    }

  private:
    std::uint64_t bits_[4] = {};
};

constexpr ReasonSet kConnackReasons{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                    0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                    0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr ReasonSet kPubackReasons{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
constexpr ReasonSet kPubrelReasons{0x00, 0x92};  // also PUBCOMP
constexpr ReasonSet kSubackReasons{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                   0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr ReasonSet kUnsubackReasons{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr ReasonSet kDisconnectReasons{0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                       0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                       0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr ReasonSet kAuthReasons{0x00, 0x18, 0x19};

}  // namespace

bool is_connack_reason(std::uint8_t rc) noexcept {
    return kConnackReasons.contains(rc);
}

bool is_pub_response_reason(PacketType type, std::uint8_t rc) noexcept {
    if (type == PacketType::kPubrel || type == PacketType::kPubcomp) {
        return kPubrelReasons.contains(rc);
    }
    return kPubackReasons.contains(rc);
}

bool is_suback_reason(std::uint8_t rc) noexcept {
    return kSubackReasons.contains(rc);
}
bool is_unsuback_reason(std::uint8_t rc) noexcept {
    return kUnsubackReasons.contains(rc);
}
bool is_disconnect_reason(std::uint8_t rc) noexcept {
    return kDisconnectReasons.contains(rc);
}
bool is_auth_reason(std::uint8_t rc) noexcept {
    return kAuthReasons.contains(rc);
}

}  // namespace nmq::mqtt
