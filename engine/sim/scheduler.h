#pragma once
// One queue of tasks in a total order: (due time, then the order they were scheduled in).
// TTL expiry, deliveries, consumer work and redeliveries all go through it, so a run is a pure
// function of its inputs and seed.
#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "sim/clock.h"

namespace brokersim::sim {

struct TimerId {
  TimeUs due_us = 0;
  std::uint64_t sequence = 0;
  auto operator<=>(const TimerId&) const = default;
};

class Scheduler {
 public:
  using Task = std::function<void()>;

  explicit Scheduler(Clock& clock) : clock_(clock) {}

  TimeUs now_us() const { return clock_.now_us(); }
  TimerId schedule_at(TimeUs due_us, Task task);
  TimerId schedule_after(TimeUs delay_us, Task task) { return schedule_at(now_us() + delay_us, std::move(task)); }
  // Returns false when the timer already ran or was cancelled.
  bool cancel(TimerId id);

  bool empty() const { return tasks_.empty(); }
  std::size_t pending() const { return tasks_.size(); }
  // Due time of the next task; only meaningful when !empty().
  TimeUs next_due_us() const { return tasks_.begin()->first.due_us; }

  // Runs the next task, moving the clock to its due time. Returns false when nothing is left.
  bool run_next();
  // Runs every task due at or before `until_us`, then leaves the clock at `until_us`.
  std::size_t run_until(TimeUs until_us);

 private:
  Clock& clock_;
  std::map<TimerId, Task> tasks_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace brokersim::sim
