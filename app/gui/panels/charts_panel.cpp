// Queue depths and the publish / deliver rates over the whole run, with the playhead's value.
#include <imgui.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gui/gui_app.h"

namespace brokersim::gui {

void draw_charts_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  const Animation& anim = app.session.animation();
  const TopologyView& topo = app.session.topology();
  const float width = ImGui::GetContentRegionAvail().x;
  constexpr int kSamples = 160;
  const sim::TimeUs end = std::max<sim::TimeUs>(1, app.session.end_us());

  auto rates = [&](const char* title, const std::vector<std::uint32_t>& per_second) {
    std::vector<float> v(per_second.begin(), per_second.end());
    if (v.empty()) v.push_back(0);
    const auto now = static_cast<std::size_t>(app.time_us / sim::kMicrosPerSecond);
    const std::string overlay = std::string(title) + ": " + std::to_string(now < per_second.size() ? per_second[now] : 0) + "/s now";
    ImGui::PlotHistogram("##rate", v.data(), static_cast<int>(v.size()), 0, overlay.c_str(), 0, FLT_MAX, {width, 60});
  };
  section("rates (messages per second)");
  ImGui::PushID("published");
  rates("published", anim.published_per_second);
  ImGui::PopID();
  ImGui::PushID("delivered");
  rates("delivered", anim.delivered_per_second);
  ImGui::PopID();

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
    ImGui::PopID();
  }
}

}  // namespace brokersim::gui
