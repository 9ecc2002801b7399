#pragma once
// Plain-words explanation of one event, for the CLI log, the GUI's event log and its
// routing explainer. Reads only the event.
#include <string>

#include "trace/event.h"

namespace brokersim::trace {

std::string describe(const Event& event);
// "12.345s": simulated time as people read it.
std::string format_time(sim::TimeUs time_us);

}  // namespace brokersim::trace
