#pragma once
// Time is injected: nothing in the engine reads the system clock. The scheduler asks the clock
// to move forward, and a simulated clock jumps. The AMQP port keeps this same clock in step
// with the wall by running the scheduler up to the wall's time (net/server), so one engine
// serves both. SimClock is the one clock there is.
#include "sim/time.h"

namespace brokersim::sim {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeUs now_us() const = 0;
  // Called by the scheduler before it runs a task due at `due_us`.
  virtual void advance_to(TimeUs due_us) = 0;
};

// Simulated time: plain arithmetic, advanced only by the scheduler.
class SimClock final : public Clock {
 public:
  explicit SimClock(TimeUs start_us = 0) : now_us_(start_us) {}
  TimeUs now_us() const override { return now_us_; }
  void advance_to(TimeUs due_us) override;

 private:
  TimeUs now_us_;
};

}  // namespace brokersim::sim
