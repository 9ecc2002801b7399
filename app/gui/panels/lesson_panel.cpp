// The scenario's narrative: the steps reached so far (all of them with "show all"), the
// current one highlighted, a click seeks to it; the lesson's score; and an exercise's goal,
// hints and Check button.
#include <imgui.h>

#include <string>

#include "gui/gui_app.h"

namespace brokersim::gui {

namespace {

const char* result_mark(QuizState::Result r) {
  switch (r) {
    case QuizState::Result::kRight: return "[right] ";
    case QuizState::Result::kWrong: return "[wrong] ";
    case QuizState::Result::kUnanswered: return "[?] ";
  }
  return "";
}

void draw_step(GuiApp& app, std::size_t i, bool is_current) {
  const LessonMark& m = app.session.lesson()[i];
  const int question = app.quiz.question_for(m.step);
  // A timed step is labelled with its own time, as its text and the lesson file give it; a
  // step an event brings, with when the screen showed that event.
  std::string text = !m.due_us ? "never came due" : clock_text(m.step->when ? *m.due_us : m.step->at_us);
  text += "  ";
  if (question >= 0) text += result_mark(app.quiz.results[static_cast<std::size_t>(question)]) + app.quiz.questions[static_cast<std::size_t>(question)].prompt + " ";
  text += m.step->text;
  ImGui::PushID(static_cast<int>(i));
  if (is_current) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.85f, 0.35f, 1));
  ImGui::PushTextWrapPos(0);
  if (ImGui::Selectable("##step", is_current, 0, {0, ImGui::CalcTextSize(text.c_str(), nullptr, false, ImGui::GetContentRegionAvail().x).y}) &&
      m.due_us)
    app.seek(*m.due_us);
  ImGui::SameLine(0, 0);
  ImGui::SetCursorPosX(ImGui::GetStyle().WindowPadding.x);
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopTextWrapPos();
  if (is_current) ImGui::PopStyleColor();
  ImGui::PopID();
}

void draw_exercise(GuiApp& app) {
  const scenario::Exercise& x = *app.session.scenario().exercise;
  section("Exercise");
  ImGui::TextWrapped("%s", x.goal.c_str());
  if (!x.hints.empty() && ImGui::TreeNode("Hints")) {
    for (const auto& h : x.hints) ImGui::BulletText("%s", h.c_str());
    ImGui::TreePop();
  }
  ImGui::TextDisabled("Change the topology or the actors in the Edit tab, then:");
  if (ImGui::Button("Check")) {
    app.quiz.checks = scenario::grade_exercise(app.session.scenario());
    app.quiz.graded = true;
  }
  if (!app.quiz.graded) return;
  int passed = 0;
  for (const auto& c : app.quiz.checks) passed += c.passed ? 1 : 0;
  ImGui::SameLine();
  ImGui::Text("%d of %zu checks pass%s", passed, app.quiz.checks.size(), passed == static_cast<int>(app.quiz.checks.size()) ? ": solved" : "");
  for (std::size_t i = 0; i < app.quiz.checks.size(); ++i) {
    const auto& c = app.quiz.checks[i];
    ImGui::PushStyleColor(ImGuiCol_Text, c.passed ? ImVec4(0.45f, 0.9f, 0.5f, 1) : ImVec4(1.0f, 0.5f, 0.45f, 1));
    // A passing check keeps its hint to itself: it may give the rest away.
    ImGui::TextWrapped("[%s] check %zu%s%s", c.passed ? "pass" : "fail", i + 1, c.passed ? "" : ": ", c.passed ? "" : c.hint.c_str());
    ImGui::PopStyleColor();
    for (const auto& f : c.failures) ImGui::BulletText("%s", f.c_str());
  }
}

// The lesson's expect: block as this run measures it, live: an edit that breaks one shows it
// here, red, at once.
void draw_expectations(const GuiApp& app) {
  const auto& checks = app.session.expectations();
  if (checks.empty()) return;
  const std::size_t failing = app.session.expectations_failing();
  const std::string title = "Expectations: " + std::to_string(checks.size() - failing) + " of " +
                            std::to_string(checks.size()) + " hold###expectations";
  if (!ImGui::CollapsingHeader(title.c_str(), failing ? ImGuiTreeNodeFlags_DefaultOpen : 0)) return;
  for (const ExpectationCheck& c : checks) {
    ImGui::PushStyleColor(ImGuiCol_Text, c.passed ? ImVec4(0.45f, 0.9f, 0.5f, 1) : ImVec4(1.0f, 0.5f, 0.45f, 1));
    const std::string when = c.at_us ? " at " + clock_text(*c.at_us) : "";
    if (c.metric == "undeclared error")
      ImGui::TextWrapped("[fail] line %d: %s (code %lld)%s, not declared", c.at.line, c.subject.c_str(),
                         static_cast<long long>(c.actual), when.c_str());
    else if (c.metric == "declared error")
      ImGui::TextWrapped("[fail] line %d: error %lld for %s%s did not happen", c.at.line, static_cast<long long>(c.expected),
                         c.subject.c_str(), when.c_str());
    else
      ImGui::TextWrapped("[%s] line %d: %s %s%s = %lld%s", c.passed ? "pass" : "fail", c.at.line, c.subject.c_str(),
                         c.metric.c_str(), when.c_str(), static_cast<long long>(c.actual),
                         c.passed ? "" : (", expected " + std::to_string(c.expected)).c_str());
    ImGui::PopStyleColor();
  }
}

}  // namespace

void draw_lesson_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  app.sync_quiz();
  const scenario::Scenario& s = app.session.scenario();
  ImGui::TextWrapped("%s", s.name.c_str());
  if (!s.description.empty()) ImGui::TextWrapped("%s", s.description.c_str());
  if (s.exercise) draw_exercise(app);
  if (!app.quiz.questions.empty()) {
    ImGui::Text("Score: %d of %zu (%d answered)", app.quiz.right(), app.quiz.questions.size(), app.quiz.answered_count());
    ImGui::SameLine();
    if (ImGui::SmallButton("Ask again")) app.quiz.results.assign(app.quiz.questions.size(), QuizState::Result::kUnanswered);
  }
  draw_expectations(app);
  ImGui::Checkbox("Show all steps", &app.quiz.show_all_steps);
  ImGui::Separator();
  const auto& marks = app.session.lesson();
  if (marks.empty()) ImGui::TextDisabled("This scenario has no lesson steps.");
  // The current step: the last one that has come due by the playhead.
  int current = -1;
  for (std::size_t i = 0; i < marks.size(); ++i)
    if (marks[i].due_us && *marks[i].due_us <= app.time_us) current = static_cast<int>(i);
  int hidden = 0;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const bool reached = marks[i].due_us && *marks[i].due_us <= app.time_us;
    if (!reached && !app.quiz.show_all_steps) {
      ++hidden;
      continue;
    }
    draw_step(app, i, static_cast<int>(i) == current);
  }
  if (hidden) ImGui::TextDisabled("%d more step%s to come", hidden, hidden == 1 ? "" : "s");
}

}  // namespace brokersim::gui
