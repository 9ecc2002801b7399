// Queue depths and the publish / deliver rates over the whole run, with the playhead's value:
// each chart marks the playhead and its largest value, and each group ends with a time axis.
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "gui/gui_app.h"

namespace brokersim::gui {

namespace {

// On the chart just drawn: the playhead as a line, and the value its top stands for.
void mark_chart(float playhead_fraction, float max_value) {
  const ImVec2 lo = ImGui::GetItemRectMin(), hi = ImGui::GetItemRectMax();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float x = lo.x + std::clamp(playhead_fraction, 0.0f, 1.0f) * (hi.x - lo.x);
  draw->AddLine({x, lo.y}, {x, hi.y}, IM_COL32(255, 222, 140, 220), 1.5f);
  const std::string top = "max " + std::to_string(static_cast<long long>(max_value));
  draw->AddText({hi.x - ImGui::CalcTextSize(top.c_str()).x - 4, lo.y + 2}, IM_COL32(200, 200, 210, 200), top.c_str());
}

// "45 s", "1:30", or "12.5 s" when not whole: short enough for five under a narrow chart.
std::string axis_time(sim::TimeUs t) {
  const sim::TimeUs s = t / sim::kMicrosPerSecond;
  if (t % sim::kMicrosPerSecond != 0 && t < sim::seconds(60)) {
    char text[24];
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(t) / 1e6);
    return text;
  }
  if (s < 60) return std::to_string(s) + " s";
  const std::string secs = std::to_string(s % 60);
  return std::to_string(s / 60) + ":" + (secs.size() == 1 ? "0" : "") + secs;
}

// Under a group of charts: 0, the quarters, and the end of the run.
void time_axis(float width, sim::TimeUs end) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (int q = 0; q <= 4; ++q) {
    const std::string label = axis_time(end * q / 4);
    const float x = at.x + width * static_cast<float>(q) / 4;
    const float w = ImGui::CalcTextSize(label.c_str()).x;
    const float left = q == 0 ? x : (q == 4 ? x - w : x - w / 2);
    draw->AddLine({x, at.y}, {x, at.y + 4}, IM_COL32(160, 160, 170, 255));
    draw->AddText({left, at.y + 4}, IM_COL32(160, 160, 170, 255), label.c_str());
  }
  ImGui::Dummy({width, ImGui::GetTextLineHeight() + 6});
}

}  // namespace

void draw_charts_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  const Animation& anim = app.session.animation();
  const TopologyView& topo = app.session.topology();
  const float width = ImGui::GetContentRegionAvail().x;
  constexpr int kSamples = 160;
  const sim::TimeUs end = std::max<sim::TimeUs>(1, app.session.end_us());
  const float playhead = static_cast<float>(app.time_us) / static_cast<float>(end);

  // One bar per second of the whole run, so the bars line up with the time axis.
  const auto seconds = static_cast<std::size_t>((end + sim::kMicrosPerSecond - 1) / sim::kMicrosPerSecond);
  auto rates = [&](const char* title, const std::vector<std::uint32_t>& per_second) {
    std::vector<float> v(per_second.begin(), per_second.end());
    v.resize(std::max<std::size_t>({v.size(), seconds, 1}), 0.0f);
    const auto now = static_cast<std::size_t>(app.time_us / sim::kMicrosPerSecond);
    const std::string overlay = std::string(title) + ": " + std::to_string(now < per_second.size() ? per_second[now] : 0) + "/s now";
    ImGui::PlotHistogram("##rate", v.data(), static_cast<int>(v.size()), 0, overlay.c_str(), 0, FLT_MAX, {width, 60});
    // The bars are whole seconds; the last one may end after the run does.
    mark_chart(static_cast<float>(app.time_us) / static_cast<float>(v.size() * sim::kMicrosPerSecond),
               *std::max_element(v.begin(), v.end()));
  };
  section("rates (messages per second)");
  ImGui::PushID("published");
  rates("published", anim.published_per_second);
  ImGui::PopID();
  ImGui::PushID("delivered");
  rates("delivered", anim.delivered_per_second);
  ImGui::PopID();
  time_axis(width, static_cast<sim::TimeUs>(std::max<std::size_t>(
                       {seconds, anim.published_per_second.size(), anim.delivered_per_second.size(), 1})) *
                       sim::kMicrosPerSecond);

  section("queue depth (ready + unacked)");
  for (std::size_t i = 0; i < topo.nodes().size(); ++i) {
    const Node& n = topo.nodes()[i];
    if (n.kind != NodeKind::kQueue) continue;
    std::vector<float> v(kSamples);
    for (int s = 0; s < kSamples; ++s) {
      const sim::TimeUs t = end * s / (kSamples - 1);
      v[s] = static_cast<float>(anim.ready[i].at(t) + anim.unacked[i].at(t));
    }
    const std::string overlay = n.label + ": " + std::to_string(app.scene.nodes[i].ready + app.scene.nodes[i].unacked);
    ImGui::PushID(static_cast<int>(i));
    ImGui::PlotLines("##depth", v.data(), kSamples, 0, overlay.c_str(), 0, FLT_MAX, {width, 48});
    mark_chart(playhead, *std::max_element(v.begin(), v.end()));
    ImGui::PopID();
  }
  time_axis(width, end);
}

}  // namespace brokersim::gui
