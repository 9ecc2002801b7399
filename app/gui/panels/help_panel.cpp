// Keyboard shortcuts and what the shapes and colours mean.
#include <imgui.h>

#include "gui/gui_app.h"
#include "gui/palette.h"

namespace brokersim::gui {

void draw_help_panel(GuiApp&) {
  section("keys");
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    for (const Shortcut& s : shortcuts()) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.keys);
      ImGui::TableNextColumn();
      ImGui::TextWrapped("%s", s.what);
    }
    ImGui::EndTable();
  }
  section("what you see");
  auto swatch = [](palette::Color c, const char* text) {
    ImGui::ColorButton(text, ImGui::ColorConvertU32ToFloat4(c), ImGuiColorEditFlags_NoTooltip, {14, 14});
    ImGui::SameLine();
    ImGui::TextWrapped("%s", text);
  };
  swatch(palette::node_border(NodeKind::kProducer), "producers (left), RPC clients and the scenario's timeline");
  swatch(palette::node_border(NodeKind::kExchange), "exchanges, with their type");
  swatch(palette::node_border(NodeKind::kQueue), "queues: a stack of ready (blue) and unacked (orange) messages");
  swatch(palette::node_border(NodeKind::kConsumer), "consumers: prefetch slots in use / prefetch");
  swatch(palette::edge_color(EdgeKind::kDeadLetter), "dashed: dead-letter link from a queue to its exchange");
  swatch(palette::edge_color(EdgeKind::kAlternate), "dashed: alternate exchange");
  swatch(palette::colors().ack, "a green ring at a consumer: ack");
  swatch(palette::colors().death, "a red dot with a cross: expired or dropped, where it died");
  ImGui::TextWrapped("A dot is one message, coloured by its routing key (the legend on the canvas). A white ring: "
                     "returned to its producer. An orange ring: requeued. A red ring: on its way to the "
                     "dead-letter exchange.");
  ImGui::TextWrapped("Hops the simulation makes in no time are shown over %.2f s of simulated time, so the eye can "
                     "follow them at 1x; the speed control scales everything.",
                     static_cast<double>(AnimationTimings{}.hop_us) / 1e6);
}

}  // namespace brokersim::gui
