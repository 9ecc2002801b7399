#pragma once
// The GUI's look, shared by the desktop and the browser: colours and the text font.
#include "gui/gui_app.h"
#include "gui/palette.h"

namespace brokersim::gui {

// Debian's fonts-dejavu-core; the browser build packs the same file at /fonts.
inline constexpr const char* kDesktopFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// Sets ImGui's colours and the canvas palette together: the default dark theme, or high
// contrast for a projector.
void apply_theme(palette::Theme theme = palette::current_theme());
// The canvas colour, for glClearColor.
void clear_colour(float rgb[3]);
// (Re)builds the font atlas at app.font_scale; ImGui's own font if `path` cannot be read.
// `pixel_ratio` > 1 (a high-DPI screen) rasterises the glyphs that much finer while the
// layout keeps its size, so text stays sharp.
void load_font(GuiApp& app, const char* path, float pixel_ratio = 1.0f);

}  // namespace brokersim::gui
