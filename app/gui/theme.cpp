#include "gui/theme.h"

#include <imgui.h>

#include <filesystem>

namespace brokersim::gui {

void load_font(GuiApp& app, const char* path, float pixel_ratio) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  io.FontGlobalScale = 1.0f / pixel_ratio;
  // Latin, general punctuation (the ellipsis), arrows and the infinity sign.
  static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2000, 0x206F, 0x2190, 0x21FF, 0x2200, 0x22FF, 0x25A0, 0x25FF, 0};
  const float size = 16.0f * app.font_scale * pixel_ratio;
  app.font = std::filesystem::exists(path) ? io.Fonts->AddFontFromFileTTF(path, size, nullptr, ranges) : nullptr;
  if (!app.font) {
    ImFontConfig config;
    config.SizePixels = 13.0f * app.font_scale * pixel_ratio;
    app.font = io.Fonts->AddFontDefault(&config);
  }
}

namespace {

// White on black with yellow accents: what stays legible on a washed-out projector.
void high_contrast_colours(ImVec4* c) {
  const ImVec4 black(0, 0, 0, 1), white(1, 1, 1, 1), yellow(1, 0.9f, 0, 1), grey(0.25f, 0.25f, 0.25f, 1);
  c[ImGuiCol_Text] = white;
  c[ImGuiCol_TextDisabled] = ImVec4(0.85f, 0.85f, 0.85f, 1);
  c[ImGuiCol_WindowBg] = black;
  c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  c[ImGuiCol_PopupBg] = black;
  c[ImGuiCol_MenuBarBg] = black;
  c[ImGuiCol_Border] = white;
  c[ImGuiCol_FrameBg] = grey;
  c[ImGuiCol_Tab] = grey;
  c[ImGuiCol_TabActive] = ImVec4(0.1f, 0.3f, 0.8f, 1);
  c[ImGuiCol_TabHovered] = ImVec4(0.2f, 0.4f, 0.9f, 1);
  c[ImGuiCol_Button] = ImVec4(0.1f, 0.3f, 0.8f, 1);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.2f, 0.4f, 0.9f, 1);
  c[ImGuiCol_Header] = ImVec4(0.1f, 0.3f, 0.8f, 1);
  c[ImGuiCol_SliderGrab] = yellow;
  c[ImGuiCol_CheckMark] = yellow;
}

}  // namespace

void clear_colour(float rgb[3]) {
  const palette::Color c = palette::colors().background;
  for (int i = 0; i < 3; ++i) rgb[i] = static_cast<float>((c >> (8 * i)) & 0xFF) / 255.0f;
}

void apply_theme(palette::Theme theme) {
  palette::use_theme(theme);
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.FrameRounding = 4;
  style.TabRounding = 4;
  style.ChildRounding = 4;
  style.GrabRounding = 4;
  style.ItemSpacing = {8, 6};
  ImVec4* c = style.Colors;
  // Panels draw no backgrounds of their own: the frame is cleared to the canvas colour once,
  // which keeps a software rasteriser (llvmpipe) from filling the screen several times over.
  c[ImGuiCol_WindowBg] = ImVec4(0.094f, 0.102f, 0.122f, 1);
  c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.12f, 0.13f, 0.16f, 1);
  c[ImGuiCol_Border] = ImVec4(0.25f, 0.27f, 0.33f, 1);
  c[ImGuiCol_FrameBg] = ImVec4(0.16f, 0.17f, 0.21f, 1);
  c[ImGuiCol_Tab] = ImVec4(0.16f, 0.17f, 0.22f, 1);
  c[ImGuiCol_TabActive] = ImVec4(0.26f, 0.32f, 0.45f, 1);
  c[ImGuiCol_TabHovered] = ImVec4(0.32f, 0.40f, 0.56f, 1);
  c[ImGuiCol_Button] = ImVec4(0.20f, 0.25f, 0.36f, 1);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.28f, 0.36f, 0.52f, 1);
  c[ImGuiCol_Header] = ImVec4(0.22f, 0.28f, 0.40f, 1);
  if (theme == palette::Theme::kHighContrast) {
    high_contrast_colours(c);
    style.FrameBorderSize = 1;
  }
}

}  // namespace brokersim::gui
