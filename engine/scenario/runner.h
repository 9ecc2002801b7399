#pragma once
// Plays a scenario: a broker plus simulated producers and consumers on one scheduler, in
// simulated time. Same scenario and seed, same trace.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "scenario/scenario.h"
#include "sim/clock.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/tracer.h"

namespace brokersim::scenario {

struct ConsumerStats {
  std::uint64_t received = 0;
  std::uint64_t acked = 0;
  std::uint64_t nacked = 0;    // nack without requeue
  std::uint64_t requeued = 0;  // nack with requeue
  std::uint64_t rejected = 0;
  std::uint64_t published = 0;  // services: follow-ups, replies and parked messages
  std::uint64_t parked = 0;
  // RPC clients.
  std::uint64_t requests = 0;
  std::uint64_t replies = 0;
  std::uint64_t timeouts = 0;
  sim::TimeUs round_trip_total_us = 0;
  sim::TimeUs round_trip_max_us = 0;
};

struct RunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's
  std::optional<sim::TimeUs> until_us;  // stops early (or later) than the scenario's duration
  std::vector<trace::Sink*> sinks;
  // Called now and then with the simulated time, so a front end can show progress.
  std::function<void(sim::TimeUs now_us, std::uint64_t events)> progress;
};

class Runner {
 public:
  Runner(const Scenario& scenario, RunOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  void run();

  std::uint64_t seed() const { return seed_; }
  sim::TimeUs end_us() const { return end_us_; }
  const broker::Broker& broker() const { return *broker_; }
  // For the real AMQP port: it serves the same broker and drives the same scheduler on the
  // wall clock instead of calling run(), so the scenario's actors play alongside real clients.
  broker::Broker& live_broker() { return *broker_; }
  sim::Scheduler& live_scheduler() { return scheduler_; }
  const trace::Tracer& tracer() const { return tracer_; }
  // Per consumer, in the order the scenario lists them.
  std::vector<std::pair<std::string, ConsumerStats>> consumer_stats() const;

  class ProducerActor;
  class ConsumerActor;
  class RpcClientActor;

 private:
  void declare_topology();
  void schedule_timeline();
  sim::TimeUs latency();

  const Scenario& scenario_;
  RunOptions options_;
  std::uint64_t seed_;
  sim::TimeUs end_us_;
  sim::SimClock clock_;
  sim::Scheduler scheduler_;
  sim::Rng rng_;
  trace::Tracer tracer_;
  std::unique_ptr<broker::Broker> broker_;
  broker::ChannelKey admin_;
  std::vector<std::unique_ptr<ProducerActor>> producers_;
  std::vector<std::unique_ptr<ConsumerActor>> consumers_;
  std::vector<std::unique_ptr<RpcClientActor>> rpc_clients_;
};

struct ExpectationResult {
  const Expectation* expectation = nullptr;
  std::int64_t actual = 0;
  bool passed = false;
};

std::vector<ExpectationResult> check_expectations(const Scenario& scenario, const Runner& runner);

}  // namespace brokersim::scenario
