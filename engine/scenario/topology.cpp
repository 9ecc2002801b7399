#include "scenario/topology.h"

#include "scenario/sim_broker_client.h"
#include "sim/clock.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/tracer.h"

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
      if (!client.connection_open(ch.connection)) ch.connection = client.open_connection("topology", nullptr, trace::ConnectionRole::kScenario);
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

void declare_on_scratch_broker(const Scenario& scenario, const TopologyErrorHandler& on_error) {
  sim::SimClock clock;
  sim::Scheduler scheduler(clock);
  sim::Rng rng(0);
  trace::Tracer tracer(clock);
  broker::Broker scratch(scheduler, rng, tracer);
  SimBrokerClient client(scratch);
  const broker::ChannelKey channel{client.open_connection("scenario check", nullptr, trace::ConnectionRole::kScenario), 1};
  (void)client.channel_open(channel);
  declare_topology(client, channel, scenario, on_error);
  for (const auto& consumer : scenario.consumers) {
    if (!consumer.own_queue) continue;
    if (!client.channel_is_open(channel)) (void)client.channel_open(channel);
    auto declared = client.queue_declare(channel, queue_declare_of(*consumer.own_queue));
    if (!declared.ok()) on_error(consumer.own_queue->at, declared.error());
  }
}

}  // namespace brokersim::scenario
