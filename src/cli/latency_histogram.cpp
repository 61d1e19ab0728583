#include "cli/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace nmq::cli {

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
}

std::uint64_t LatencyHistogram::value_at(std::size_t index) noexcept {
    if (index < kExact) return index;
    const std::size_t rel = index - kExact;
    const int e = static_cast<int>(rel / 32) + 6;
    const std::uint64_t mantissa = rel % 32 + 32;
    const int shift = e - kSubBits;
    // The middle of the bucket: at most half a bucket (1.6%) away from any value in it.
    return (mantissa << shift) + ((std::uint64_t{1} << shift) >> 1);
}

double LatencyHistogram::mean() const noexcept {
    if (count_ == 0) return 0;
    double sum = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        if (counts_[i]) sum += static_cast<double>(counts_[i]) * static_cast<double>(value_at(i));
    }
    return sum / static_cast<double>(count_);
}

std::uint64_t LatencyHistogram::percentile(double percent) const noexcept {
    if (count_ == 0) return 0;
    const double wanted = std::ceil(static_cast<double>(count_) * percent / 100.0);
    const std::uint64_t target = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= target) return std::clamp(value_at(i), min(), max());
    }
    return max();
}

}  // namespace nmq::cli
