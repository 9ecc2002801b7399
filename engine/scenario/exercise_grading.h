#pragma once
// Grades an attempt at an exercise: the scenario as the learner changed it, run and measured
// against the exercise's hidden checks, one result per check with its hint.
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace brokersim::scenario {

struct CheckResult {
  std::string hint;
  bool passed = true;
  std::vector<std::string> failures;  // "queue 'alerts' enqueued: expected 4, got 0"
};

// One result per distinct hint, in the order the checks are written.
std::vector<CheckResult> grade_exercise(const Scenario& attempt);

}  // namespace brokersim::scenario
