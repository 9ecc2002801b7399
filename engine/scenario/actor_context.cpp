#include "scenario/actor_context.h"

#include <algorithm>
#include <cmath>

namespace brokersim::scenario {

sim::TimeUs draw(sim::Rng& rng, const Distribution& d) {
  switch (d.kind) {
    case Distribution::Kind::kConstant: return d.a_us;
    case Distribution::Kind::kUniform: return rng.uniform_int(d.a_us, d.b_us);
    case Distribution::Kind::kExponential:
      return static_cast<sim::TimeUs>(std::llround(rng.exponential(static_cast<double>(d.a_us))));
    case Distribution::Kind::kNormal:
      return std::max<sim::TimeUs>(
          0, static_cast<sim::TimeUs>(std::llround(rng.normal(static_cast<double>(d.a_us), static_cast<double>(d.b_us)))));
  }
  return 0;
}

sim::TimeUs mean_of(const Distribution& d) {
  return d.kind == Distribution::Kind::kUniform ? (d.a_us + d.b_us) / 2 : d.a_us;
}

}  // namespace brokersim::scenario
