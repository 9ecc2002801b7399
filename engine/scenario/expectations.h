#pragma once
// What a scenario's `expect:` block asks of a run, measured: the metric names the loader
// accepts are the ones measured here.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "scenario/runner.h"

namespace brokersim::scenario {

// The metrics each subject has, for the loader's "expected one of" messages.
std::span<const std::string_view> queue_metrics();
std::span<const std::string_view> consumer_metrics();
std::span<const std::string_view> exchange_metrics();

// One of consumer_metrics() from an actor's counters; nullopt for another name.
std::optional<std::int64_t> actor_metric(std::string_view metric, const ActorStats& stats);

// One expectation's metric in the run as it is now; nullopt if its subject never existed.
std::optional<std::int64_t> measure(const Expectation& e, const Runner& runner);

struct ExpectationResult {
  const Expectation* expectation = nullptr;
  std::int64_t actual = 0;
  bool passed = false;
};

// Every expectation: timed ones with the value the run had at their time, others at the end.
std::vector<ExpectationResult> check_expectations(const Scenario& scenario, const Runner& runner);

// A run error matched to what the scenario declared, or left over.
struct ErrorCheck {
  std::vector<const RunError*> undeclared;          // errors nobody expected
  std::vector<const ExpectedError*> never_happened;  // declared errors that did not occur
};
ErrorCheck check_errors(const Scenario& scenario, const Runner& runner);

}  // namespace brokersim::scenario
