#pragma once
// A scenario from YAML text in a test: every load error fails the test where it was loaded.
#include <doctest/doctest.h>

#include <string>

#include "scenario/loader.h"

namespace brokersim::testing {

inline scenario::Scenario load_scenario(const std::string& yaml) {
  scenario::LoadResult r = scenario::load_scenario_text(yaml, "s.yaml");
  for (const auto& e : r.errors) FAIL_CHECK(e.to_string());
  REQUIRE(r.ok());
  return std::move(r.scenario);
}

}  // namespace brokersim::testing
