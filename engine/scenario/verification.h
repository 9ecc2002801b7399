#pragma once
// `brokersim verify`'s comparison: the prediction (the scenario played on the simulated broker)
// and the real run (the same actors against RabbitMQ), each as its clients saw it, side by
// side. Every quantity is exact unless the scenario's `verify: timing:` names it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenario/actor_stats.h"
#include "scenario/observing_client.h"
#include "scenario/scenario.h"

namespace brokersim::scenario {

// One run, as its clients saw it.
struct RunSide {
  Observations seen;
  std::vector<std::pair<std::string, ActorStats>> actors;  // consumers, RPC clients, producers
  // Each queue the scenario names, declared passively at the end: depth and consumers, or
  // nullopt when it no longer exists.
  std::map<std::string, std::optional<broker::QueueDeclareOk>> queues_at_end;
  std::vector<std::string> errors;  // "who: code text", in the order met
  // Each expectation's value; nullopt when a client cannot see it (a broker-internal counter).
  std::vector<std::optional<std::int64_t>> expectations;
};

struct VerifyRow {
  enum class Kind { kExact, kTiming, kSimulationOnly };
  std::string quantity;
  Kind kind = Kind::kExact;
  std::string simulated;
  std::string broker;
  bool agrees = true;
  std::string why;  // for a difference, or the scenario's reason for a timing-dependent one
};

std::vector<VerifyRow> compare_runs(const Scenario& scenario, const RunSide& simulated, const RunSide& broker);
// The rows that count against the verdict.
std::size_t differences(const std::vector<VerifyRow>& rows);

}  // namespace brokersim::scenario
