#include "scenario/topology.h"

namespace brokersim::scenario {

broker::ExchangeDeclare exchange_declare_of(const ExchangeSpec& x) {
  return {.name = x.name, .type = x.type, .durable = x.durable, .auto_delete = x.auto_delete, .internal = x.internal,
          .arguments = x.arguments};
}

broker::QueueDeclare queue_declare_of(const QueueSpec& q) {
  return {.name = q.name, .durable = q.durable, .exclusive = q.exclusive, .auto_delete = q.auto_delete,
          .arguments = q.arguments};
}

void declare_topology(broker::Broker& broker, broker::ChannelKey ch, const Scenario& s,
                      const TopologyErrorHandler& on_error) {
  // A refusal closes the channel (as in AMQP); reopen it so one error does not hide the next.
  auto attempt = [&](Position at, auto&& op) {
    if (!broker.find_channel(ch)) {
      if (!broker.connection_open(ch.connection)) ch.connection = broker.open_connection("topology", nullptr);
      (void)broker.channel_open(ch);
    }
    auto result = op();
    if (!result.ok()) on_error(at, result.error());
  };
  for (const auto& x : s.exchanges) {
    attempt(x.at, [&] {
      return broker.exchange_declare(ch, exchange_declare_of(x));
    });
  }
  for (const auto& q : s.queues) {
    attempt(q.at, [&] {
      return broker.queue_declare(ch, queue_declare_of(q));
    });
  }
  for (const auto& b : s.bindings) {
    attempt(b.at, [&] {
      return b.to_exchange ? broker.exchange_bind(ch, b.destination, b.exchange, b.key, b.arguments)
                           : broker.queue_bind(ch, b.destination, b.exchange, b.key, b.arguments);
    });
  }
}

}  // namespace brokersim::scenario
