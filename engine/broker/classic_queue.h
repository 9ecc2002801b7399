#pragma once
// A classic queue (RabbitMQ 3.10's default type): what sets it apart from the others.
#include "broker/queue.h"

namespace brokersim::broker {

// Its overflow rule is the default: reject-publish refuses a message that would take the queue
// over its limit, so the limit counts the arriving message.
class ClassicQueue final : public Queue {
 public:
  ClassicQueue(std::string name, QueueSettings settings, QueueArguments arguments)
      : Queue(std::move(name), std::move(settings), std::move(arguments)) {}

 private:
  void requeue(command::Settle&& settle, Effects& effects) override;
  void restart(Effects& effects) override;
};

}  // namespace brokersim::broker
