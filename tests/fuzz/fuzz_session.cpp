// Fuzzes the broker's protocol engine, not just the codec: up to three connections to one broker
// receive fuzzer-chosen bytes, drop and reconnect, and time moves on. Whatever the bytes, the
// broker must neither crash nor trip a sanitizer. Input: a sequence of records
//   [op] [n] [n bytes]   op % 8: 0-4 send to connection op % 3, 5 drop and reconnect it,
//                        6 advance time by n seconds, 7 take a snapshot
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "../conformance/harness.hpp"
#include "core/log.hpp"

using namespace nmq;
using namespace nmq::conformance;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static bool quiet = [] {
        log::init_console("off");
        return true;
    }();
    (void)quiet;
    config::Config cfg;
    cfg.mqtt.max_mqueue_len = 16;
    cfg.mqtt.max_inflight_window = 4;
    cfg.mqtt.max_topic_alias = 4;
    Harness h(cfg);
    std::unique_ptr<Conn> conns[3];
    for (auto& c : conns)
        c = h.connect();
    auto now = broker::Clock::now();

    std::size_t i = 0;
    while (i + 2 <= size) {
        std::uint8_t op = data[i] % 8;
        std::size_t n = data[i + 1];
        i += 2;
        std::size_t take = std::min(n, size - i);
        auto& conn = conns[data[i - 2] % 3];
        switch (op) {
            case 5:
                conn->drop();
                conn = h.connect();
                break;
            case 6:
                now += std::chrono::seconds(n);
                h.tick(now);
                break;
            case 7: {
                std::optional<broker::BrokerSnapshot> snap;
                h.broker().snapshot([&](broker::BrokerSnapshot s) { snap = std::move(s); });
                h.loop().run();
                break;
            }
            default:
                if (!conn->closed()) {
                    conn->send(std::string_view(reinterpret_cast<const char*>(data + i), take));
                    conn->recv();
                }
                i += take;
                break;
        }
    }
    for (auto& c : conns)
        c.reset();
    return 0;
}
