#include "scenario/topology.h"

#include "scenario/sim_broker_client.h"

namespace brokersim::scenario {

broker::ExchangeDeclare exchange_declare_of(const ExchangeSpec& x) {
  return {.name = x.name, .type = x.type, .durable = x.durable, .auto_delete = x.auto_delete, .internal = x.internal,
          .arguments = x.arguments};
}

broker::QueueDeclare queue_declare_of(const QueueSpec& q) {
  return {.name = q.name, .durable = q.durable, .exclusive = q.exclusive, .auto_delete = q.auto_delete,
          .arguments = q.arguments};
}

void declare_topology(BrokerClient& client, broker::ChannelKey ch, const Scenario& s,
                      const TopologyErrorHandler& on_error) {
  // A refusal closes the channel (as in AMQP); reopen it so one error does not hide the next.
  auto attempt = [&](Position at, auto&& op) {
    if (!client.channel_is_open(ch)) {
      if (!client.connection_open(ch.connection)) ch.connection = client.open_connection("topology", nullptr);
      (void)client.channel_open(ch);
    }
    auto result = op();
    if (!result.ok()) on_error(at, result.error());
  };
  for (const auto& x : s.exchanges) {
    attempt(x.at, [&] {
      return client.exchange_declare(ch, exchange_declare_of(x));
    });
  }
  for (const auto& q : s.queues) {
    attempt(q.at, [&] {
      return client.queue_declare(ch, queue_declare_of(q));
    });
  }
  for (const auto& b : s.bindings) {
    attempt(b.at, [&] {
      return b.to_exchange ? client.exchange_bind(ch, b.destination, b.exchange, b.key, b.arguments)
                           : client.queue_bind(ch, b.destination, b.exchange, b.key, b.arguments);
    });
  }
}

void declare_topology(broker::Broker& broker, broker::ChannelKey channel, const Scenario& scenario,
                      const TopologyErrorHandler& on_error) {
  SimBrokerClient client(broker);
  declare_topology(client, channel, scenario, on_error);
}

}  // namespace brokersim::scenario
