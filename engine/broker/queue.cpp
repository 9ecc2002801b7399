#include "broker/queue.h"

#include <algorithm>
#include <cassert>

#include "broker/consumer.h"

namespace brokersim::broker {

bool Queue::has_exclusive_consumer() const {
  return std::any_of(consumers_.begin(), consumers_.end(), [](const Consumer* c) { return c->exclusive; });
}

void Queue::enqueue(MessageRef message) {
  ready_bytes_ += message->body_size();
  ready_.push_back(QueuedMessage{std::move(message), next_position_++, 0, false});
  ++counters_.enqueued;
}

void Queue::requeue(QueuedMessage entry) {
  ready_bytes_ += entry.message->body_size();
  entry.redelivered = true;
  ++counters_.requeued;
  // Back to its original place: usually the front, since the oldest are delivered first.
  auto at = std::upper_bound(ready_.begin(), ready_.end(), entry.position,
                             [](std::uint64_t pos, const QueuedMessage& m) { return pos < m.position; });
  ready_.insert(at, std::move(entry));
}

QueuedMessage Queue::take_front() {
  assert(!ready_.empty());
  QueuedMessage entry = std::move(ready_.front());
  ready_.pop_front();
  ready_bytes_ -= entry.message->body_size();
  return entry;
}

std::deque<QueuedMessage> Queue::take_all() {
  std::deque<QueuedMessage> all;
  all.swap(ready_);
  ready_bytes_ = 0;
  return all;
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

void Queue::rotate_after_delivery(const Consumer* consumer) {
  auto it = std::find(consumers_.begin(), consumers_.end(), consumer);
  if (it == consumers_.end()) return;
  auto end_of_group = std::find_if(it, consumers_.end(), [&](const Consumer* c) { return c->priority != consumer->priority; });
  std::rotate(it, it + 1, end_of_group);
}

}  // namespace brokersim::broker
