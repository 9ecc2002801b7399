#include "broker/classic_queue.h"

namespace brokersim::broker {

void ClassicQueue::requeue(command::Settle&& settle, Effects& effects) {
  effects.emplace_back(effect::Requeued{settle.entry.message->id(), settle.from, settlement_text(settle.by, settle.how)});
  put_back(std::move(settle.entry));
  // A drop-head queue that a requeue pushed over its limit drops from the head (and
  // dead-letters as maxlen), as RabbitMQ's requeue does; reject-publish queues keep them all.
  if (arguments().overflow == Overflow::kDropHead) trim_head(/*after_requeue=*/true, effects);
}

// Transient messages (delivery_mode 1) do not survive a restart, even in a durable queue.
void ClassicQueue::restart(Effects& effects) {
  for (QueuedMessage& entry : ready_.take_all()) {
    if (entry.message->persistent()) {
      ready_.push_back(std::move(entry));  // in order, flags kept, no counter moves
    } else {
      effects.emplace_back(effect::Drop{std::move(entry), trace::Reason::kBrokerRestart,
                                     "transient message (delivery_mode 1) lost in the broker restart"});
    }
  }
}

}  // namespace brokersim::broker
