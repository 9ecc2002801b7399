#include "broker/ready_list.h"

#include <algorithm>
#include <cassert>

namespace brokersim::broker {

void ReadyList::account_in(const QueuedMessage& entry) {
  ++count_;
  bytes_ += entry.message->body_size();
  if (entry.expires_at_us != kNeverExpires) ++expiring_;
}

void ReadyList::account_out(const QueuedMessage& entry) {
  --count_;
  bytes_ -= entry.message->body_size();
  if (entry.expires_at_us != kNeverExpires) --expiring_;
}

void ReadyList::push_back(QueuedMessage entry) {
  assert(entry.priority < levels_.size());
  account_in(entry);
  levels_[entry.priority].push_back(std::move(entry));
}

void ReadyList::requeue(QueuedMessage entry) {
  assert(entry.priority < levels_.size());
  account_in(entry);
  auto& level = levels_[entry.priority];
  // Usually the front: the oldest messages are the ones delivered first.
  auto at = std::upper_bound(level.begin(), level.end(), entry.position,
                             [](std::uint64_t pos, const QueuedMessage& m) { return pos < m.position; });
  level.insert(at, std::move(entry));
}

std::deque<QueuedMessage>& ReadyList::first_non_empty() {
  assert(count_ > 0);
  for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {
    if (!level->empty()) return *level;
  }
  return levels_.front();  // unreachable while count_ > 0
}

QueuedMessage& ReadyList::front() { return first_non_empty().front(); }

QueuedMessage ReadyList::pop_front() {
  auto& level = first_non_empty();
  QueuedMessage entry = std::move(level.front());
  level.pop_front();
  account_out(entry);
  return entry;
}

std::vector<QueuedMessage> ReadyList::take_all() {
  std::vector<QueuedMessage> all;
  all.reserve(count_);
  for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {
    for (auto& entry : *level) all.push_back(std::move(entry));
    level->clear();
  }
  count_ = 0;
  bytes_ = 0;
  expiring_ = 0;
  return all;
}

std::vector<QueuedMessage> ReadyList::take_expired_heads(sim::TimeUs now_us) {
  std::vector<QueuedMessage> expired;
  if (expiring_ == 0) return expired;
  for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {
    while (!level->empty() && level->front().expires_at_us <= now_us) {
      account_out(level->front());
      expired.push_back(std::move(level->front()));
      level->pop_front();
    }
  }
  return expired;
}

sim::TimeUs ReadyList::next_head_expiry() const {
  sim::TimeUs next = kNeverExpires;
  if (expiring_ == 0) return next;
  for (const auto& level : levels_) {
    if (!level.empty()) next = std::min(next, level.front().expires_at_us);
  }
  return next;
}

void ReadyList::for_each(const std::function<void(const QueuedMessage&)>& f) const {
  for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {
    for (const auto& entry : *level) f(entry);
  }
}

}  // namespace brokersim::broker
