#include "scenario/units.h"

#include <cmath>
#include <string>

namespace brokersim::scenario {
namespace {

// A decimal number without exponent or sign, parsed by hand so no locale can change it.
std::optional<double> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 24) return std::nullopt;
  double whole = 0, scale = 1;
  bool seen_digit = false, seen_point = false;
  for (char c : text) {
    if (c == '.' && !seen_point) {
      seen_point = true;
    } else if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (seen_point) {
        scale /= 10;
        whole += (c - '0') * scale;
      } else {
        whole = whole * 10 + (c - '0');
      }
    } else {
      return std::nullopt;
    }
  }
  return seen_digit ? std::optional<double>(whole) : std::nullopt;
}

}  // namespace

std::optional<sim::TimeUs> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    double micros;
  };
  // Longest suffixes first, so "ms" is not read as "m" + "s".
  static constexpr Unit kUnits[] = {{"us", 1.0}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}};
  for (const Unit& unit : kUnits) {
    if (text.size() <= unit.suffix.size() || !text.ends_with(unit.suffix)) continue;
    auto number = parse_decimal(text.substr(0, text.size() - unit.suffix.size()));
    if (!number) continue;
    const double micros = *number * unit.micros;
    if (micros > 1e15) return std::nullopt;  // over 30 years: surely a mistake
    return static_cast<sim::TimeUs>(std::llround(micros));
  }
  return std::nullopt;
}

std::optional<double> parse_rate(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto number = parse_decimal(text.substr(0, slash));
  const std::string_view per = text.substr(slash + 1);
  if (!number || *number > 1e7) return std::nullopt;
  if (per == "s") return *number;
  if (per == "m") return *number / 60.0;
  if (per == "h") return *number / 3600.0;
  return std::nullopt;
}

}  // namespace brokersim::scenario
