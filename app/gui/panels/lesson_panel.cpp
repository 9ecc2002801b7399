// The scenario's narrative: each step, the current one highlighted; a click seeks to it.
#include <imgui.h>

#include <string>

#include "gui/gui_app.h"
#include "trace/describe.h"

namespace brokersim::gui {

void draw_lesson_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  const scenario::Scenario& s = app.session.scenario();
  ImGui::TextWrapped("%s", s.name.c_str());
  if (!s.description.empty()) ImGui::TextWrapped("%s", s.description.c_str());
  ImGui::Separator();
  const auto& marks = app.session.lesson();
  if (marks.empty()) ImGui::TextDisabled("This scenario has no lesson steps.");
  // The current step: the last one that has come due by the playhead.
  int current = -1;
  for (std::size_t i = 0; i < marks.size(); ++i)
    if (marks[i].due_us && *marks[i].due_us <= app.time_us) current = static_cast<int>(i);
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const LessonMark& m = marks[i];
    const std::string when = m.due_us ? trace::format_time(*m.due_us) : "never came due";
    ImGui::PushID(static_cast<int>(i));
    const bool is_current = static_cast<int>(i) == current;
    if (is_current) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.85f, 0.35f, 1));
    const std::string text = when + "  " + m.step->text;
    ImGui::PushTextWrapPos(0);
    if (ImGui::Selectable(("##step" + std::to_string(i)).c_str(), is_current, 0,
                          {0, ImGui::CalcTextSize(text.c_str(), nullptr, false, ImGui::GetContentRegionAvail().x).y}) &&
        m.due_us)
      app.seek(*m.due_us);
    ImGui::SameLine(0, 0);
    ImGui::SetCursorPosX(ImGui::GetStyle().WindowPadding.x);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopTextWrapPos();
    if (is_current) ImGui::PopStyleColor();
    ImGui::PopID();
  }
}

}  // namespace brokersim::gui
