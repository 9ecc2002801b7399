#pragma once
// Draws the topology and the scene's messages into an ImGui draw list, and answers what is
// under the mouse. Shared by the interactive canvas and the headless screenshot mode.
#include <imgui.h>

#include <optional>
#include <string>
#include <vector>

#include "gui/gui_app.h"

namespace brokersim::gui {

struct CanvasTransform {
  ImVec2 center_px;  // screen position of the camera's pan point
  Vec2 pan;
  float zoom = 1;
  ImVec2 to_screen(Vec2 world) const {
    return {center_px.x + (world.x - pan.x) * zoom, center_px.y + (world.y - pan.y) * zoom};
  }
  Vec2 to_world(ImVec2 screen) const {
    return {pan.x + (screen.x - center_px.x) / zoom, pan.y + (screen.y - center_px.y) / zoom};
  }
};

// Fits the whole topology into a canvas of this size.
Camera fit_camera(const TopologyView& topology, ImVec2 canvas_size, float bottom_reserve = 0);

void draw_canvas(ImDrawList* draw, const GuiApp& app, const CanvasTransform& xf, ImVec2 canvas_min, ImVec2 canvas_max);

// Where each edge's label goes on screen (by edge index); edges without a label are not shown.
struct LabelBox {
  bool shown = false;
  ImVec2 min, max;
  std::string text;
  float size = 0;
};
std::vector<LabelBox> place_edge_labels(const GuiApp& app, const CanvasTransform& xf);

std::optional<int> node_at(const GuiApp& app, const CanvasTransform& xf, ImVec2 screen);
std::optional<std::uint64_t> message_at(const GuiApp& app, const CanvasTransform& xf, ImVec2 screen);
std::optional<int> edge_label_at(const GuiApp& app, const CanvasTransform& xf, ImVec2 screen);

}  // namespace brokersim::gui
