// Broker: x-expires and single active consumers: what happens to a queue around its consumers.
#include "broker/broker_internal.h"

namespace brokersim::broker {

using namespace internal;

void Broker::touch_unused_timer(Queue& queue) {
  const auto& expires_ms = queue.arguments().expires_ms;
  if (!expires_ms) return;
  if (queue.unused_timer) {
    scheduler_.cancel(*queue.unused_timer);
    queue.unused_timer.reset();
  }
  if (!queue.consumers().empty()) return;  // in use: the clock starts when the last consumer goes
  queue.unused_timer = scheduler_.schedule_after(sim::millis(*expires_ms), [this, name = queue.name()] {
    OperationScope scope(*this);
    Queue* q = queue_named(name);
    if (!q) return;
    q->unused_timer.reset();
    if (!q->consumers().empty()) return;
    // Its messages are dropped, not dead-lettered, as in RabbitMQ.
    delete_queue(*q, "x-expires: unused for " + std::to_string(*q->arguments().expires_ms) + " ms");
  });
}

// With x-single-active-consumer, the queue names the consumer that takes over.
void Broker::detach_consumer(Consumer& consumer) { run(*consumer.queue, command::CancelConsumer{&consumer}); }

void Broker::announce_active_consumer(Queue& queue, const Consumer& consumer) {
  auto& e = tracer_.begin(trace::EventKind::kConsumerActivated);
  e.connection = consumer.channel->connection();
  e.channel = consumer.channel->number();
  e.queue = queue.name();
  e.consumer_tag = consumer.tag();
  e.text = "single active consumer";
  tracer_.emit();
}

}  // namespace brokersim::broker
