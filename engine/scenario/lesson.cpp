#include "scenario/lesson.h"

namespace brokersim::scenario {

bool lesson_triggered_by(const LessonStep::Trigger& trigger, const trace::Event& event) {
  if (trace::kind_name(event.kind) != trigger.event) return false;
  if (!trigger.queue.empty() && event.queue != trigger.queue) return false;
  if (!trigger.exchange.empty() && event.exchange != trigger.exchange) return false;
  if (!trigger.consumer.empty() && event.consumer_tag != trigger.consumer) return false;
  return true;
}

std::vector<const LessonStep*> LessonFollower::on_event(const trace::Event& event) {
  std::vector<const LessonStep*> due;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    if (shown_[i]) continue;
    const LessonStep& step = steps_[i];
    const bool now = step.when ? lesson_triggered_by(*step.when, event) : step.at_us <= event.time_us;
    if (!now) continue;
    shown_[i] = true;
    due.push_back(&step);
  }
  return due;
}

std::vector<const LessonStep*> LessonFollower::finish(sim::TimeUs end_us) {
  std::vector<const LessonStep*> due;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    if (shown_[i] || steps_[i].when || steps_[i].at_us > end_us) continue;
    shown_[i] = true;
    due.push_back(&steps_[i]);
  }
  return due;
}

std::vector<const LessonStep*> LessonFollower::never_shown(sim::TimeUs end_us) const {
  std::vector<const LessonStep*> out;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const LessonStep& step = steps_[i];
    if (!shown_[i] && (step.when || step.at_us > end_us)) out.push_back(&step);
  }
  return out;
}

}  // namespace brokersim::scenario
