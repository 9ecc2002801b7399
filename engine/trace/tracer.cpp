#include "trace/tracer.h"

#include <algorithm>
#include <cassert>

namespace brokersim::trace {

void Tracer::remove_sink(Sink* sink) { sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end()); }

Event& Tracer::begin(EventKind kind) {
  assert(!building_ && "an event is already being built");
  building_ = true;
  scratch_.clear();
  scratch_.kind = kind;
  return scratch_;
}

void Tracer::emit() {
  assert(building_);
  building_ = false;
  scratch_.seq = next_seq_++;
  scratch_.time_us = clock_.now_us();
  for (Sink* sink : sinks_) sink->on_event(scratch_);
}

}  // namespace brokersim::trace
