#include "sim/clock.h"

#include <cassert>

namespace brokersim::sim {

void SimClock::advance_to(TimeUs due_us) {
  // Time never runs backwards; a task scheduled in the past runs "now".
  if (due_us > now_us_) now_us_ = due_us;
}

}  // namespace brokersim::sim
