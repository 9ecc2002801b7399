#pragma once
// Reads a scenario's `lesson:` steps: narrative text, when each shows, and the questions they
// ask the learner.
#include <yaml-cpp/yaml.h>

#include "scenario/scenario.h"
#include "scenario/yaml_reader.h"

namespace brokersim::scenario {

void read_lesson(Reader& r, const YAML::Node& node, Scenario& s);

}  // namespace brokersim::scenario
