#pragma once
// A load-measuring subscriber: subscribes to its filter, acknowledges at the QoS it is sent,
// and for each bench payload updates the stream tracker of its publisher and the worker's
// latency histogram. Nothing is allocated per message.
#include <cstdint>
#include <string>
#include <vector>

#include "cli/bench_runtime.hpp"
#include "cli/stream_tracker.hpp"

namespace nmq::cli {

class Subscriber final : public BenchConnection {
  public:
    Subscriber(Worker& worker, std::uint32_t index, std::string client_id, std::string filter);

    StreamCounts counts() const;
    std::uint64_t untracked() const noexcept { return untracked_; }
    std::size_t publishers_seen() const;

  private:
    void on_connack() override;
    bool on_packet(std::uint8_t first_byte, std::string_view body) override;
    void after_read() override;

    std::string filter_;
    bool subscribed_ = false;
    std::vector<StreamTracker> trackers_;  // by publisher index
    std::uint64_t received_ = 0;
    std::uint64_t received_pending_ = 0;  // not yet added to the live counters
    std::uint64_t bytes_pending_ = 0;
    std::uint64_t untracked_ = 0;  // payloads without a bench header
};

}  // namespace nmq::cli
