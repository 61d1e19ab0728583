#pragma once
// PUBACK, PUBREC, PUBREL and PUBCOMP encoded once by the codec, then copied with the packet id
// patched in: the hot paths of the load generator and the sink never call the encoder.
#include <cstdint>
#include <string>

#include "mqtt/types.hpp"

namespace nmq::cli {

class AckTemplates {
  public:
    explicit AckTemplates(mqtt::Version version);
    // Appends the acknowledgement of `type` for `packet_id` to `out`.
    void append(mqtt::PacketType type, std::uint16_t packet_id, std::string& out) const {
        const std::string& t =
            forms_[static_cast<int>(type) - static_cast<int>(mqtt::PacketType::kPuback)];
        const std::size_t at = out.size();
        out.append(t);
        out[at + 2] = static_cast<char>(packet_id >> 8);
        out[at + 3] = static_cast<char>(packet_id & 0xFF);
    }

  private:
    std::string forms_[4];  // PUBACK, PUBREC, PUBREL, PUBCOMP
};

}  // namespace nmq::cli
