#include "broker/quorum_queue.h"

namespace brokersim::broker {

namespace {

// A copy of the message with the x-delivery-count header set, the count also kept in the copy
// (Message::returns).
MessageRef with_delivery_count(const MessageRef& message, std::uint32_t count) {
  BasicProperties properties = message->properties();
  if (!properties.headers) properties.headers.emplace();
  set_field(*properties.headers, "x-delivery-count", FieldValue(static_cast<std::int64_t>(count)));
  return message->with_properties(std::move(properties), count);
}

// x-delivery-count is delivery metadata: RabbitMQ does not dead-letter it.
MessageRef without_delivery_count(const MessageRef& message) {
  const auto& headers = message->properties().headers;
  if (!headers || !find_field(*headers, "x-delivery-count")) return message;
  BasicProperties properties = message->properties();
  erase_field(*properties.headers, "x-delivery-count");
  return message->with_properties(std::move(properties), message->returns());
}

}  // namespace

// A quorum queue (3.10) looks only at the queue as it is, so one message past the limit gets
// in, and it treats reject-publish-dlx like drop-head.
Queue::OverflowRule QuorumQueue::overflow_rule() const {
  const Overflow overflow = arguments().overflow;
  return {overflow == Overflow::kRejectPublishDlx ? Overflow::kDropHead : overflow, false};
}

// basic.get's message carries x-delivery-count, starting at 0 (3.10).
void QuorumQueue::take(bool no_ack, Effects& effects) {
  Queue::take(no_ack, effects);
  if (effects.empty()) return;
  if (auto* hand = std::get_if<effect::Hand>(&effects.back())) {
    hand->entry.message = with_delivery_count(hand->entry.message, hand->entry.message->returns());
  }
}

// Every delivery ends in a return or the message is gone; past x-delivery-limit returns, the
// message is dead-lettered. The next delivery carries x-delivery-count: how often it came back.
void QuorumQueue::requeue(command::Settle&& settle, Effects& effects) {
  QueuedMessage& entry = settle.entry;
  const std::uint32_t deliveries = entry.message->returns() + 1;
  const auto& limit = arguments().delivery_limit;
  if (limit && static_cast<std::int64_t>(deliveries) > *limit) {  // signed: -1 acts as 0
    dead_letter(std::move(entry), DeathReason::kDeliveryLimit,
                "delivered " + std::to_string(deliveries) + " times, over its x-delivery-limit of " +
                    std::to_string(*limit),
                effects);
    return;
  }
  entry.message = with_delivery_count(entry.message, deliveries);
  effects.emplace_back(effect::Requeued{entry.message->id(), settle.from, settlement_text(settle.by, settle.how)});
  put_back(std::move(entry));
}

void QuorumQueue::dead_letter(QueuedMessage entry, DeathReason reason, std::string why, Effects& effects) {
  entry.message = without_delivery_count(entry.message);
  Queue::dead_letter(std::move(entry), reason, std::move(why), effects);
}

}  // namespace brokersim::broker
