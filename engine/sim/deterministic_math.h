#pragma once
// libm's transcendental functions are not required to be correctly rounded and differ between
// C libraries. The distributions need a logarithm, so we compute it from IEEE-754 +, -, *, /
// and sqrt only, which every conforming platform rounds identically.

namespace brokersim::sim {

// Natural logarithm for x > 0 (returns -infinity for 0, NaN for negatives).
double deterministic_log(double x);

}  // namespace brokersim::sim
