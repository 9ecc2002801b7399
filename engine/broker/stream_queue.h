#pragma once
// A stream (RabbitMQ 3.10): an append-only log that every consumer reads from its own offset,
// with credit. Reading takes nothing away, and an ack only returns credit. Its ready list stays
// empty, so the shared TTL tick and basic.get (refused before, with 540) find nothing to do.
#include "broker/queue.h"
#include "broker/result.h"

namespace brokersim::broker {

class StreamQueue final : public Queue {
 public:
  StreamQueue(std::string name, QueueSettings settings, QueueArguments arguments)
      : Queue(std::move(name), std::move(settings), std::move(arguments)) {
    settles_are_reads_ = true;
  }

  const std::vector<MessageRef>& stream_log() const override { return log_; }
  std::size_t message_count() const override { return log_.size(); }
  // Where a new consumer starts reading, from its x-stream-offset argument (null: "next"),
  // or 406 when RabbitMQ would refuse it.
  Result<std::uint64_t> start_offset(sim::TimeUs now, const FieldValue* requested) const;

 private:
  void enqueue(sim::TimeUs now, MessageRef message, Effects& effects) override;
  void dispatch(sim::TimeUs now, bool fresh_publish, Effects& effects) override;
  void requeue(command::Settle&& settle, Effects& effects) override;
  void deliver_next(Consumer& consumer, Effects& effects);

  std::vector<MessageRef> log_;
};

}  // namespace brokersim::broker
