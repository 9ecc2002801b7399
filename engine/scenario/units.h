#pragma once
// Durations ("150ms", "30s", "2m", "1h") and rates ("5/s", "300/m") as scenarios write them.
#include <optional>
#include <string_view>

#include "sim/time.h"

namespace brokersim::scenario {

// A non-negative duration with a unit: us, ms, s, m or h. Bare numbers are refused: a scenario
// should say what it means.
std::optional<sim::TimeUs> parse_duration(std::string_view text);
// Messages per second from "N/s", "N/m" or "N/h" (N may have a decimal point).
std::optional<double> parse_rate(std::string_view text);

}  // namespace brokersim::scenario
