// The shipped scenarios (scenarios/*.yaml); a click opens one.
#include <imgui.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gui/gui_app.h"

namespace brokersim::gui {

void draw_scenario_browser_panel(GuiApp& app) {
  static std::vector<std::string> files;
  static std::string listed_dir;
  if (listed_dir != app.scenarios_dir || ImGui::Button("Refresh")) {
    files.clear();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(app.scenarios_dir, ec))
      if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    listed_dir = app.scenarios_dir;
  }
  ImGui::TextDisabled("%s", app.scenarios_dir.c_str());
  for (const std::string& f : files) {
    const std::string name = std::filesystem::path(f).stem().string();
    if (ImGui::Selectable(name.c_str(), f == app.scenario_path)) app.open(f);
  }
}

}  // namespace brokersim::gui
