#include "gui/quiz_state.h"

#include <algorithm>

namespace brokersim::gui {

int QuizState::right() const { return static_cast<int>(std::count(results.begin(), results.end(), Result::kRight)); }

int QuizState::answered_count() const {
  return static_cast<int>(results.size() - static_cast<std::size_t>(std::count(results.begin(), results.end(), Result::kUnanswered)));
}

int QuizState::question_for(const scenario::LessonStep* step) const {
  for (std::size_t i = 0; i < questions.size(); ++i)
    if (questions[i].step == step) return static_cast<int>(i);
  return -1;
}

void QuizState::toggle_queue(const std::string& name) {
  auto it = std::find(picked.begin(), picked.end(), name);
  if (it == picked.end()) {
    picked.push_back(name);
  } else {
    picked.erase(it);
  }
}

void QuizState::start(int question) {
  pending = question;
  answered = false;
  feedback.clear();
  picked.clear();
  option = -1;
  count = 0;
}

}  // namespace brokersim::gui
