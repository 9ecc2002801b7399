#pragma once
// The learner's side of a lesson: its questions with the engine's answers, what was answered,
// the question on screen, and an exercise's last grading. Owned by the app, not by a panel.
#include <cstdint>
#include <string>
#include <vector>

#include "scenario/exercise_grading.h"
#include "scenario/quiz.h"

namespace brokersim::gui {

struct QuizState {
  enum class Result { kUnanswered, kRight, kWrong };
  // The scenario the questions were answered for: they are recomputed when it changes.
  const scenario::Scenario* scenario = nullptr;
  std::uint64_t scenario_events = 0;
  std::vector<scenario::AskedQuestion> questions;
  std::vector<Result> results;

  int pending = -1;  // the question on screen, waiting for an answer or for "Continue"
  bool answered = false;
  std::string feedback;
  // The answer being put together: ticked queues, a chosen option, a count.
  std::vector<std::string> picked;
  int option = -1;
  int count = 0;

  bool show_all_steps = false;  // the instructor's "show all": otherwise only steps reached
  bool graded = false;
  std::vector<scenario::CheckResult> checks;

  int right() const;
  // The index of the question this lesson step asks, or -1.
  int question_for(const scenario::LessonStep* step) const;
  int answered_count() const;
  void toggle_queue(const std::string& name);
  void start(int question);  // puts a question on screen with a fresh answer
};

}  // namespace brokersim::gui
