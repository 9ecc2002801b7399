#pragma once
// Stamps events with the simulated time and a sequence number and hands them to sinks.
#include <cstdint>
#include <vector>

#include "sim/clock.h"
#include "trace/event.h"

namespace brokersim::trace {

class Sink {
 public:
  virtual ~Sink() = default;
  // The event is only valid during the call; copy what you keep.
  virtual void on_event(const Event& event) = 0;
};

class Tracer {
 public:
  explicit Tracer(const sim::Clock& clock) : clock_(clock) {}

  void add_sink(Sink* sink) { sinks_.push_back(sink); }
  void remove_sink(Sink* sink);

  // Returns a cleared scratch event to fill, then emit() it. One event at a time.
  Event& begin(EventKind kind);
  void emit();

  std::uint64_t events_emitted() const { return next_seq_ - 1; }

 private:
  const sim::Clock& clock_;
  std::vector<Sink*> sinks_;
  Event scratch_;
  std::uint64_t next_seq_ = 1;
  bool building_ = false;
};

// Keeps every event: for tests and for the CLI.
class Recorder final : public Sink {
 public:
  void on_event(const Event& event) override { events.push_back(event); }
  std::vector<Event> events;
};

// Counts and keeps nothing: for benchmarks.
class CountingSink final : public Sink {
 public:
  void on_event(const Event&) override { ++count; }
  std::uint64_t count = 0;
};

}  // namespace brokersim::trace
