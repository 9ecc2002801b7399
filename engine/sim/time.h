#pragma once
// Simulated time is a plain count of microseconds since the start of a run. Integers keep
// arithmetic exact, so the same run always lands on the same instants.
#include <cstdint>

namespace brokersim::sim {

using TimeUs = std::int64_t;

constexpr TimeUs kMicrosPerMilli = 1000;
constexpr TimeUs kMicrosPerSecond = 1000 * kMicrosPerMilli;

constexpr TimeUs millis(std::int64_t ms) { return ms * kMicrosPerMilli; }
constexpr TimeUs seconds(std::int64_t s) { return s * kMicrosPerSecond; }

}  // namespace brokersim::sim
