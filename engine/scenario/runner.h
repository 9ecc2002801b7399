#pragma once
// Plays a scenario: a broker plus simulated producers and consumers on one scheduler, in
// simulated time. Same scenario and seed, same trace.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "scenario/actor_context.h"
#include "scenario/broker_client.h"
#include "scenario/consumer_actor.h"
#include "scenario/observing_client.h"
#include "scenario/scenario.h"
#include "scenario/sim_broker_client.h"
#include "sim/clock.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/tracer.h"

namespace brokersim::scenario {

class ProducerActor;
class RpcClientActor;

// Paces a run against a real broker: simulated time follows the wall clock, and what the broker
// pushes reaches the actors when it arrives.
class Pacer {
 public:
  virtual ~Pacer() = default;
  // Waits for simulated time `due_us` to come, handing the broker's pushes to the actors as they
  // arrive (moving `clock` to their time first). True when `due_us` came; false when pushes came
  // first, as they may have scheduled work that is due sooner.
  virtual bool wait_until(sim::TimeUs due_us, sim::SimClock& clock) = 0;
  // The broker is gone: the run ends now, with what it measured so far.
  virtual bool stopped() const = 0;
};

struct RunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's
  std::optional<sim::TimeUs> until_us;  // stops early (or later) than the scenario's duration
  std::vector<trace::Sink*> sinks;
  // Called now and then with the simulated time, so a front end can show progress.
  std::function<void(sim::TimeUs now_us, std::uint64_t events)> progress;
  // A real broker instead of the simulated one (`verify`, `drive`), paced on the wall clock.
  // The simulated broker then stays empty, and what the run measures comes from the clients.
  BrokerClient* client = nullptr;
  Pacer* pacer = nullptr;
  // Records what the clients see of the broker, as `verify` compares it.
  Observations* observations = nullptr;
};

// A queue that was deleted during the run, with its counters as they were then.
struct DeletedQueue {
  std::string name;
  broker::QueueCounters counters;
  sim::TimeUs deleted_at_us = 0;
};

class Runner final : private trace::Sink {
 public:
  Runner(const Scenario& scenario, RunOptions options);
  ~Runner() override;
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  void run();

  std::uint64_t seed() const { return seed_; }
  sim::TimeUs end_us() const { return end_us_; }
  const broker::Broker& broker() const { return *broker_; }
  // For the real AMQP port: it serves the same broker and drives the same scheduler on the
  // wall clock instead of calling run(), so the scenario's actors play alongside real clients.
  broker::Broker& live_broker() { return *broker_; }
  // What the actors speak to: the simulated broker's client, or the one in the options.
  BrokerClient& client() { return *client_; }
  sim::Scheduler& live_scheduler() { return scheduler_; }
  const trace::Tracer& tracer() const { return tracer_; }
  // Per consumer, in the order the scenario lists them, then the RPC clients.
  std::vector<std::pair<std::string, ActorStats>> consumer_stats() const;
  // Per producer, in the order the scenario lists them.
  std::vector<std::pair<std::string, ActorStats>> producer_stats() const;
  // Every error the actors and the timeline met, in the order they happened.
  const std::vector<RunError>& errors() const { return errors_; }
  // Auto-ack messages that died with their consumer's application.
  const std::vector<Loss>& losses() const { return losses_; }
  // Queues deleted during the run (the last deletion of each name).
  const std::map<std::string, DeletedQueue>& deleted_queues() const { return deleted_queues_; }
  // No copy in the broker unaccounted for, and nothing lost inside a consumer.
  bool nothing_lost() const { return broker_->nothing_lost() && losses_.empty(); }
  // Values taken during the run for expectations with `at:`, by expectation index.
  const std::map<std::size_t, std::int64_t>& snapshots() const { return snapshots_; }

 private:
  void on_event(const trace::Event& e) override;
  void declare_topology();
  void schedule_timeline();
  void apply(const TimelineEvent& event);
  void apply_to_actor(const TimelineEvent& event);
  void take_snapshots_before(sim::TimeUs time_us);
  ActorContext& context_for_actor(const std::string& name);

  const Scenario& scenario_;
  RunOptions options_;
  std::uint64_t seed_;
  sim::TimeUs end_us_;
  sim::SimClock clock_;
  sim::Scheduler scheduler_;
  sim::Rng rng_;
  trace::Tracer tracer_;
  std::unique_ptr<broker::Broker> broker_;
  std::optional<SimBrokerClient> sim_client_;
  std::optional<ObservingClient> observer_;
  BrokerClient* client_ = nullptr;  // the simulated broker's, or options_.client
  std::vector<RunError> errors_;
  std::vector<Loss> losses_;
  std::map<std::string, DeletedQueue> deleted_queues_;
  std::optional<ActorContext> context_;  // made once the broker exists
  // One random stream, and so one context, per actor: see context_for_actor.
  std::deque<sim::Rng> actor_rngs_;
  std::map<std::string, std::unordered_map<std::uint64_t, std::uint32_t>> meetings_;  // see ActorContext
  std::deque<ActorContext> actor_contexts_;
  broker::ChannelKey admin_;
  std::vector<std::unique_ptr<ProducerActor>> producers_;
  std::vector<std::unique_ptr<ConsumerActor>> consumers_;
  std::vector<std::unique_ptr<RpcClientActor>> rpc_clients_;
  std::vector<std::size_t> timed_expectations_;  // indexes, in time order
  std::size_t next_snapshot_ = 0;
  std::map<std::size_t, std::int64_t> snapshots_;
};

}  // namespace brokersim::scenario
