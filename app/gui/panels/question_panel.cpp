// A lesson's question over the frozen canvas: the learner answers by ticking queues (or
// clicking them on the canvas), picking an outcome or an option, or typing a count; the
// engine's answer judges it. "Continue" reveals the moment: playback goes on, and a route
// question opens the Route panel.
#include <imgui.h>

#include <algorithm>
#include <string>

#include "gui/gui_app.h"

namespace brokersim::gui {

namespace {

using Kind = scenario::Question::Kind;

// The learner's answer as the line `judge` reads.
std::string answer_line(const QuizState& quiz, const scenario::AskedQuestion& q) {
  switch (q.answer.kind) {
    case Kind::kRoute: {
      std::string line;
      for (const auto& name : quiz.picked) line += (line.empty() ? "" : ",") + name;
      return line.empty() ? "none" : line;
    }
    case Kind::kFate: return quiz.option >= 0 ? q.options[static_cast<std::size_t>(quiz.option)] : "";
    case Kind::kCount: return std::to_string(quiz.count);
    case Kind::kChoice: return quiz.option >= 0 ? std::string(1, static_cast<char>('a' + quiz.option)) : "";
  }
  return "";
}

void draw_answer_inputs(QuizState& quiz, const scenario::AskedQuestion& q) {
  switch (q.answer.kind) {
    case Kind::kRoute:
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      ImGui::TextWrapped("Tick the queues, or click them on the canvas; none ticked means no queue.");
      ImGui::PopStyleColor();
      for (const auto& name : q.known_queues) {
        bool on = std::find(quiz.picked.begin(), quiz.picked.end(), name) != quiz.picked.end();
        if (ImGui::Checkbox(name.c_str(), &on)) quiz.toggle_queue(name);
      }
      break;
    case Kind::kFate:
    case Kind::kChoice:
      // Long options wrap: a radio button's own label would run off the window's edge.
      for (std::size_t i = 0; i < q.options.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        if (ImGui::RadioButton("##option", quiz.option == static_cast<int>(i))) quiz.option = static_cast<int>(i);
        ImGui::SameLine();
        ImGui::TextWrapped("%s", q.options[i].c_str());
        if (ImGui::IsItemClicked()) quiz.option = static_cast<int>(i);
        ImGui::PopID();
      }
      break;
    case Kind::kCount:
      ImGui::SetNextItemWidth(160);
      ImGui::InputInt("messages", &quiz.count);
      if (quiz.count < 0) quiz.count = 0;
      break;
  }
}

// At a projector the keyboard answers: 1-9 tick the n-th queue or pick the n-th option.
void pick_by_number_keys(QuizState& quiz, const scenario::AskedQuestion& q) {
  if (ImGui::GetIO().WantTextInput) return;
  const std::size_t choices = q.answer.kind == Kind::kRoute ? q.known_queues.size() : q.options.size();
  for (std::size_t i = 0; i < std::min<std::size_t>(choices, 9); ++i) {
    // ImGui 1.86 indexes keys by the backend's codes; GLFW's for '1'..'9' are the characters.
    if (!ImGui::IsKeyPressed(static_cast<int>('1' + i))) continue;
    if (q.answer.kind == Kind::kRoute) {
      quiz.toggle_queue(q.known_queues[i]);
    } else if (q.answer.kind != Kind::kCount) {
      quiz.option = static_cast<int>(i);
    }
  }
}

void submit(GuiApp& app, const scenario::AskedQuestion& q) {
  QuizState& quiz = app.quiz;
  const scenario::Judgement j = scenario::judge(q, answer_line(quiz, q));
  if (!j.understood) {
    quiz.feedback = j.message;
    return;
  }
  quiz.answered = true;
  quiz.results[static_cast<std::size_t>(quiz.pending)] = j.correct ? QuizState::Result::kRight : QuizState::Result::kWrong;
  quiz.feedback = j.message + (q.step->ask->explanation.empty() ? "" : "\n" + q.step->ask->explanation);
}

void reveal(GuiApp& app, const scenario::AskedQuestion& q) {
  app.quiz.pending = -1;
  app.playing = true;
  if (q.answer.kind == Kind::kRoute) {
    app.open_panel = "route";
    app.open_panel_frames = 3;
  }
}

}  // namespace

void draw_question_window(GuiApp& app) {
  QuizState& quiz = app.quiz;
  if (quiz.pending < 0 || quiz.pending >= static_cast<int>(quiz.questions.size())) return;
  const scenario::AskedQuestion& q = quiz.questions[static_cast<std::size_t>(quiz.pending)];
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  // Over the side panel below its tabs, so the canvas (and the queues to click) stays in view
  // and the tabs can still be clicked. (The side panels, drawn before this, say where that is.)
  const float width = std::clamp(viewport->WorkSize.x * 0.3f, 300.0f, 560.0f);
  const float top = app.panels.side_panels_body_y > 0 ? app.panels.side_panels_body_y + 4
                                                      : viewport->WorkPos.y + ImGui::GetFrameHeight() * 3.2f;
  ImGui::SetNextWindowPos({viewport->WorkPos.x + viewport->WorkSize.x - 10, top}, ImGuiCond_Always, {1.0f, 0.0f});
  ImGui::SetNextWindowSize({width, 0});
  const std::string title = "Question " + std::to_string(q.number) + " of " + std::to_string(quiz.questions.size()) + " at " +
                            clock_text(q.moment_us) + "###question";
  ImGui::Begin(title.c_str(), nullptr, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoResize);
  if (!q.step->text.empty()) ImGui::TextWrapped("%s", q.step->text.c_str());
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.85f, 0.35f, 1));
  ImGui::TextWrapped("%s", q.prompt.c_str());
  ImGui::PopStyleColor();
  ImGui::Separator();
  if (!quiz.answered) {
    pick_by_number_keys(quiz, q);
    draw_answer_inputs(quiz, q);
    ImGui::Spacing();
    if (ImGui::Button("Answer") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter))) submit(app, q);
    ImGui::SameLine();
    if (ImGui::Button("Skip")) {
      quiz.results[static_cast<std::size_t>(quiz.pending)] = QuizState::Result::kWrong;
      quiz.answered = true;
      quiz.feedback = "skipped: the answer is " + q.answer.text();
    }
    ImGui::SameLine();
    ImGui::TextDisabled("keys: 1-9 pick, Enter answers");
  }
  if (!quiz.feedback.empty()) {
    const bool right = quiz.results[static_cast<std::size_t>(quiz.pending)] == QuizState::Result::kRight;
    ImGui::PushStyleColor(ImGuiCol_Text, quiz.answered ? (right ? ImVec4(0.45f, 0.9f, 0.5f, 1) : ImVec4(1.0f, 0.5f, 0.45f, 1))
                                                       : ImVec4(1.0f, 0.75f, 0.4f, 1));
    ImGui::TextWrapped("%s", quiz.feedback.c_str());
    ImGui::PopStyleColor();
  }
  if (quiz.answered && (ImGui::Button("Continue: play the moment") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space)))) reveal(app, q);
  ImGui::End();
}

}  // namespace brokersim::gui
