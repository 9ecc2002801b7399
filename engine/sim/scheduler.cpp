#include "sim/scheduler.h"

#include <algorithm>

namespace brokersim::sim {

TimerId Scheduler::schedule_at(TimeUs due_us, Task task) {
  // A task may not be due before now: the past is already decided.
  if (due_us < now_us()) due_us = now_us();
  TimerId id{due_us, next_sequence_++};
  std::uint32_t index;
  if (free_tasks_.empty()) {
    index = static_cast<std::uint32_t>(tasks_.size());
    tasks_.push_back(std::move(task));
  } else {
    index = free_tasks_.back();
    free_tasks_.pop_back();
    tasks_[index] = std::move(task);
  }
  queue_.push_back({id.due_us, id.sequence, index});
  std::push_heap(queue_.begin(), queue_.end(), RunsLater{});
  return id;
}

bool Scheduler::cancel(TimerId id) {
  if (id.sequence >= next_sequence_) return false;          // never scheduled
  if (ran_any_ && id <= last_run_) return false;            // ran, or was cancelled before
  if (cancelled_in_queue_.contains(id.sequence) || was_dropped(id)) return false;  // cancelled
  cancelled_in_queue_.insert(id.sequence);
  drop_cancelled_front();
  return true;
}

Scheduler::Entry Scheduler::pop_front() {
  std::pop_heap(queue_.begin(), queue_.end(), RunsLater{});
  const Entry front = queue_.back();
  queue_.pop_back();
  return front;
}

Task Scheduler::take_task(std::uint32_t index) {
  Task task = std::move(tasks_[index]);
  free_tasks_.push_back(index);
  return task;
}

void Scheduler::drop_cancelled_front() {
  while (!queue_.empty() && !cancelled_in_queue_.empty() && cancelled_in_queue_.erase(queue_.front().sequence) > 0) {
    const Entry dropped = pop_front();
    dropped_.push_back({dropped.due_us, dropped.sequence});
    (void)take_task(dropped.task);
  }
}

bool Scheduler::was_dropped(TimerId id) const {
  return std::find(dropped_.begin(), dropped_.end(), id) != dropped_.end();
}

bool Scheduler::run_next() {
  if (queue_.empty()) return false;
  const Entry front = pop_front();
  last_run_ = {front.due_us, front.sequence};
  ran_any_ = true;
  if (!dropped_.empty()) std::erase_if(dropped_, [this](TimerId id) { return id <= last_run_; });
  clock_.advance_to(front.due_us);
  // Take the task out before running it so it may schedule or cancel freely.
  Task task = take_task(front.task);
  drop_cancelled_front();
  task();
  return true;
}

std::size_t Scheduler::run_until(TimeUs until_us) {
  std::size_t ran = 0;
  while (!queue_.empty() && queue_.front().due_us <= until_us) {
    run_next();
    ++ran;
  }
  clock_.advance_to(until_us);
  return ran;
}

}  // namespace brokersim::sim
