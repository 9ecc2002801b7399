// The event log: every trace event up to the playhead, in plain words, filterable. Long runs
// have tens of thousands of lines, so only the visible ones are formatted (ImGuiListClipper).
#include <imgui.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gui/gui_app.h"
#include "gui/model/event_search.h"
#include "trace/describe.h"

namespace brokersim::gui {
namespace {

// The matching rows, searched again only when the filter or the run changed.
void rebuild_matches(const GuiApp& app, LogFilter& filter) {
  const std::string wanted = lower_trimmed(filter.text) + (filter.messages_only ? "\x01" : "");
  const std::size_t size = app.session.trace().size();
  if (wanted == filter.built_for && filter.built_revision == app.session.revision() && filter.built_size == size) return;
  filter.matches = matching_rows(app.session, filter.text, filter.messages_only);
  filter.built_for = wanted;
  filter.built_revision = app.session.revision();
  filter.built_size = size;
}

}  // namespace

void draw_event_log_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  LogFilter& filter = app.panels.log;
  if (filter.lesson != app.scenario_path) {
    filter.text[0] = '\0';
    filter.lesson = app.scenario_path;
  }
  ImGui::TextDisabled("Event log");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(260);
  ImGui::InputTextWithHint("##filter", "filter: a queue, a key, 'dead', ...", filter.text, sizeof filter.text);
  ImGui::SameLine();
  ImGui::Checkbox("messages only", &filter.messages_only);
  rebuild_matches(app, filter);
  // Only what the screen has shown by the playhead.
  const auto done = static_cast<std::uint32_t>(app.scene.events_done);
  const int count = static_cast<int>(std::lower_bound(filter.matches.begin(), filter.matches.end(), done) - filter.matches.begin());
  ImGui::SameLine();
  ImGui::TextDisabled("%d of %zu events", count, app.session.trace().size());

  // Lines wrap to the panel's width: no sideways scrolling to read a long route.
  ImGui::BeginChild("lines", {0, 0}, false);
  const float width = ImGui::GetContentRegionAvail().x;
  ImGuiListClipper clipper;
  clipper.Begin(count);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const std::uint32_t i = app.session.animation().shown_order[filter.matches[static_cast<std::size_t>(row)]];
      const std::uint64_t message = app.session.trace().at(i).message_id;
      const std::string line = event_line(app.session, i);
      const bool selected = message != 0 && app.selection.kind == Selection::Kind::kMessage && app.selection.message_id == message;
      ImGui::PushID(static_cast<int>(i));
      const ImVec2 start = ImGui::GetCursorPos();
      const float height = ImGui::CalcTextSize(line.c_str(), nullptr, false, width).y;
      if (ImGui::Selectable("##line", selected || row + 1 == count, 0, {width, height}) && message != 0)
        app.selection = {Selection::Kind::kMessage, -1, message};
      ImGui::SetCursorPos(start);
      ImGui::PushTextWrapPos(start.x + width);
      ImGui::TextUnformatted(line.c_str());
      ImGui::PopTextWrapPos();
      ImGui::PopID();
    }
  }
  // Follow the newest line while playing, and after a seek or a step: the line at the
  // playhead is the one to read, and it is highlighted.
  if (app.playing || count != filter.last_count) ImGui::SetScrollHereY(1.0f);
  filter.last_count = count;
  ImGui::EndChild();
}

}  // namespace brokersim::gui
