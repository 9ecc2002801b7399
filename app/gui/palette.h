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

inline constexpr Color kBackground = rgba(24, 26, 31);
inline constexpr Color kGrid = rgba(34, 37, 44);
inline constexpr Color kText = rgba(232, 234, 240);
inline constexpr Color kTextDim = rgba(150, 156, 170);
inline constexpr Color kReady = rgba(150, 205, 255);    // pale blue, apart from the key colours
inline constexpr Color kUnacked = rgba(255, 196, 110);  // pale orange
inline constexpr Color kAck = rgba(120, 230, 160);
inline constexpr Color kDeath = rgba(240, 60, 50);
inline constexpr Color kSelection = rgba(255, 255, 255);

}  // namespace brokersim::gui::palette
