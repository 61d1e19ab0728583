// libFuzzer harness for the MQTT codec. The input is read as a connection would read it:
// packets back to back, each framed by parse_fixed_header() and decoded in MQTT 3.1, 3.1.1 and
// 5.0. Every packet that decodes must re-encode to bytes that frame exactly and decode back to
// an equal packet; for PUBLISH, encoded_publish_size() must match the encoding. Any crash,
// sanitizer report or broken invariant is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "mqtt/codec.hpp"

namespace {

using namespace nmq::mqtt;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_decoder: %s\n", what);
    std::abort();
}

void check_round_trip(const Packet& packet, Version v) {
    // A CONNECT carries its own version; everything after it uses the connection's.
    const Version ev =
        std::holds_alternative<Connect>(packet) ? std::get<Connect>(packet).version : v;
    std::string out;
    encode(packet, ev, out);

    FixedHeader h;
    if (parse_fixed_header(out, h) != FrameStatus::kComplete) fail("re-encoded header");
    if (h.packet_size() != out.size()) fail("re-encoded size differs from the frame");
    auto again = decode(h.first_byte, std::string_view(out).substr(h.header_size), ev);
    if (!again.ok()) {
        std::fprintf(stderr, "re-decode error: %s\n", again.error().what);
        fail("re-encoded packet does not decode");
    }
    if (!(*again == packet)) fail("re-decoded packet differs");

    if (const auto* p = std::get_if<Publish>(&packet)) {
        const PublishView view{p->dup,       p->qos,    p->retain, p->topic,
                               p->packet_id, &p->props, p->payload};
        if (encoded_publish_size(view, ev) != out.size()) fail("encoded_publish_size");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const Version v : {Version::kV31, Version::kV311, Version::kV5}) {
        std::string_view rest = input;
        while (!rest.empty()) {
            FixedHeader h;
            if (parse_fixed_header(rest, h) != FrameStatus::kComplete) break;
            if (h.packet_size() > rest.size()) break;
            auto packet = decode(h.first_byte, rest.substr(h.header_size, h.remaining_length), v);
            if (packet.ok()) {
                check_round_trip(*packet, v);
            } else if (packet.error().what == nullptr || packet.error().what[0] == '\0') {
                fail("error without an explanation");
            }
            rest.remove_prefix(h.packet_size());
        }
    }
    return 0;
}
