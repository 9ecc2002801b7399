#pragma once
// The browser build's one GUI, shared by the frame loop (web_main.cpp) and the functions the
// page calls (web_bridge.cpp).
#include <string>

#include "gui/gui_app.h"

struct GLFWwindow;

namespace brokersim::web {

struct WebState {
  gui::GuiApp app;
  GLFWwindow* window = nullptr;
  int width = 0, height = 0;                // the canvas's buffer, in device pixels
  double css_width = 1, css_height = 1;      // its size on the page, which the layout uses
  double pixel_ratio = 1;                    // device pixels per CSS pixel
  float loaded_font_scale = 0;
  double loaded_pixel_ratio = 0;
  double last_frame_s = 0;
  int frames = 0;
};

WebState& state();

// Tells the page (assets/site.js): an error to show over the canvas, and the check result.
void show_error(const std::string& text);
void set_result(const std::string& text);

}  // namespace brokersim::web
