#include "scenario/exercise_grading.h"

#include <algorithm>

#include "scenario/expectations.h"
#include "scenario/runner.h"
#include "trace/describe.h"

namespace brokersim::scenario {

namespace {

std::string subject_of(const Expectation& e) {
  switch (e.subject) {
    case Expectation::Subject::kQueue: return "queue '" + e.name + "' ";
    case Expectation::Subject::kConsumer: return "'" + e.name + "' ";
    case Expectation::Subject::kExchange: return "exchange '" + e.name + "' ";
    case Expectation::Subject::kBroker: return "";
  }
  return "";
}

}  // namespace

std::vector<CheckResult> grade_exercise(const Scenario& attempt) {
  Runner runner(attempt, {});
  runner.run();
  std::vector<CheckResult> out;
  for (const ExpectationResult& r : check_expectations(attempt, runner)) {
    const Expectation& e = *r.expectation;
    auto check = std::find_if(out.begin(), out.end(), [&](const CheckResult& c) { return c.hint == e.hint; });
    if (check == out.end()) check = out.insert(out.end(), CheckResult{e.hint, true, {}});
    if (r.passed) continue;
    check->passed = false;
    check->failures.push_back(subject_of(e) + e.metric + (e.at_us ? " at " + trace::format_time(*e.at_us) : "") +
                              ": expected " + std::to_string(e.value) + ", got " + std::to_string(r.actual));
  }
  return out;
}

}  // namespace brokersim::scenario
