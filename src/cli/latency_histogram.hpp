#pragma once
// A log-bucketed latency histogram in the spirit of HdrHistogram: values below 64 are exact,
// above that each power of two is split into 32 buckets (relative error under 3.2%). Fixed
// size, so recording never allocates; one per worker thread, merged at the end.
#include <array>
#include <cstdint>

namespace nmq::cli {

class LatencyHistogram {
  public:
    void record(std::uint64_t value) noexcept {
        ++counts_[index_of(value)];
        ++count_;
        if (value > max_) max_ = value;
        if (value < min_) min_ = value;
    }
    void merge(const LatencyHistogram& other) noexcept;

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t max() const noexcept { return count_ ? max_ : 0; }
    std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    double mean() const noexcept;
    // The value below which `percent` percent of the recorded values fall (0 when empty).
    std::uint64_t percentile(double percent) const noexcept;

  private:
    static constexpr int kSubBits = 5;
    static constexpr std::size_t kExact = 64;
    static constexpr std::size_t kBuckets = kExact + (64 - 6) * 32;

    static std::size_t index_of(std::uint64_t v) noexcept {
        if (v < kExact) return static_cast<std::size_t>(v);
        const int e = 63 - __builtin_clzll(v);
        const int shift = e - kSubBits;
        return kExact + static_cast<std::size_t>(e - 6) * 32 + ((v >> shift) - 32);
    }
    static std::uint64_t value_at(std::size_t index) noexcept;

    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t min_ = UINT64_MAX;
};

}  // namespace nmq::cli
