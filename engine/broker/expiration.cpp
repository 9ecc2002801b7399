#include "broker/expiration.h"

namespace brokersim::broker {

std::optional<std::int64_t> parse_expiration_ms(std::string_view text) {
  constexpr std::int64_t kMaxExpiryMs = 315'360'000'000;
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (i == text.size()) return std::nullopt;
  std::int64_t value = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > kMaxExpiryMs) return std::nullopt;
  }
  if (negative && value != 0) return std::nullopt;
  return value;
}

}  // namespace brokersim::broker
