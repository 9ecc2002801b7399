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
// The same on a simulated broker (a scratch one, to check a scenario before it runs).
void declare_topology(broker::Broker& broker, broker::ChannelKey channel, const Scenario& scenario,
                      const TopologyErrorHandler& on_error);

}  // namespace brokersim::scenario
