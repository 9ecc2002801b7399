// The topology canvas: pan, zoom, select, drag nodes. Drawing lives in canvas_draw.cpp.
#include <imgui.h>

#include <algorithm>

#include "gui/canvas_draw.h"

namespace brokersim::gui {

namespace {

// The lesson step the playhead has reached, as a caption along the canvas's bottom edge, so a
// class reads the story where it looks: on the picture.
void draw_lesson_caption(const GuiApp& app, ImVec2 min, ImVec2 max) {
  if (!app.show_caption) return;
  const LessonMark* current = nullptr;
  for (const LessonMark& m : app.session.lesson())
    if (m.due_us && *m.due_us <= app.time_us && !m.step->text.empty()) current = &m;
  if (!current) return;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float pad = 8 * app.font_scale;
  const float wrap = std::min(max.x - min.x - 4 * pad, 900.0f * app.font_scale);
  const char* text = current->step->text.c_str();
  const ImVec2 size = ImGui::CalcTextSize(text, nullptr, false, wrap);
  const ImVec2 at{min.x + (max.x - min.x - size.x) / 2, max.y - size.y - 3 * pad};
  draw->AddRectFilled({at.x - pad, at.y - pad}, {at.x + size.x + pad, at.y + size.y + pad}, IM_COL32(12, 14, 18, 220), 6);
  draw->AddText(nullptr, 0, at, IM_COL32(255, 222, 140, 255), text, nullptr, wrap);
}

// What is under the mouse, in words: a message, or a binding's key or arguments in full (the
// label on the canvas may be shortened).
void hover_tooltip(const GuiApp& app, const CanvasTransform& xf, ImVec2 mouse) {
  if (auto message = message_at(app, xf, mouse)) {
    ImGui::SetTooltip("message #%llu: click to inspect", static_cast<unsigned long long>(app.session.number_of(*message)));
  } else if (auto edge = edge_label_at(app, xf, mouse)) {
    const Edge& e = app.session.topology().edges()[static_cast<std::size_t>(*edge)];
    const auto& nodes = app.session.topology().nodes();
    ImGui::SetTooltip("%s -> %s\n%s", nodes[static_cast<std::size_t>(e.from)].label.c_str(),
                      nodes[static_cast<std::size_t>(e.to)].label.c_str(), e.label.c_str());
  }
}

}  // namespace

void draw_canvas_panel(GuiApp& app) {
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 size = ImGui::GetContentRegionAvail();
  const ImVec2 max{min.x + size.x, min.y + size.y};
  if (size.x < 10 || size.y < 10 || !app.session.is_open()) return;
  if (!app.camera.fitted) {
    // The lesson caption takes the canvas's bottom edge: fit the picture above it.
    const bool captions = app.show_caption && !app.session.lesson().empty();
    app.camera = fit_camera(app.session.topology(), size, captions ? 64 * app.font_scale : 0);
  }

  CanvasTransform xf{{min.x + size.x / 2, min.y + size.y / 2}, app.camera.pan, app.camera.zoom};
  ImGui::InvisibleButton("canvas", size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  int& dragging_node = app.panels.drag.node;
  bool& dragging_canvas = app.panels.drag.canvas;

  if (hovered && io.MouseWheel != 0) {
    // Zoom about the mouse, so the point under it stays put.
    const Vec2 before = xf.to_world(io.MousePos);
    app.camera.zoom = std::clamp(app.camera.zoom * (io.MouseWheel > 0 ? 1.15f : 1 / 1.15f), 0.15f, 4.0f);
    xf.zoom = app.camera.zoom;
    const Vec2 after = xf.to_world(io.MousePos);
    app.camera.pan = app.camera.pan + (before - after);
    xf.pan = app.camera.pan;
  }
  if (hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    if (auto message = message_at(app, xf, io.MousePos)) {
      app.selection = {Selection::Kind::kMessage, -1, *message};
      app.open_panel = "inspect";
      app.open_panel_frames = 2;
    } else if (auto node = node_at(app, xf, io.MousePos)) {
      app.selection = {Selection::Kind::kNode, *node, 0};
      const Node& n = app.session.topology().nodes()[static_cast<std::size_t>(*node)];
      // A pending route question is answered by clicking queues.
      if (app.quiz.pending >= 0 && !app.quiz.answered && n.kind == NodeKind::kQueue &&
          app.quiz.questions[static_cast<std::size_t>(app.quiz.pending)].answer.kind == scenario::Question::Kind::kRoute) {
        app.quiz.toggle_queue(n.name);
      } else {
        app.open_panel = "inspect";  // what was clicked, shown at once
        app.open_panel_frames = 2;
      }
      dragging_node = *node;
    } else if (auto edge = edge_label_at(app, xf, io.MousePos)) {
      app.selection = {Selection::Kind::kEdge, *edge, 0};
    } else {
      dragging_canvas = true;
    }
  }
  if (ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
    const Vec2 delta{io.MouseDelta.x / app.camera.zoom, io.MouseDelta.y / app.camera.zoom};
    if (dragging_node >= 0) {
      const Node& n = app.session.topology().nodes()[dragging_node];
      app.session.move_node(dragging_node, n.center + delta);
      app.refresh_scene();
    } else if (dragging_canvas) {
      app.camera.pan = app.camera.pan - delta;
      xf.pan = app.camera.pan;
    }
  }
  if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
    dragging_node = -1;
    dragging_canvas = false;
  }

  draw_canvas(ImGui::GetWindowDrawList(), app, xf, min, max);
  draw_lesson_caption(app, min, max);

  if (hovered && dragging_node < 0) hover_tooltip(app, xf, io.MousePos);
}

}  // namespace brokersim::gui
