#pragma once
// RabbitMQ definitions JSON -> a scenario YAML with that topology. Policies are applied where
// RabbitMQ would apply them, and names starting with "amq." are skipped as RabbitMQ skips them.
#include <string>
#include <vector>

namespace brokersim::scenario {

struct ImportResult {
  std::string yaml;
  std::vector<std::string> warnings;  // what was left out, and why
  std::string error;                  // set when the JSON cannot be used at all
};

ImportResult import_definitions(const std::string& json_text, const std::string& scenario_name);

}  // namespace brokersim::scenario
