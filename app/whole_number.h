#pragma once
// The one reading of a whole number given on the command line (--seed, --follow, counts,
// ports): digits only, nothing before or after, and within range. "12abc", "-1" and "" are
// refused, so a typo is an error the user sees rather than a number they did not mean.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace brokersim::app {

inline std::optional<std::uint64_t> parse_whole_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace brokersim::app
