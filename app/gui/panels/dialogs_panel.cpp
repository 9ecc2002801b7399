// Modal dialogs: the confirmation before anything that loses work (a delete, leaving a lesson
// with unsaved edits, overwriting a file, quitting), and the Open dialog, which browses
// folders for scenario files.
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gui/gui_app.h"

namespace brokersim::gui {
namespace {

void draw_confirmation(GuiApp& app) {
  Confirmation& c = app.panels.confirm;
  if (c.open) {
    ImGui::OpenPopup("##confirm");
    c.open = false;
  }
  ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing, {0.5f, 0.5f});
  if (!ImGui::BeginPopupModal("##confirm", nullptr, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoTitleBar)) return;
  ImGui::TextUnformatted(c.title.c_str());
  ImGui::Separator();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
  ImGui::TextUnformatted(c.text.c_str());
  ImGui::PopTextWrapPos();
  if (ImGui::Button(c.yes.c_str())) {
    auto go = std::move(c.on_yes);
    c = {};
    ImGui::CloseCurrentPopup();
    if (go) go();
  }
  if (c.on_alternative) {
    ImGui::SameLine();
    if (ImGui::Button(c.alternative.c_str())) {
      auto go = std::move(c.on_alternative);
      c = {};
      ImGui::CloseCurrentPopup();
      go();
    }
  }
  ImGui::SameLine();
  // Cancel is the default: Escape or Enter keep the work.
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    c = {};
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

// One folder's sub-folders and .yaml files, sorted, folders first.
std::vector<std::filesystem::directory_entry> folder_entries(const std::string& dir) {
  std::vector<std::filesystem::directory_entry> entries;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_directory(ec) || e.path().extension() == ".yaml") entries.push_back(e);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    if (a.is_directory() != b.is_directory()) return a.is_directory();
    return a.path().filename() < b.path().filename();
  });
  return entries;
}

void draw_open_dialog(GuiApp& app) {
  OpenDialog& d = app.panels.open_dialog;
  if (d.open) {
    ImGui::OpenPopup("Open a scenario");
    d.open = false;
    if (d.dir.empty()) d.dir = std::filesystem::path(app.scenario_path).parent_path().string();
    if (d.dir.empty()) d.dir = std::filesystem::current_path().string();
  }
  ImGui::SetNextWindowSize({ImGui::GetFontSize() * 36, ImGui::GetFontSize() * 26}, ImGuiCond_Appearing);
  if (!ImGui::BeginPopupModal("Open a scenario")) return;
  ImGui::TextDisabled("%s", d.dir.c_str());
  if (ImGui::Button("Up")) d.dir = std::filesystem::path(d.dir).parent_path().string();
  ImGui::BeginChild("files", {0, -ImGui::GetFrameHeightWithSpacing() * 2}, true);
  for (const auto& e : folder_entries(d.dir)) {
    const std::string name = e.path().filename().string() + (e.is_directory() ? "/" : "");
    if (ImGui::Selectable(name.c_str(), false, ImGuiSelectableFlags_DontClosePopups)) {
      if (e.is_directory()) d.dir = e.path().string();
      else std::snprintf(d.path, sizeof d.path, "%s", e.path().string().c_str());
    }
  }
  ImGui::EndChild();
  ImGui::InputTextWithHint("##path", "a scenario file", d.path, sizeof d.path);
  ImGui::SameLine();
  if (ImGui::Button("Open") && d.path[0]) {
    ImGui::CloseCurrentPopup();
    app.request_open(d.path);
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace

void draw_dialogs(GuiApp& app) {
  draw_open_dialog(app);
  draw_confirmation(app);
}

}  // namespace brokersim::gui
