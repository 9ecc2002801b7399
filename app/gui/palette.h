#pragma once
// Colours. Routing keys take the Okabe-Ito palette, which people with the common forms of
// colour blindness can still tell apart; node kinds and outcomes use hues kept away from it.
#include <cstdint>

#include "gui/model/animation.h"
#include "gui/model/topology_view.h"

namespace brokersim::gui::palette {

using Color = std::uint32_t;  // ImGui's packed ABGR (IM_COL32)

constexpr Color rgba(unsigned r, unsigned g, unsigned b, unsigned a = 255) {
  return (static_cast<Color>(a) << 24) | (static_cast<Color>(b) << 16) | (static_cast<Color>(g) << 8) | r;
}
Color with_alpha(Color c, float alpha);

// Routing-key colour by first-seen index; cycles after seven.
Color key_color(std::uint16_t index);
constexpr int kKeyColors = 7;

Color node_fill(NodeKind kind);
Color node_border(NodeKind kind);
Color edge_color(EdgeKind kind);

// The colours that are not a routing key's. Two themes: the default dark one, and a high
// contrast one for projectors that wash colours out (black ground, white text, saturated
// node borders, heavier lines).
struct Colors {
  Color background, grid, text, text_dim;
  Color ready;    // pale blue, apart from the key colours
  Color unacked;  // pale orange
  Color ack, death, selection;
  Color label_fill;   // behind a binding's key
  float line_weight;  // multiplies edge and border thickness
};
enum class Theme : std::uint8_t { kDark, kHighContrast };
void use_theme(Theme theme);
Theme current_theme();
const Colors& colors();

}  // namespace brokersim::gui::palette
