#pragma once
// Follows a run's trace and says which lesson steps are due: timed steps once their time has
// come, triggered steps at the first event that matches them. The CLI prints them in the log;
// the GUI highlights them.
#include <cstddef>
#include <vector>

#include "scenario/scenario.h"
#include "trace/event.h"

namespace brokersim::scenario {

bool lesson_triggered_by(const LessonStep::Trigger& trigger, const trace::Event& event);

class LessonFollower {
 public:
  explicit LessonFollower(const std::vector<LessonStep>& steps) : steps_(steps), shown_(steps.size(), false) {}
  // The steps that become due with this event, in the scenario's order; each is given once.
  std::vector<const LessonStep*> on_event(const trace::Event& event);

 private:
  const std::vector<LessonStep>& steps_;
  std::vector<bool> shown_;
};

}  // namespace brokersim::scenario
