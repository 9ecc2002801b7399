#pragma once
// Writes the current OpenGL back buffer to a PNG, for course slides and the GUI's tests.
#include <string>

namespace brokersim::gui {

// Call after rendering and before the swap. Returns "" or what went wrong.
std::string write_screenshot(const std::string& path, int width, int height);

}  // namespace brokersim::gui
