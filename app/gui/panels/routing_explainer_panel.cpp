// Why the selected message went where it went: every binding tried at each exchange, and
// whether it matched.
#include <imgui.h>

#include <string>

#include "gui/gui_app.h"
#include "trace/describe.h"

namespace brokersim::gui {
namespace {

void explain(const Session& session, const trace::Event& e) {
  ImGui::TextWrapped("%s", session.describe(e).c_str());
  for (const trace::RouteStep& step : e.route_steps()) {
    const ImVec4 color = step.matched ? ImVec4(0.45f, 0.85f, 0.55f, 1) : ImVec4(0.65f, 0.65f, 0.7f, 1);
    std::string what = step.alternate ? "alternate exchange" : "binding";
    if (!step.binding_key.empty()) what += " key '" + step.binding_key + "'";
    if (!step.arguments.empty()) what += " arguments " + step.arguments;
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    ImGui::TextWrapped("%s  at '%s': %s -> %s '%s'", step.matched ? "[match]" : "[no match]",
                       step.source.empty() ? "(default)" : step.source.c_str(), what.c_str(),
                       step.to_exchange ? "exchange" : "queue", step.destination.c_str());
    ImGui::PopStyleColor();
  }
  if (e.route_steps_omitted())
    ImGui::TextDisabled("... and %llu bindings that did not match", static_cast<unsigned long long>(e.route_steps_omitted()));
  if (e.queues.empty()) {
    ImGui::TextColored(ImVec4(1, 0.5f, 0.4f, 1), "no queue received a copy");
  } else {
    std::string to;
    for (const auto& q : e.queues) to += (to.empty() ? "" : ", ") + q;
    ImGui::Text("copies to: %s", to.c_str());
  }
}

}  // namespace

void draw_routing_explainer_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  if (app.selection.kind != Selection::Kind::kMessage) {
    ImGui::TextWrapped("Select a message (click a dot, or a line of the event log) to see how it was routed.");
    return;
  }
  const auto& index = app.session.animation().message_events;
  auto it = index.find(app.selection.message_id);
  if (it == index.end()) return;
  const trace::TraceLog& log = app.session.trace();
  for (std::uint32_t i : it->second) {
    const auto kind = log.kind_at(i);
    if (kind != trace::EventKind::kPublished && kind != trace::EventKind::kDeadLettered) continue;
    const trace::Event e = log.at(i);
    section((clock_text(e.time_us) + (kind == trace::EventKind::kPublished ? "  published" : "  dead-lettered")).c_str());
    explain(app.session, e);
  }
}

}  // namespace brokersim::gui
