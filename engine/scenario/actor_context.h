#pragma once
// What every scenario client shares: the broker it talks to (simulated or real), the scheduler it waits on, the
// run's random numbers and network latency, and the list of errors the clients met.
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/broker.h"
#include "scenario/broker_client.h"
#include "scenario/scenario.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/tracer.h"

namespace brokersim::scenario {

// A channel or connection error that an actor or a timeline action ran into. `check` fails
// on each one the scenario's `expect: errors:` does not declare.
struct RunError {
  sim::TimeUs time_us = 0;
  broker::ReplyCode code = broker::ReplyCode::kSuccess;
  std::string text;  // RabbitMQ's reply text
  std::string who;   // the actor's name, or "timeline"
  Position at;       // the actor or timeline event in the file
};

// One value drawn from a distribution (constants draw no random numbers).
sim::TimeUs draw(sim::Rng& rng, const Distribution& d);
// Its mean, drawing nothing.
sim::TimeUs mean_of(const Distribution& d);

struct ActorContext {
  BrokerClient& client;
  sim::Scheduler& scheduler;
  sim::Rng& rng;
  trace::Tracer& tracer;
  const Distribution& latency_distribution;  // client <-> broker, each way
  sim::TimeUs end_us;
  std::vector<RunError>& errors;
  // Per queue, how often its consumers have met each message content (key and body): the
  // draws for a delivery are keyed by it, whichever competing consumer gets the message.
  std::map<std::string, std::unordered_map<std::uint64_t, std::uint32_t>>& meetings;
  std::uint64_t run_seed;

  sim::TimeUs now() const { return scheduler.now_us(); }
  sim::TimeUs latency() { return draw(rng, latency_distribution); }
  sim::TimeUs mean_latency() const { return mean_of(latency_distribution); }

  // Records a failed broker call made on behalf of `who` (defined at `at`). True if it worked.
  template <typename T>
  bool ok(const broker::Result<T>& result, const std::string& who, Position at) {
    if (result.ok()) return true;
    errors.push_back({now(), result.error().code, result.error().text, who, at});
    return false;
  }
};

}  // namespace brokersim::scenario
