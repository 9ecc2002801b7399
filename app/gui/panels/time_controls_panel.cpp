// Play/pause, step, restart, speed, the timeline scrubber and the current simulated time.
#include <imgui.h>

#include <cmath>
#include <string>

#include "gui/gui_app.h"
#include "trace/describe.h"

namespace brokersim::gui {

void draw_time_controls_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  if (ImGui::Button(app.playing ? "Pause" : "Play", {70, 0})) app.playing = !app.playing;
  ImGui::SameLine();
  if (ImGui::Button("Step")) {
    app.playing = false;
    if (auto next = app.session.next_event_after(app.time_us, app.follow_message)) app.seek(*next);
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("to the next event (of the followed message, if any)  [Right arrow]");
  ImGui::SameLine();
  if (ImGui::Button("Restart")) app.seek(0);
  ImGui::SameLine();
  // Speed on a log scale from 0.1x to 100x.
  float exponent = std::log10(app.speed);
  ImGui::SetNextItemWidth(140);
  char speed_text[32];
  std::snprintf(speed_text, sizeof speed_text, "%.2gx", app.speed);
  if (ImGui::SliderFloat("##speed", &exponent, -1.0f, 2.0f, speed_text)) app.speed = std::pow(10.0f, exponent);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("playback speed: simulated seconds per second  [ and ]");
  ImGui::SameLine();
  const std::string now = clock_text(app.time_us);
  ImGui::Text("t = %-11s", now.c_str());
  ImGui::SameLine();
  const std::string end = clock_text(app.session.end_us());
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - 230);
  float seconds = static_cast<float>(app.time_us) / 1e6f;
  if (ImGui::SliderFloat("##time", &seconds, 0.0f, static_cast<float>(app.session.end_us()) / 1e6f, ("of " + end).c_str()))
    app.seek(static_cast<sim::TimeUs>(static_cast<double>(seconds) * 1e6));
  ImGui::SameLine();
  ImGui::Text("%zu in flight", app.scene.dots.size());
  if (app.follow_message) {
    ImGui::SameLine();
    if (ImGui::SmallButton("stop following")) app.follow_message = 0;
  }
}

}  // namespace brokersim::gui
