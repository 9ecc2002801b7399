#pragma once
// A queue's ready messages, in delivery order: highest priority first, oldest first within a
// priority. A queue without x-max-priority has one level. Requeued messages go back to their
// original position within their level.
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <vector>

#include "broker/message.h"
#include "sim/time.h"

namespace brokersim::broker {

constexpr sim::TimeUs kNeverExpires = std::numeric_limits<sim::TimeUs>::max();

// One copy of a message in one queue. `position` is its place in the queue's arrival order, so
// a requeued message goes back exactly where it was, keeping its original expiry. A deep queue
// holds millions of these: position, priority and the redelivered flag share one word.
struct QueuedMessage {
  static constexpr std::uint64_t kPositionLimit = std::uint64_t{1} << 48;  // 89 years at 100k/s

  MessageRef message;
  std::uint64_t position : 48 = 0;
  std::uint8_t priority = 0;  // effective: clamped to the queue's x-max-priority
  bool redelivered = false;
  sim::TimeUs expires_at_us = kNeverExpires;
};
static_assert(sizeof(QueuedMessage) == 24);

class ReadyList {
 public:
  explicit ReadyList(std::uint8_t max_priority = 0) : levels_(static_cast<std::size_t>(max_priority) + 1) {}

  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  std::uint64_t bytes() const { return bytes_; }

  void push_back(QueuedMessage entry);
  void requeue(QueuedMessage entry);
  // The next message to deliver (or to drop for drop-head).
  QueuedMessage& front();
  QueuedMessage pop_front();
  // Everything, in delivery order; the list is left empty.
  std::vector<QueuedMessage> take_all();
  // Removes expired messages found at the head of each priority level, in delivery order.
  std::vector<QueuedMessage> take_expired_heads(sim::TimeUs now_us);
  // Whether any entry has an expiry at all: when none, nothing can expire.
  bool any_expiring() const { return expiring_ != 0; }
  // The earliest expiry among the heads of the levels, or kNeverExpires.
  sim::TimeUs next_head_expiry() const;

  void for_each(const std::function<void(const QueuedMessage&)>& f) const;

 private:
  std::deque<QueuedMessage>& first_non_empty();
  void account_in(const QueuedMessage& entry);
  void account_out(const QueuedMessage& entry);

  std::vector<std::deque<QueuedMessage>> levels_;  // index = priority
  std::size_t count_ = 0;
  std::uint64_t bytes_ = 0;
  std::size_t expiring_ = 0;  // entries with an expiry: when none, expiry checks cost nothing
};

}  // namespace brokersim::broker
