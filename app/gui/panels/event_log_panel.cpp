// The event log: every trace event up to the playhead, in plain words, filterable. Long runs
// have tens of thousands of lines, so only the visible ones are formatted (ImGuiListClipper).
#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "gui/gui_app.h"
#include "trace/describe.h"

namespace brokersim::gui {
namespace {

// Lower case, without the spaces around it (a pasted " payments " still finds payments).
std::string lower_trimmed(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

struct LogFilter {
  char text[128] = "";
  bool messages_only = false;
  // Matching event indices for the current filter, over the whole trace.
  std::vector<std::uint32_t> matches;
  std::string built_for;
  const void* built_trace = nullptr;
  std::size_t built_size = 0;
};

}  // namespace

void draw_event_log_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  static LogFilter filter;
  const trace::TraceLog& log = app.session.trace();
  // The filter belongs to a lesson: another lesson starts unfiltered.
  static std::string filtered_lesson;
  if (filtered_lesson != app.scenario_path) {
    filter.text[0] = '\0';
    filtered_lesson = app.scenario_path;
  }
  ImGui::TextDisabled("Event log");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(260);
  ImGui::InputTextWithHint("##filter", "filter: a queue, a key, 'dead', ...", filter.text, sizeof filter.text);
  ImGui::SameLine();
  ImGui::Checkbox("messages only", &filter.messages_only);
  const std::string wanted = lower_trimmed(filter.text) + (filter.messages_only ? "\x01" : "");
  if (wanted != filter.built_for || filter.built_trace != &log || filter.built_size != log.size()) {
    filter.matches.clear();
    const std::string needle = lower_trimmed(filter.text);
    const auto& order = app.session.animation().shown_order;
    // Lines come in the order the picture shows them, so the newest line is what just happened
    // on the canvas. `matches` holds positions in that order.
    for (std::size_t row = 0; row < order.size(); ++row) {
      const std::uint32_t i = order[row];
      if (filter.messages_only) {
        const auto k = log.kind_at(i);
        if (k < trace::EventKind::kPublished || k > trace::EventKind::kDeadLettered) continue;
      }
      if (!needle.empty() && lower_trimmed(trace::describe(log.at(i))).find(needle) == std::string::npos) continue;
      filter.matches.push_back(static_cast<std::uint32_t>(row));
    }
    filter.built_for = wanted;
    filter.built_trace = &log;
    filter.built_size = log.size();
  }
  // Only what has happened by the playhead.
  const auto shown = static_cast<int>(
      std::upper_bound(filter.matches.begin(), filter.matches.end(), static_cast<std::uint32_t>(app.scene.events_done) - 1,
                       [](std::uint32_t v, std::uint32_t m) { return v < m; }) -
      filter.matches.begin());
  const int count = app.scene.events_done == 0 ? 0 : shown;
  ImGui::SameLine();
  ImGui::TextDisabled("%d of %zu events", count, log.size());

  ImGui::BeginChild("lines", {0, 0}, false, ImGuiWindowFlags_HorizontalScrollbar);
  ImGuiListClipper clipper;
  clipper.Begin(count);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const std::uint32_t i = app.session.animation().shown_order[filter.matches[row]];
      const trace::Event e = log.at(i);
      const std::string line = event_line(app.session, i);
      const bool selected = e.message_id != 0 && app.selection.kind == Selection::Kind::kMessage &&
                            app.selection.message_id == e.message_id;
      ImGui::PushID(static_cast<int>(i));
      if (ImGui::Selectable(line.c_str(), selected) && e.message_id != 0)
        app.selection = {Selection::Kind::kMessage, -1, e.message_id};
      ImGui::PopID();
    }
  }
  // Follow the newest line while playing, and after a seek or a step (also when a lesson or a
  // shared link opens at a moment): the lines at the playhead are the ones to read.
  static int last_count = -1;
  if (app.playing || count != last_count) ImGui::SetScrollHereY(1.0f);
  last_count = count;
  ImGui::EndChild();
}

}  // namespace brokersim::gui
