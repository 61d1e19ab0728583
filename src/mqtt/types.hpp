#pragma once
#include <cstdint>

namespace nmq::mqtt {

// Protocol Level byte of CONNECT: 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = 5.0.
enum class Version : std::uint8_t { kV31 = 3, kV311 = 4, kV5 = 5 };

enum class PacketType : std::uint8_t {
    kConnect = 1,
    kConnack = 2,
    kPublish = 3,
    kPuback = 4,
    kPubrec = 5,
    kPubrel = 6,
    kPubcomp = 7,
    kSubscribe = 8,
    kSuback = 9,
    kUnsubscribe = 10,
    kUnsuback = 11,
    kPingreq = 12,
    kPingresp = 13,
    kDisconnect = 14,
    kAuth = 15,
};

enum class QoS : std::uint8_t { kAtMostOnce = 0, kAtLeastOnce = 1, kExactlyOnce = 2 };

constexpr std::uint32_t kMaxRemainingLength = 268'435'455;  // 4-byte variable byte integer
constexpr std::uint32_t kMaxPacketSize = kMaxRemainingLength + 5;

}  // namespace nmq::mqtt
