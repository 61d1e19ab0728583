#pragma once
// Bounds-checked primitives of the MQTT wire format (MQTT 5.0 section 1.5, 3.1.1 section 1.5):
// big-endian integers, Variable Byte Integers, length-prefixed strings and binary data.
//
// Internal to the codec. WireReader never reads past its end: every read reports failure
// instead, so a packet that lies about a length becomes a Malformed Packet. WireWriter writes
// into space the caller has already sized exactly (sizes are computed first, then written), so
// encoding allocates at most once per packet.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "mqtt/types.hpp"

namespace nmq::mqtt {

// Errors of the codec. `what` is a short static string, usable as a 5.0 Reason String.
inline Error malformed(const char* what) noexcept {
    return Error{ReasonCode::kMalformedPacket, what};
}
inline Error protocol_error(const char* what) noexcept {
    return Error{ReasonCode::kProtocolError, what};
}

// Bytes a Variable Byte Integer takes; values above kMaxRemainingLength are a caller bug.
constexpr std::size_t varint_size(std::uint32_t v) noexcept {
    return v < 128u ? 1 : v < 16'384u ? 2 : v < 2'097'152u ? 3 : 4;
}

// Decodes a Variable Byte Integer of at most 4 bytes [MQTT-1.5.5-1] from [p, end).
enum class VarintStatus { kOk, kNeedMore, kTooLong };
inline VarintStatus decode_varint(const std::uint8_t* p, const std::uint8_t* end,
                                  std::uint32_t& value, std::size_t& used) noexcept {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (p + i == end) return VarintStatus::kNeedMore;
        const std::uint8_t b = p[i];
        v |= std::uint32_t{b & 0x7Fu} << (7 * i);
        if ((b & 0x80u) == 0) {
            value = v;
            used = i + 1;
            return VarintStatus::kOk;
        }
    }
    return VarintStatus::kTooLong;
}

class WireReader {
  public:
    explicit WireReader(std::string_view data) noexcept
        : p_(reinterpret_cast<const std::uint8_t*>(data.data())), end_(p_ + data.size()) {}

    std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
    bool empty() const noexcept { return p_ == end_; }

    bool read_u8(std::uint8_t& v) noexcept {
        if (p_ == end_) return false;
        v = *p_++;
        return true;
    }
    bool read_u16(std::uint16_t& v) noexcept {
        if (remaining() < 2) return false;
        v = static_cast<std::uint16_t>((p_[0] << 8) | p_[1]);
        p_ += 2;
        return true;
    }
    bool read_u32(std::uint32_t& v) noexcept {
        if (remaining() < 4) return false;
        v = (std::uint32_t{p_[0]} << 24) | (std::uint32_t{p_[1]} << 16) |
            (std::uint32_t{p_[2]} << 8) | std::uint32_t{p_[3]};
        p_ += 4;
        return true;
    }
    bool read_varint(std::uint32_t& v) noexcept {
        std::size_t used = 0;
        if (decode_varint(p_, end_, v, used) != VarintStatus::kOk) return false;
        p_ += used;
        return true;
    }
    // Exactly n bytes, as a view into the input.
    bool read_bytes(std::size_t n, std::string_view& v) noexcept {
        if (remaining() < n) return false;
        v = std::string_view(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        return true;
    }
    // Two-byte length then that many bytes: Binary Data and UTF-8 Encoded String (the caller
    // validates UTF-8).
    bool read_binary(std::string_view& v) noexcept {
        std::uint16_t n = 0;
        return read_u16(n) && read_bytes(n, v);
    }
    // Everything left (a PUBLISH payload).
    std::string_view rest() noexcept {
        std::string_view v(reinterpret_cast<const char*>(p_), remaining());
        p_ = end_;
        return v;
    }

  private:
    const std::uint8_t* p_;
    const std::uint8_t* end_;
};

class WireWriter {
  public:
    WireWriter(char* p, char* end) noexcept : p_(p), end_(end) {}

    void u8(std::uint8_t v) noexcept {
        assert(p_ < end_);
        *p_++ = static_cast<char>(v);
    }
    void u16(std::uint16_t v) noexcept {
        assert(end_ - p_ >= 2);
        p_[0] = static_cast<char>(v >> 8);
        p_[1] = static_cast<char>(v);
        p_ += 2;
    }
    void u32(std::uint32_t v) noexcept {
        assert(end_ - p_ >= 4);
        p_[0] = static_cast<char>(v >> 24);
        p_[1] = static_cast<char>(v >> 16);
        p_[2] = static_cast<char>(v >> 8);
        p_[3] = static_cast<char>(v);
        p_ += 4;
    }
    void varint(std::uint32_t v) noexcept {
        assert(v <= kMaxRemainingLength);
        do {
            std::uint8_t b = v & 0x7Fu;
            v >>= 7;
            if (v != 0) b |= 0x80u;
            u8(b);
        } while (v != 0);
    }
    void bytes(std::string_view s) noexcept {
        assert(static_cast<std::size_t>(end_ - p_) >= s.size());
        if (!s.empty()) std::memcpy(p_, s.data(), s.size());
        p_ += s.size();
    }
    // Two-byte length prefix then the bytes. Longer than 65535 is a caller bug: the decoder
    // never produces such a value and the broker validates what it builds.
    void binary(std::string_view s) noexcept {
        assert(s.size() <= 0xFFFF);
        u16(static_cast<std::uint16_t>(s.size()));
        bytes(s);
    }
    bool done() const noexcept { return p_ == end_; }

  private:
    char* p_;
    char* end_;
};

// Grows `out` by exactly one packet of `remaining_length` bytes after its fixed header, writes
// the fixed header and returns a writer over the rest.
inline WireWriter begin_packet(std::string& out, std::uint8_t first_byte,
                               std::size_t remaining_length) {
    assert(remaining_length <= kMaxRemainingLength);
    const auto rl = static_cast<std::uint32_t>(remaining_length);
    const std::size_t old = out.size();
    out.resize(old + 1 + varint_size(rl) + remaining_length);
    WireWriter w(out.data() + old, out.data() + out.size());
    w.u8(first_byte);
    w.varint(rl);
    return w;
}

// Two-byte length prefix plus the bytes.
constexpr std::size_t binary_size(std::string_view s) noexcept {
    return 2 + s.size();
}

// Reads a UTF-8 Encoded String and validates it [MQTT-1.5.4-1] [MQTT-1.5.4-2]; false and an
// error on a short read or invalid UTF-8.
bool read_utf8(WireReader& r, std::string_view& v, Error& err) noexcept;

// Reason codes a 5.0 packet may carry (MQTT 5.0 section 2.4 and each packet's section).
bool is_connack_reason(std::uint8_t rc) noexcept;
bool is_pub_response_reason(PacketType type, std::uint8_t rc) noexcept;
bool is_suback_reason(std::uint8_t rc) noexcept;
bool is_unsuback_reason(std::uint8_t rc) noexcept;
bool is_disconnect_reason(std::uint8_t rc) noexcept;
bool is_auth_reason(std::uint8_t rc) noexcept;

}  // namespace nmq::mqtt
