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
  // At the end of a run: timed steps within it that no later event brought due, now given.
  std::vector<const LessonStep*> finish(sim::TimeUs end_us);
  // After a run that ended at `end_us`: the steps that never came due. A timed step within
  // the run counts as shown even if no event followed it.
  std::vector<const LessonStep*> never_shown(sim::TimeUs end_us) const;

 private:
  const std::vector<LessonStep>& steps_;
  std::vector<bool> shown_;
};

}  // namespace brokersim::scenario
