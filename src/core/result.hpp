#pragma once
// Result<T>: a value or an Error, for the data path where exceptions are not used.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "core/reason_code.hpp"

namespace nmq {

// An error on the data path: the MQTT reason code it maps to, and a short static explanation
// suitable for a log line or a 5.0 Reason String.
struct Error {
    ReasonCode code = ReasonCode::kUnspecifiedError;
    const char* what = "";
};

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
    Result(Error e) : v_(e) {}                 // NOLINT
    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const Error& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

  private:
    std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace nmq
