#pragma once
// Transparent hashing, so maps keyed by std::string can be searched with a string_view.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace nmq {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

}  // namespace nmq
