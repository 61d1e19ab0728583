#include "cli/ack_templates.hpp"

#include <stdexcept>

#include "mqtt/codec.hpp"

namespace nmq::cli {

AckTemplates::AckTemplates(mqtt::Version version) {
    for (int i = 0; i < 4; ++i) {
        mqtt::PubResponse r;
        r.type = static_cast<mqtt::PacketType>(static_cast<int>(mqtt::PacketType::kPuback) + i);
        r.packet_id = 1;
        mqtt::encode(r, version, forms_[i]);
        // The patch offsets assume a one-byte Remaining Length, which every ack without
        // properties has.
        if (forms_[i].size() < 4 || forms_[i].size() > 127 + 2) {
            throw std::logic_error("unexpected acknowledgement encoding");
        }
    }
}

}  // namespace nmq::cli
