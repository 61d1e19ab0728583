#pragma once
// Follows one publisher's sequence numbers as one subscriber sees them. A ring of the last
// kWindow sequence numbers tells a duplicate from a late (reordered) arrival; anything older is
// counted as out of order. Losses are the gaps left at the end: every publisher starts at 0.
#include <array>
#include <cstdint>

namespace nmq::cli {

struct StreamCounts {
    std::uint64_t received = 0;      // every PUBLISH carrying a bench header
    std::uint64_t unique = 0;        // distinct sequence numbers
    std::uint64_t duplicates = 0;    // seen again within the window
    std::uint64_t out_of_order = 0;  // arrived after a later one of the same publisher
    std::uint64_t lost = 0;          // never arrived, below the highest one that did

    StreamCounts& operator+=(const StreamCounts& o) noexcept {
        received += o.received;
        unique += o.unique;
        duplicates += o.duplicates;
        out_of_order += o.out_of_order;
        lost += o.lost;
        return *this;
    }
};

class StreamTracker {
  public:
    void on_message(std::uint64_t seq) noexcept {
        ++received_;
        if (seq == next_) {  // the common case: in order
            set(seq);
            ++next_;
            ++unique_;
            return;
        }
        if (seq > next_) {
            // A gap: forget what the skipped slots held for older numbers.
            if (seq - next_ >= kWindow) {
                bits_.fill(0);
            } else {
                for (std::uint64_t s = next_; s < seq; ++s)
                    clear(s);
            }
            set(seq);
            next_ = seq + 1;
            ++unique_;
            return;
        }
        if (next_ - seq <= kWindow && test(seq)) {
            ++duplicates_;
            return;
        }
        ++out_of_order_;
        if (next_ - seq <= kWindow) {
            set(seq);
            ++unique_;
        }
    }

    bool seen_any() const noexcept { return next_ != 0; }

    StreamCounts counts() const noexcept {
        StreamCounts c;
        c.received = received_;
        c.unique = unique_;
        c.duplicates = duplicates_;
        c.out_of_order = out_of_order_;
        c.lost = next_ > unique_ ? next_ - unique_ : 0;
        return c;
    }

  private:
    static constexpr std::uint64_t kWindow = 1024;
    void set(std::uint64_t s) noexcept { bits_[(s % kWindow) / 64] |= bit(s); }
    void clear(std::uint64_t s) noexcept { bits_[(s % kWindow) / 64] &= ~bit(s); }
    bool test(std::uint64_t s) const noexcept { return bits_[(s % kWindow) / 64] & bit(s); }
    static std::uint64_t bit(std::uint64_t s) noexcept { return std::uint64_t{1} << (s % 64); }

    std::array<std::uint64_t, kWindow / 64> bits_{};
    std::uint64_t next_ = 0;
    std::uint64_t received_ = 0;
    std::uint64_t unique_ = 0;
    std::uint64_t duplicates_ = 0;
    std::uint64_t out_of_order_ = 0;
};

}  // namespace nmq::cli
