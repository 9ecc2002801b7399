#include "sim/scheduler.h"

namespace brokersim::sim {

TimerId Scheduler::schedule_at(TimeUs due_us, Task task) {
  // A task may not be due before now: the past is already decided.
  if (due_us < now_us()) due_us = now_us();
  TimerId id{due_us, next_sequence_++};
  tasks_.emplace(id, std::move(task));
  return id;
}

bool Scheduler::cancel(TimerId id) { return tasks_.erase(id) > 0; }

bool Scheduler::run_next() {
  if (tasks_.empty()) return false;
  auto it = tasks_.begin();
  clock_.advance_to(it->first.due_us);
  // Take the task out before running it so it may schedule or cancel freely.
  Task task = std::move(it->second);
  tasks_.erase(it);
  task();
  return true;
}

std::size_t Scheduler::run_until(TimeUs until_us) {
  std::size_t ran = 0;
  while (!tasks_.empty() && tasks_.begin()->first.due_us <= until_us) {
    run_next();
    ++ran;
  }
  clock_.advance_to(until_us);
  return ran;
}

}  // namespace brokersim::sim
