// The shipped lessons, as the course map (scenarios/course.yaml) orders them: one section per
// module with the lessons' titles, then any scenario the map does not list. A click opens one.
#include <imgui.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "gui/gui_app.h"
#include "scenario/course.h"

namespace brokersim::gui {

namespace {

ScenarioListing list_scenarios(const std::string& dir) {
  ScenarioListing l;
  l.dir = dir;
  const std::string map = dir + "/course.yaml";
  std::set<std::string> listed;
  std::error_code ec;
  if (std::filesystem::exists(map, ec)) {
    const scenario::CourseLoad loaded = scenario::load_course_file(map);
    l.course = loaded.course;
    if (!loaded.ok()) l.course_error = loaded.errors.front().to_string();
    for (const auto& m : l.course.modules)
      for (const auto& lesson : m.lessons) listed.insert(std::filesystem::path(lesson.path).lexically_normal().string());
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    const auto& p = entry.path();
    if (p.extension() != ".yaml" || p.filename() == "course.yaml") continue;
    if (!listed.count(p.lexically_normal().string())) l.others.push_back(p.string());
  }
  std::sort(l.others.begin(), l.others.end());
  return l;
}

}  // namespace

void draw_scenario_browser_panel(GuiApp& app) {
  ScenarioListing& listing = app.panels.listing;
  if (listing.dir != app.scenarios_dir || ImGui::Button("Refresh")) listing = list_scenarios(app.scenarios_dir);
  if (!listing.course.title.empty()) ImGui::TextDisabled("%s", listing.course.title.c_str());
  if (!listing.course_error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1), "%s", listing.course_error.c_str());
  for (const auto& m : listing.course.modules) {
    section(m.title.c_str());
    for (const auto& lesson : m.lessons) {
      ImGui::PushID(lesson.path.c_str());
      if (ImGui::Selectable(lesson.title.c_str(), lesson.path == app.scenario_path)) app.request_open(lesson.path);
      ImGui::PopID();
    }
  }
  if (listing.others.empty()) return;
  section(listing.course.modules.empty() ? app.scenarios_dir.c_str() : "Other scenarios");
  for (const std::string& f : listing.others) {
    const std::string name = std::filesystem::path(f).stem().string();
    if (ImGui::Selectable(name.c_str(), f == app.scenario_path)) app.request_open(f);
  }
}

}  // namespace brokersim::gui
