#pragma once
// RabbitMQ definitions JSON (what `rabbitmqctl import_definitions` reads) from a scenario's
// topology.
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace brokersim::scenario {

// JSON has no void value, and RabbitMQ's importer refuses null: a binding with a void
// argument (headers "present" match) cannot be exported. Such bindings are left out and
// named in `warnings`, never dropped silently.
std::string export_definitions(const scenario::Scenario& scenario, std::vector<std::string>& warnings);

}  // namespace brokersim::scenario
