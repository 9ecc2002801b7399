#pragma once
// Lets unordered maps keyed by std::string be searched with a string_view without a copy.
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace brokersim::broker {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

}  // namespace brokersim::broker
