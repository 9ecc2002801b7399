#pragma once
// Declares a scenario's exchanges, queues and bindings on a broker, reporting each refusal
// with the position of the declaration that caused it.
#include <functional>

#include "broker/broker.h"
#include "scenario/broker_client.h"
#include "scenario/scenario.h"

namespace brokersim::scenario {

// The AMQP declarations a scenario's specs stand for.
broker::ExchangeDeclare exchange_declare_of(const ExchangeSpec& x);
broker::QueueDeclare queue_declare_of(const QueueSpec& q);

using TopologyErrorHandler = std::function<void(Position, const broker::Error&)>;

void declare_topology(BrokerClient& client, broker::ChannelKey channel, const Scenario& scenario,
                      const TopologyErrorHandler& on_error);
// Checks a scenario before it runs, as RabbitMQ would judge it: declares its topology and
// its consumers' own queues on a scratch broker and reports each refusal. The loader, the
// GUI's edits and anything else that must accept or refuse a scenario use this one check.
void declare_on_scratch_broker(const Scenario& scenario, const TopologyErrorHandler& on_error);

}  // namespace brokersim::scenario
