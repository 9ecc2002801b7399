#pragma once
// YAML -> Scenario, with every problem reported as "file:line:col: what is wrong". The loader
// checks shapes and types itself, then declares the topology on a scratch broker so that
// RabbitMQ's own rules (reserved names, bad arguments, unknown exchanges) give the errors.
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace brokersim::scenario {

struct Diagnostic {
  std::string file;
  Position at;
  std::string message;
  std::string to_string() const;  // "file:line:col: message"
};

struct LoadResult {
  Scenario scenario;
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

// Bounds on what a scenario may ask for, so a hostile file cannot exhaust memory or time.
struct ScenarioLimits {
  std::size_t max_file_bytes = 4 * 1024 * 1024;
  std::size_t max_items = 10'000;  // exchanges, queues, bindings, actors, events, each
  sim::TimeUs max_duration_us = sim::seconds(24 * 3600);
};

LoadResult load_scenario_text(const std::string& text, const std::string& file_name, const ScenarioLimits& limits = {});
LoadResult load_scenario_file(const std::string& path, const ScenarioLimits& limits = {});

}  // namespace brokersim::scenario
