#pragma once
// A load-generating publisher. Its PUBLISH packet is encoded once by the codec and copied
// into a batch buffer; each write only patches the packet ids and the payload header
// (publisher, sequence, send time) of as many packets as may go, and sends them in one write.
// Closed loop: at QoS 1/2 at most `window` messages are unacknowledged; at QoS 0 TCP
// back-pressure is the only brake. With a rate, sends are paced evenly per publisher, and
// publishers are phase-shifted so the total is evenly spread too.
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/bench_runtime.hpp"

namespace nmq::cli {

class Publisher final : public BenchConnection {
  public:
    Publisher(Worker& worker, std::uint32_t index, std::string client_id, const std::string& topic,
              double rate_per_publisher, double phase_seconds);

    void begin() override;
    void finish_sending() override;

  private:
    bool on_packet(std::uint8_t first_byte, std::string_view body) override;
    void after_read() override {
        check_done();
        kick_write();
    }
    asio::const_buffer produce() override;
    void on_write_done() override;
    void check_done();
    void arm_pacing(std::uint64_t due_ns);

    std::vector<char> batch_;  // max_batch_ copies of the encoded PUBLISH
    std::size_t packet_size_ = 0;
    std::size_t payload_offset_ = 0;  // within one packet
    std::size_t packet_id_offset_ = 0;
    std::uint32_t max_batch_ = 1;
    std::uint8_t qos_ = 0;
    bool header_fits_ = true;

    std::uint64_t seq_ = 0;
    std::uint64_t in_write_ = 0;  // QoS 0: messages in the write in progress
    std::vector<std::uint8_t>
        inflight_;  // by packet id: 0 free, 1 awaiting PUBACK/PUBREC, 2 PUBCOMP
    std::uint32_t outstanding_ = 0;
    std::uint64_t acked_pending_ = 0;  // not yet added to the live counters
    bool sending_ = false;
    bool stop_sending_ = false;

    double ns_per_message_ = 0;  // 0: not paced
    double phase_ns_ = 0;
    std::uint64_t t0_ = 0;
    asio::steady_timer pace_timer_;
    bool pace_armed_ = false;
};

}  // namespace nmq::cli
