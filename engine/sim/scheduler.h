#pragma once
// One queue of tasks in a total order: (due time, then the order they were scheduled in).
// TTL expiry, deliveries, consumer work and redeliveries all go through it, so a run is a pure
// function of its inputs and seed.
#include <cstdint>
#include <unordered_set>
#include <utility>
#include <vector>

#include "sim/clock.h"
#include "sim/task.h"

namespace brokersim::sim {

struct TimerId {
  TimeUs due_us = 0;
  std::uint64_t sequence = 0;
  auto operator<=>(const TimerId&) const = default;
};

class Scheduler {
 public:
  using Task = sim::Task;  // any callable: a lambda, or a std::function

  explicit Scheduler(Clock& clock) : clock_(clock) {}

  TimeUs now_us() const { return clock_.now_us(); }
  TimerId schedule_at(TimeUs due_us, Task task);
  TimerId schedule_after(TimeUs delay_us, Task task) { return schedule_at(now_us() + delay_us, std::move(task)); }
  // Returns false when the timer already ran or was cancelled. `id` must come from this
  // scheduler. A cancelled task never runs; what it captured is released when it reaches the
  // front of the queue, by its due time at the latest.
  bool cancel(TimerId id);

  bool empty() const { return queue_.empty(); }
  std::size_t pending() const { return queue_.size() - cancelled_in_queue_.size(); }
  // Due time of the next task; only meaningful when !empty().
  TimeUs next_due_us() const { return queue_.front().due_us; }

  // Runs the next task, moving the clock to its due time. Returns false when nothing is left.
  bool run_next();
  // Runs every task due at or before `until_us`, then leaves the clock at `until_us`.
  std::size_t run_until(TimeUs until_us);

 private:
  // A binary min-heap of small entries; the tasks themselves stay put in `tasks_`, so sifting
  // moves 24 bytes, not a callable.
  struct Entry {
    TimeUs due_us;
    std::uint64_t sequence;
    std::uint32_t task;  // index into tasks_
  };
  struct RunsLater {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.due_us != b.due_us ? a.due_us > b.due_us : a.sequence > b.sequence;
    }
  };

  Entry pop_front();
  Task take_task(std::uint32_t index);
  // Keeps the invariant that the front entry, if any, is a live task.
  void drop_cancelled_front();
  bool was_dropped(TimerId id) const;

  Clock& clock_;
  std::vector<Entry> queue_;
  std::vector<Task> tasks_;
  std::vector<std::uint32_t> free_tasks_;
  // Cancelled tasks are removed lazily, when they reach the front, which keeps cancel cheap
  // without an index from id to heap position. These are the ones still in queue_ ...
  std::unordered_set<std::uint64_t> cancelled_in_queue_;
  // ... and these were dropped from the front but are still later than last_run_ (a task
  // running now may schedule before them), so a second cancel must still answer false.
  std::vector<TimerId> dropped_;
  std::uint64_t next_sequence_ = 0;
  // Tasks run in strictly increasing (due, sequence) order, because nothing may be scheduled
  // before now: every id at or before the last one run has run, or was cancelled.
  TimerId last_run_{};
  bool ran_any_ = false;
};

}  // namespace brokersim::sim
