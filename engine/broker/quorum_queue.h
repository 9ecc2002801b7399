#pragma once
// A quorum queue (RabbitMQ 3.10): its overflow rule, the delivery count it keeps for every
// message and the x-delivery-limit past which a message is dead-lettered.
#include "broker/queue.h"

namespace brokersim::broker {

class QuorumQueue final : public Queue {
 public:
  QuorumQueue(std::string name, QueueSettings settings, QueueArguments arguments)
      : Queue(std::move(name), std::move(settings), std::move(arguments)) {}

 private:
  OverflowRule overflow_rule() const override;
  void take(bool no_ack, Effects& effects) override;
  void requeue(command::Settle&& settle, Effects& effects) override;
  void dead_letter(QueuedMessage entry, DeathReason reason, std::string why, Effects& effects) override;
};

}  // namespace brokersim::broker
