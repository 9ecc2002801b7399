#include "broker/queue.h"

#include <algorithm>

#include "broker/channel.h"
#include "broker/classic_queue.h"
#include "broker/consumer.h"
#include "broker/expiration.h"
#include "broker/quorum_queue.h"
#include "broker/stream_queue.h"
#include "trace/describe.h"

namespace brokersim::broker {

std::unique_ptr<Queue> make_queue(std::string name, QueueSettings settings, QueueArguments arguments) {
  switch (arguments.type) {
    case QueueType::kQuorum:
      return std::make_unique<QuorumQueue>(std::move(name), std::move(settings), std::move(arguments));
    case QueueType::kStream:
      return std::make_unique<StreamQueue>(std::move(name), std::move(settings), std::move(arguments));
    case QueueType::kClassic: break;
  }
  return std::make_unique<ClassicQueue>(std::move(name), std::move(settings), std::move(arguments));
}

bool has_credit(const Consumer& consumer) {
  if (consumer.no_ack) return true;  // no-ack consumers bypass prefetch entirely
  const Channel& channel = *consumer.channel;
  if (consumer.prefetch_limit && consumer.unacked >= consumer.prefetch_limit) return false;
  if (channel.prefetch_global && channel.unacked_toward_global >= channel.prefetch_global) return false;
  return true;
}

void Queue::apply(sim::TimeUs now, Command& command, Effects& effects) {
  std::visit([&](auto& c) { apply(now, std::move(c), effects); }, command);
}

// --- what every queue of ready messages does the same way

void Queue::enqueue(sim::TimeUs now, MessageRef message, Effects& effects) {
  BROKERSIM_ASSERT(next_position_ < QueuedMessage::kPositionLimit);
  QueuedMessage entry;
  entry.position = next_position_++;
  if (arguments_.max_priority > 0) {
    const std::uint8_t wanted = message->properties().priority.value_or(0);
    entry.priority = std::min(wanted, arguments_.max_priority);  // above the maximum counts as the maximum
  }
  // Queue TTL and per-message TTL: the lower wins; expiry is fixed now and survives requeues.
  std::optional<std::int64_t> ttl_ms = arguments_.message_ttl_ms;
  if (const auto& expiration = message->properties().expiration) {
    if (auto per_message = parse_expiration_ms(*expiration)) ttl_ms = ttl_ms ? std::min(*ttl_ms, *per_message) : *per_message;
  }
  if (ttl_ms) entry.expires_at_us = now + sim::millis(*ttl_ms);
  const std::uint64_t body_size = message->body_size();
  entry.message = std::move(message);

  // Most queues have no length limit, and so no overflow to look at.
  const bool limited = has_length_limit();
  const OverflowRule rule = limited ? overflow_rule() : OverflowRule{};
  const bool refuse = limited && (rule.counts_arriving_message
                                      ? over_limit(ready_.size() + 1, ready_.bytes() + body_size)
                                      : over_limit(ready_.size(), ready_.bytes()));
  if (rule.overflow != Overflow::kDropHead && refuse) {
    ++counters_.rejected_on_publish;
    effects.emplace_back(effect::RefusePublish{});
    if (rule.overflow == Overflow::kRejectPublishDlx) {
      dead_letter(std::move(entry), DeathReason::kMaxlen, "refused: the queue is full (reject-publish-dlx)", effects);
    } else {
      effects.emplace_back(effect::Drop{std::move(entry), trace::Reason::kRefused, "refused: the queue is full (reject-publish)"});
    }
    return;
  }
  ready_.push_back(std::move(entry));
  ++counters_.enqueued;
  if (limited && rule.overflow == Overflow::kDropHead) {
    trim_head(false, effects);
  } else {
    note_depth();
  }
}

void Queue::trim_head(bool after_requeue, Effects& effects) {
  if (!ready_.empty() && over_limit(ready_.size(), ready_.bytes())) {
    dead_letter(ready_.pop_front(), DeathReason::kMaxlen,
                after_requeue ? "dropped from the head: requeued over its length limit"
                              : "dropped from the head: the queue is over its length limit",
                effects);
    effects.emplace_back(effect::Then{command::TrimHead{after_requeue}});
  } else if (!after_requeue) {
    note_depth();
  }
}

// The largest depth so far, taken once overflow has had its say (so never above a limit).
void Queue::note_depth() { counters_.max_depth = std::max<std::uint64_t>(counters_.max_depth, ready_.size()); }

// Delivers while a consumer has credit. Expired heads go first; once some have, this step ends
// and the same step comes again, after their dead letters are carried out (they may reach
// consumers of this channel, and so change its credit).
void Queue::dispatch(sim::TimeUs now, bool fresh_publish, Effects& effects) {
  for (bool first = true;; first = false) {
    if (!(first && fresh_publish) && expire_heads(now, effects)) {
      effects.emplace_back(effect::Then{command::Dispatch{}});
      return;
    }
    Consumer* chosen = ready_.empty() ? nullptr : choose_consumer();
    if (!chosen) {
      if (tick_would_change()) expire_then_tick(now, /*schedule=*/true, effects);  // else it does nothing
      return;
    }
    spend_credit(*chosen);
    effects.emplace_back(effect::Deliver{chosen, ready_.pop_front()});
    move_to_back_of_group(chosen);
  }
}

void Queue::expire_then_tick(sim::TimeUs now, bool schedule, Effects& effects) {
  if (expire_heads(now, effects)) {
    effects.emplace_back(effect::Then{command::Tick{schedule}});  // what expired may have uncovered more
  } else if (schedule && tick_would_change()) {
    tick(effects);
  }
}

// Only a change is asked for: after a tick at T, whatever expired at T has gone, so the next
// one is never T again.
void Queue::tick(Effects& effects) {
  const sim::TimeUs next = ready_.next_head_expiry();
  if (next == requested_tick_) return;
  requested_tick_ = next;
  effects.emplace_back(effect::ScheduleTick{next});
}

void Queue::take(bool no_ack, Effects& effects) {
  if (ready_.empty()) return;
  count_delivery(no_ack);
  effects.emplace_back(effect::Hand{ready_.pop_front()});
}

void Queue::settle_unacked(command::Settle&& settle, Effects& effects) {
  if (settle.how == Settlement::kRequeue) return requeue(std::move(settle), effects);
  dead_letter(std::move(settle.entry), DeathReason::kRejected, settlement_text(settle.by, settle.how), effects);
}

void Queue::dead_letter(QueuedMessage entry, DeathReason reason, std::string why, Effects& effects) {
  effects.emplace_back(effect::DeadLetter{std::move(entry), reason, std::move(why)});
}

void Queue::restart(Effects& /*effects*/) {}  // what a queue holds survives, unless its type says not

bool Queue::over_limit(std::size_t count, std::uint64_t bytes) const {
  // Limits count ready messages only, and bodies only.
  return (arguments_.max_length && count > static_cast<std::uint64_t>(*arguments_.max_length)) ||
         (arguments_.max_length_bytes && bytes > static_cast<std::uint64_t>(*arguments_.max_length_bytes));
}

void Queue::put_back(QueuedMessage entry) {
  entry.redelivered = true;
  ++counters_.requeued;
  ready_.requeue(std::move(entry));
}

void Queue::drop_all(trace::Reason reason, std::string_view why, Effects& effects) {
  for (QueuedMessage& entry : ready_.take_all()) effects.emplace_back(effect::Drop{std::move(entry), reason, std::string(why)});
}

void Queue::delete_all(Effects& effects) {
  // No consumer takes over from another here (single active consumer): they all go at once.
  for (Consumer* consumer : consumers_) effects.emplace_back(effect::ConsumerCancelled{consumer});
  consumers_.clear();
  drop_all(trace::Reason::kQueueDeleted, "its queue was deleted", effects);
}

// Only heads expire: a dead message behind a live one waits, and counts in the depth.
bool Queue::expire_expired_heads(sim::TimeUs now, Effects& effects) {
  auto expired = ready_.take_expired_heads(now);
  for (QueuedMessage& entry : expired) {
    ++counters_.expired;
    // A message whose TTL ran out behind others (or while a consumer held it) leaves only
    // now, at the head: say both times, or the log reads as if it expired just now.
    std::string why = entry.expires_at_us < now
                          ? "its TTL ran out at " + trace::format_time(entry.expires_at_us) +
                                " while other messages were ahead of it; it left when it reached the head"
                          : "its TTL ran out at the head of the queue";
    dead_letter(std::move(entry), DeathReason::kExpired, std::move(why), effects);
  }
  return !expired.empty();
}

void Queue::count_delivery(bool no_ack) {
  ++counters_.delivered;
  if (!no_ack) ++unacked_;
}

// The consumer's credit is spent as the message is chosen, so the next choice sees it; the
// broker gives it back when the delivery is settled (Broker::release).
void Queue::spend_credit(Consumer& consumer) {
  count_delivery(consumer.no_ack);
  if (consumer.no_ack) return;
  ++consumer.unacked;
  ++consumer.channel->unacked_toward_global;
}

// --- consumers

bool Queue::has_exclusive_consumer() const {
  return std::any_of(consumers_.begin(), consumers_.end(), [](const Consumer* c) { return c->exclusive; });
}

Consumer* Queue::single_active_consumer() const {
  Consumer* active = nullptr;
  for (Consumer* c : consumers_) {
    if (!active || c->id < active->id) active = c;
  }
  return active;
}

void Queue::add_consumer(Consumer* consumer, Effects& effects) {
  const Consumer* active_before = single_active_consumer();
  ever_had_consumer_ = true;
  // Consumers are kept highest priority first; within a priority, the one served longest ago
  // comes first. Insert after every consumer of equal or higher priority.
  auto at = std::find_if(consumers_.begin(), consumers_.end(),
                         [&](const Consumer* c) { return c->priority < consumer->priority; });
  consumers_.insert(at, consumer);
  if (arguments_.single_active_consumer && !active_before) effects.emplace_back(effect::ConsumerActivated{consumer});
}

void Queue::cancel_consumer(Consumer* consumer, Effects& effects) {
  const Consumer* active_before = single_active_consumer();
  consumers_.erase(std::remove(consumers_.begin(), consumers_.end(), consumer), consumers_.end());
  if (!arguments_.single_active_consumer || active_before != consumer) return;
  if (Consumer* next = single_active_consumer()) effects.emplace_back(effect::ConsumerActivated{next});
}

Consumer* Queue::choose_consumer() {
  if (arguments_.single_active_consumer) {
    Consumer* active = single_active_consumer();
    return active && has_credit(*active) ? active : nullptr;
  }
  for (Consumer* candidate : consumers_) {
    if (has_credit(*candidate)) return candidate;
    candidate->passed_over = true;
  }
  return nullptr;
}

// After a delivery the consumer moves behind its equals (round-robin).
void Queue::move_to_back_of_group(const Consumer* consumer) {
  if (consumers_.size() < 2) return;
  auto it = std::find(consumers_.begin(), consumers_.end(), consumer);
  if (it == consumers_.end()) return;
  auto end_of_group = std::find_if(it, consumers_.end(), [&](const Consumer* c) { return c->priority != consumer->priority; });
  std::rotate(it, it + 1, end_of_group);
}

void Queue::rejoin_if_free(Consumer& consumer) {
  if (!consumer.passed_over || !has_credit(consumer)) return;
  consumer.passed_over = false;
  move_to_back_of_group(&consumer);
}

const std::vector<MessageRef>& Queue::stream_log() const {
  static const std::vector<MessageRef> kNone;
  return kNone;
}

void Queue::check_invariants() const {
  std::uint64_t bytes = 0;
  std::size_t count = 0;
  std::vector<std::uint64_t> positions;
  ready_.for_each([&](const QueuedMessage& m) {
    bytes += m.message->body_size();
    ++count;
    BROKERSIM_ASSERT(m.priority <= arguments_.max_priority);
    BROKERSIM_ASSERT(m.position < next_position_);
    positions.push_back(m.position);
  });
  BROKERSIM_ASSERT(bytes == ready_.bytes() && count == ready_.size());
  std::sort(positions.begin(), positions.end());
  BROKERSIM_ASSERT(std::adjacent_find(positions.begin(), positions.end()) == positions.end());  // one place each
  for (std::size_t i = 1; i < consumers_.size(); ++i)
    BROKERSIM_ASSERT(consumers_[i - 1]->priority >= consumers_[i]->priority);  // highest priority first
  for (const Consumer* c : consumers_) BROKERSIM_ASSERT(c->queue == this);
}

}  // namespace brokersim::broker
