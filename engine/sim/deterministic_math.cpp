#include "sim/deterministic_math.h"

#include <cmath>
#include <limits>

namespace brokersim::sim {

double deterministic_log(double x) {
  if (x < 0 || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -std::numeric_limits<double>::infinity();
  if (std::isinf(x)) return x;

  // x = m * 2^e exactly (frexp is exact), then move m into [sqrt(1/2), sqrt(2)).
  int exponent = 0;
  double m = std::frexp(x, &exponent);
  constexpr double kSqrtHalf = 0.70710678118654752440;
  if (m < kSqrtHalf) {
    m *= 2.0;
    exponent -= 1;
  }
  // ln(m) = 2 atanh(s) with s = (m-1)/(m+1); |s| <= 0.172, so 12 odd terms reach double precision.
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double term = s;
  double sum = 0.0;
  for (int k = 1; k <= 23; k += 2) {
    sum += term / k;
    term *= s2;
  }
  // ln(2) split into a high part exact in few bits and a low correction, to keep e*ln2 exact.
  constexpr double kLn2High = 6.93147180369123816490e-01;
  constexpr double kLn2Low = 1.90821492927058770002e-10;
  const double e = static_cast<double>(exponent);
  return e * kLn2High + (2.0 * sum + e * kLn2Low);
}

}  // namespace brokersim::sim
