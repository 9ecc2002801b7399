#include "gui/palette.h"

#include <algorithm>

namespace brokersim::gui::palette {

Color with_alpha(Color c, float alpha) {
  const auto a = static_cast<unsigned>(std::clamp(alpha, 0.0f, 1.0f) * static_cast<float>(c >> 24));
  return (c & 0x00FFFFFFu) | (static_cast<Color>(a) << 24);
}

Color key_color(std::uint16_t index) {
  // Okabe & Ito (2008), without black, which would vanish on the dark canvas.
  static constexpr Color kColors[kKeyColors] = {
      rgba(230, 159, 0),    // orange
      rgba(86, 180, 233),   // sky blue
      rgba(0, 158, 115),    // bluish green
      rgba(240, 228, 66),   // yellow
      rgba(0, 114, 178),    // blue
      rgba(213, 94, 0),     // vermillion
      rgba(204, 121, 167),  // reddish purple
  };
  return kColors[index % kKeyColors];
}

namespace {

constexpr Colors kDark{rgba(24, 26, 31),   rgba(34, 37, 44),   rgba(232, 234, 240), rgba(150, 156, 170),
                       rgba(150, 205, 255), rgba(255, 196, 110), rgba(120, 230, 160), rgba(240, 60, 50),
                       rgba(255, 255, 255), rgba(30, 32, 40, 235), 1.0f};
constexpr Colors kHighContrast{rgba(0, 0, 0),       rgba(20, 20, 20),    rgba(255, 255, 255), rgba(215, 215, 215),
                               rgba(120, 200, 255), rgba(255, 170, 40),  rgba(60, 255, 120),  rgba(255, 40, 40),
                               rgba(255, 255, 0),   rgba(0, 0, 0, 245),  1.8f};
Theme g_theme = Theme::kDark;

}  // namespace

void use_theme(Theme theme) { g_theme = theme; }
Theme current_theme() { return g_theme; }
const Colors& colors() { return g_theme == Theme::kHighContrast ? kHighContrast : kDark; }

Color node_fill(NodeKind kind) {
  if (g_theme == Theme::kHighContrast) return rgba(0, 0, 0);
  switch (kind) {
    case NodeKind::kProducer: return rgba(44, 62, 80);
    case NodeKind::kExchange: return rgba(74, 52, 96);
    case NodeKind::kQueue: return rgba(38, 70, 66);
    case NodeKind::kConsumer: return rgba(70, 60, 40);
  }
  return rgba(60, 60, 60);
}

Color node_border(NodeKind kind) {
  if (g_theme == Theme::kHighContrast) {
    switch (kind) {
      case NodeKind::kProducer: return rgba(90, 190, 255);
      case NodeKind::kExchange: return rgba(230, 120, 255);
      case NodeKind::kQueue: return rgba(40, 255, 200);
      case NodeKind::kConsumer: return rgba(255, 210, 60);
    }
  }
  switch (kind) {
    case NodeKind::kProducer: return rgba(120, 160, 200);
    case NodeKind::kExchange: return rgba(180, 140, 220);
    case NodeKind::kQueue: return rgba(110, 190, 170);
    case NodeKind::kConsumer: return rgba(210, 180, 110);
  }
  return rgba(160, 160, 160);
}

Color edge_color(EdgeKind kind) {
  if (g_theme == Theme::kHighContrast) {
    switch (kind) {
      case EdgeKind::kDeadLetter: return rgba(255, 90, 80);
      case EdgeKind::kAlternate: return rgba(255, 210, 60);
      default: return rgba(235, 235, 235);
    }
  }
  switch (kind) {
    case EdgeKind::kPublish: return rgba(110, 120, 140);
    case EdgeKind::kBinding: return rgba(140, 130, 170);
    case EdgeKind::kConsume: return rgba(120, 140, 130);
    case EdgeKind::kDeadLetter: return rgba(220, 110, 100);
    case EdgeKind::kAlternate: return rgba(200, 170, 90);
  }
  return rgba(128, 128, 128);
}

}  // namespace brokersim::gui::palette
