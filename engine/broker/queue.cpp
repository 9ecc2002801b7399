#include "broker/queue.h"

#include <algorithm>
#include <cassert>

#include "broker/consumer.h"

namespace brokersim::broker {

bool Queue::has_exclusive_consumer() const {
  return std::any_of(consumers_.begin(), consumers_.end(), [](const Consumer* c) { return c->exclusive; });
}

void Queue::enqueue(QueuedMessage entry) {
  ready_.push_back(std::move(entry));
  ++counters_.enqueued;
}

void Queue::note_depth() { counters_.max_depth = std::max<std::uint64_t>(counters_.max_depth, ready_.size()); }

void Queue::requeue(QueuedMessage entry) {
  entry.redelivered = true;
  ++counters_.requeued;
  ready_.requeue(std::move(entry));
}

Consumer* Queue::single_active_consumer() const {
  Consumer* active = nullptr;
  for (Consumer* c : consumers_) {
    if (!active || c->id < active->id) active = c;
  }
  return active;
}

void Queue::add_consumer(Consumer* consumer) {
  ever_had_consumer_ = true;
  // Insert after every consumer of equal or higher priority.
  auto at = std::find_if(consumers_.begin(), consumers_.end(),
                         [&](const Consumer* c) { return c->priority < consumer->priority; });
  consumers_.insert(at, consumer);
}

void Queue::remove_consumer(const Consumer* consumer) {
  consumers_.erase(std::remove(consumers_.begin(), consumers_.end(), consumer), consumers_.end());
}

void Queue::move_to_back_of_group(const Consumer* consumer) {
  if (consumers_.size() < 2) return;
  auto it = std::find(consumers_.begin(), consumers_.end(), consumer);
  if (it == consumers_.end()) return;
  auto end_of_group = std::find_if(it, consumers_.end(), [&](const Consumer* c) { return c->priority != consumer->priority; });
  std::rotate(it, it + 1, end_of_group);
}

}  // namespace brokersim::broker
