#include "gui/canvas_draw.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "gui/palette.h"
#include "gui/sprites.h"

namespace brokersim::gui {
namespace {

namespace pal = palette;


// Text follows the zoom, but not below what a back row can read; labels that no longer fit
// are shortened with an ellipsis rather than overflow.
float text_size(const GuiApp& app, const CanvasTransform& xf, float base) {
  return std::clamp(base * xf.zoom, base * 0.72f, base * 2.5f) * app.font_scale;
}

// Shortens text to fit a width, with an ellipsis.
std::string fit(ImFont* font, float size, const std::string& text, float width) {
  if (font->CalcTextSizeA(size, FLT_MAX, 0, text.c_str()).x <= width) return text;
  std::string s = text;
  while (!s.empty()) {
    s.pop_back();
    // Do not cut a UTF-8 sequence in half.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
    const std::string candidate = s + "\xE2\x80\xA6";
    if (font->CalcTextSizeA(size, FLT_MAX, 0, candidate.c_str()).x <= width) return candidate;
  }
  return "";
}

void text_centered(ImDrawList* draw, ImFont* font, float size, ImVec2 center, pal::Color color, const std::string& text) {
  const ImVec2 ts = font->CalcTextSizeA(size, FLT_MAX, 0, text.c_str());
  draw->AddText(font, size, {center.x - ts.x / 2, center.y - ts.y / 2}, color, text.c_str());
}

void dashed_curve(ImDrawList* draw, const EdgeCurve& c, const CanvasTransform& xf, pal::Color color, float thickness) {
  const int kPieces = 28 * std::max(1, c.count / 3);
  for (int i = 0; i < kPieces; i += 2) {
    const float a = static_cast<float>(i) / kPieces, b = static_cast<float>(i + 1) / kPieces;
    draw->AddLine(xf.to_screen(c.at(a)), xf.to_screen(c.at(b)), color, thickness);
  }
}

void arrow_head(ImDrawList* draw, const EdgeCurve& c, const CanvasTransform& xf, pal::Color color) {
  const ImVec2 tip = xf.to_screen(c.at(1.0f));
  const ImVec2 back = xf.to_screen(c.at(c.count == 1 ? 0.96f : 0.995f));
  float dx = tip.x - back.x, dy = tip.y - back.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len < 1e-3f) return;
  dx /= len;
  dy /= len;
  const float s = std::clamp(8.0f * xf.zoom, 4.0f, 14.0f);
  draw->AddTriangleFilled(tip, {tip.x - dx * s - dy * s * 0.5f, tip.y - dy * s + dx * s * 0.5f},
                          {tip.x - dx * s + dy * s * 0.5f, tip.y - dy * s - dx * s * 0.5f}, color);
}

// ImGui has no opacity for a group of shapes: fade the vertices drawn since `first_vertex`.
void fade_since(ImDrawList* draw, int first_vertex, float opacity) {
  if (opacity >= 1.0f) return;
  for (int i = first_vertex; i < draw->VtxBuffer.Size; ++i) {
    ImU32& c = draw->VtxBuffer[i].col;
    const auto alpha = static_cast<ImU32>(static_cast<float>((c >> IM_COL32_A_SHIFT) & 0xFF) * opacity);
    c = (c & ~IM_COL32_A_MASK) | (alpha << IM_COL32_A_SHIFT);
  }
}

float edge_opacity(const GuiApp& app, std::size_t edge) {
  const auto& o = app.scene.edge_opacity;
  return edge < o.size() ? o[edge] : 1.0f;
}

float node_opacity(const GuiApp& app, std::size_t node) {
  const auto& o = app.scene.node_opacity;
  return node < o.size() ? o[node] : 1.0f;
}

void draw_edges(ImDrawList* draw, const GuiApp& app, const CanvasTransform& xf) {
  const TopologyView& topo = app.session.topology();
  const float thickness = std::clamp(1.6f * xf.zoom, 1.0f, 3.0f) * pal::colors().line_weight;
  for (std::size_t i = 0; i < topo.edges().size(); ++i) {
    const float opacity = edge_opacity(app, i);
    if (opacity <= 0) continue;  // not declared yet, or deleted: the topology at the playhead
    const int first_vertex = draw->VtxBuffer.Size;
    const Edge& e = topo.edges()[i];
    const EdgeCurve c = topo.curve(static_cast<int>(i));
    const bool selected = app.selection.kind == Selection::Kind::kEdge && app.selection.index == static_cast<int>(i);
    const pal::Color color = selected ? pal::colors().selection : pal::edge_color(e.kind);
    if (e.dashed()) {
      dashed_curve(draw, c, xf, color, thickness);
    } else {
      for (int k = 0; k < c.count; ++k) {
        const Cubic& p = c.pieces[static_cast<std::size_t>(k)];
        draw->AddBezierCubic(xf.to_screen(p.p0), xf.to_screen(p.c1), xf.to_screen(p.c2), xf.to_screen(p.p3), color,
                             thickness, c.count == 1 ? 24 : 8);
      }
    }
    arrow_head(draw, c, xf, color);
    fade_since(draw, first_vertex, opacity);
  }
}

}  // namespace

std::vector<LabelBox> place_edge_labels(const GuiApp& app, const CanvasTransform& xf) {
  const TopologyView& topo = app.session.topology();
  std::vector<LabelBox> boxes(topo.edges().size());
  const float size = text_size(app, xf, 13.5f);
  std::vector<std::pair<ImVec2, ImVec2>> taken;
  for (const Node& n : topo.nodes()) {
    const ImVec2 a = xf.to_screen(n.center - n.size * 0.5f), b = xf.to_screen(n.center + n.size * 0.5f);
    taken.push_back({{a.x - 2, a.y - 2}, {b.x + 2, b.y + 2}});
  }
  auto overlaps = [&](ImVec2 min, ImVec2 max) {
    for (const auto& [a, b] : taken)
      if (min.x < b.x && max.x > a.x && min.y < b.y && max.y > a.y) return true;
    return false;
  };
  // Greedy: each label takes the first spot along its edge that covers no node and no label
  // placed before it, so fanned-out bindings do not pile their keys on one another.
  static constexpr float kFractions[] = {0.7f, 0.6f, 0.8f, 0.5f, 0.87f, 0.4f, 0.3f, 0.93f, 0.2f};
  for (std::size_t i = 0; i < topo.edges().size(); ++i) {
    const Edge& e = topo.edges()[i];
    if (edge_opacity(app, i) <= 0) continue;
    if (e.kind == EdgeKind::kPublish || e.kind == EdgeKind::kConsume || e.kind == EdgeKind::kDeadLetter) continue;
    std::string label = e.label.empty() ? (e.kind == EdgeKind::kBinding ? "(any)" : "") : e.label;
    if (label.empty()) continue;
    label = fit(app.font, size, label, 170 * xf.zoom * app.font_scale);
    const ImVec2 ts = app.font->CalcTextSizeA(size, FLT_MAX, 0, label.c_str());
    const EdgeCurve c = topo.curve(static_cast<int>(i));
    const float parallel = (e.parallel_index - (e.parallel_count - 1) / 2.0f) * (ts.y + 4);
    LabelBox best;
    bool found = false;
    for (float f : kFractions) {
      for (float dy : {0.0f, -(ts.y + 4), ts.y + 4}) {
        const ImVec2 at = xf.to_screen(c.at(f));
        const ImVec2 min{at.x - ts.x / 2 - 4, at.y + parallel + dy - ts.y / 2 - 1};
        const ImVec2 max{at.x + ts.x / 2 + 4, at.y + parallel + dy + ts.y / 2 + 1};
        if (!best.shown) best = {true, min, max, label, size};  // the fallback: the usual spot
        if (!overlaps(min, max)) {
          best = {true, min, max, label, size};
          found = true;
          break;
        }
      }
      if (found) break;
    }
    taken.push_back({best.min, best.max});
    boxes[i] = best;
  }
  return boxes;
}

namespace {

void draw_edge_labels(ImDrawList* draw, const GuiApp& app, const CanvasTransform& xf) {
  const TopologyView& topo = app.session.topology();
  const std::vector<LabelBox> boxes = place_edge_labels(app, xf);
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const LabelBox& b = boxes[i];
    if (!b.shown) continue;
    const Edge& e = topo.edges()[i];
    const bool selected = app.selection.kind == Selection::Kind::kEdge && app.selection.index == static_cast<int>(i);
    const int first_vertex = draw->VtxBuffer.Size;
    draw->AddRectFilled(b.min, b.max, pal::colors().label_fill, 4);
    draw->AddRect(b.min, b.max, selected ? pal::colors().selection : pal::with_alpha(pal::edge_color(e.kind), 0.8f), 4);
    draw->AddText(app.font, b.size, {b.min.x + 4, b.min.y + 1}, e.dashed() ? pal::edge_color(e.kind) : pal::colors().text,
                  b.text.c_str());
    fade_since(draw, first_vertex, edge_opacity(app, i));
  }
}

void draw_node(ImDrawList* draw, const GuiApp& app, const CanvasTransform& xf, int index) {
  const TopologyView& topo = app.session.topology();
  const Node& node = topo.nodes()[index];
  const NodeState& state = app.scene.nodes.size() > static_cast<std::size_t>(index) ? app.scene.nodes[index] : NodeState{};
  const ImVec2 min = xf.to_screen(node.center - node.size * 0.5f);
  const ImVec2 max = xf.to_screen(node.center + node.size * 0.5f);
  const float rounding = node.kind == NodeKind::kExchange ? 14 * xf.zoom : 5 * xf.zoom;
  const bool selected = app.selection.kind == Selection::Kind::kNode && app.selection.index == index;
  draw->AddRectFilled(min, max, pal::node_fill(node.kind), rounding);
  draw->AddRect(min, max, selected ? pal::colors().selection : pal::node_border(node.kind), rounding, 0,
                (selected ? 3.0f : std::clamp(1.5f * xf.zoom, 1.5f, 2.5f)) * pal::colors().line_weight);
  const float w = max.x - min.x, h = max.y - min.y;
  const float title = text_size(app, xf, 17.0f);
  const float small = text_size(app, xf, 13.0f);
  const std::string label = fit(app.font, title, node.label, w - 10 * xf.zoom);
  const bool has_body = node.kind == NodeKind::kQueue || node.kind == NodeKind::kConsumer;
  const float title_y = has_body || !node.detail.empty() ? min.y + h * 0.3f : min.y + h * 0.5f;
  text_centered(draw, app.font, title, {min.x + w / 2, title_y}, pal::colors().text, label);

  if (node.kind == NodeKind::kQueue) {
    // The depth as a stack of cells: unacked (orange) first, then ready (sky blue).
    const int ready = state.ready, unacked = state.unacked;
    const float cell = std::max(2.0f, 9.0f * xf.zoom), gap = std::max(1.0f, 2.0f * xf.zoom);
    const int capacity = std::max(1, static_cast<int>((w - 60 * xf.zoom) / (cell + gap)));
    const float y0 = min.y + h * 0.62f - cell / 2;
    int drawn = 0;
    for (int i = 0; i < unacked && drawn < capacity; ++i, ++drawn) {
      const float x = min.x + 8 * xf.zoom + drawn * (cell + gap);
      draw->AddRectFilled({x, y0}, {x + cell, y0 + cell}, pal::colors().unacked, 1.5f);
    }
    for (int i = 0; i < ready && drawn < capacity; ++i, ++drawn) {
      const float x = min.x + 8 * xf.zoom + drawn * (cell + gap);
      draw->AddRectFilled({x, y0}, {x + cell, y0 + cell}, pal::colors().ready, 1.5f);
    }
    if (drawn == 0) draw->AddRect({min.x + 8 * xf.zoom, y0}, {min.x + 8 * xf.zoom + cell, y0 + cell}, pal::colors().text_dim, 1.5f);
    const std::string counts = std::to_string(ready) + (unacked ? "+" + std::to_string(unacked) : "");
    const ImVec2 ts = app.font->CalcTextSizeA(small, FLT_MAX, 0, counts.c_str());
    draw->AddText(app.font, small, {max.x - ts.x - 6 * xf.zoom, y0 + cell / 2 - ts.y / 2}, pal::colors().text, counts.c_str());
  } else if (node.kind == NodeKind::kConsumer) {
    // Prefetch slots: filled while a delivery is unacked.
    const int used = state.unacked;
    const int slots = state.prefetch > 0 ? std::min(state.prefetch, 24) : 0;
    const float cell = std::max(2.0f, 7.0f * xf.zoom), gap = std::max(1.0f, 2.0f * xf.zoom);
    const float y0 = min.y + h * 0.62f - cell / 2;
    const int shown = slots > 0 ? slots : std::min(used, 12);
    const int columns = std::max(1, static_cast<int>((w - 50 * xf.zoom) / (cell + gap)));
    for (int i = 0; i < std::min(shown, columns); ++i) {
      const float x = min.x + 8 * xf.zoom + i * (cell + gap);
      if (i < used) draw->AddRectFilled({x, y0}, {x + cell, y0 + cell}, pal::colors().unacked, 1.0f);
      else draw->AddRect({x, y0}, {x + cell, y0 + cell}, pal::colors().text_dim, 1.0f);
    }
    const std::string counts = std::to_string(used) + "/" + (state.prefetch > 0 ? std::to_string(state.prefetch) : "\xE2\x88\x9E");
    const ImVec2 ts = app.font->CalcTextSizeA(small, FLT_MAX, 0, counts.c_str());
    draw->AddText(app.font, small, {max.x - ts.x - 6 * xf.zoom, y0 + cell / 2 - ts.y / 2}, pal::colors().text, counts.c_str());
  } else if (!node.detail.empty()) {
    const std::string detail = fit(app.font, small, node.detail, w - 10 * xf.zoom);
    text_centered(draw, app.font, small, {min.x + w / 2, min.y + h * 0.7f}, pal::colors().text_dim, detail);
  }
}

// A small deterministic offset per message, so several deaths at one node do not stack.
Vec2 jitter(std::uint64_t id, float radius) {
  const float a = static_cast<float>((id * 2654435761u) % 360) * 3.14159265f / 180.0f;
  return {std::cos(a) * radius, std::sin(a) * radius};
}

// A filled disc or a ring: a textured quad when the sprite texture exists, else ImGui's own.
void disc(ImDrawList* draw, ImVec2 p, float r, pal::Color color) {
  if (ImTextureID t = sprites::texture()) {
    draw->AddImage(t, {p.x - r, p.y - r}, {p.x + r, p.y + r}, sprites::kDiscUv0, sprites::kDiscUv1, color);
  } else {
    draw->AddCircleFilled(p, r, color, 10);
  }
}
void ring(ImDrawList* draw, ImVec2 p, float r, pal::Color color) {
  if (ImTextureID t = sprites::texture()) {
    draw->AddImage(t, {p.x - r, p.y - r}, {p.x + r, p.y + r}, sprites::kRingUv0, sprites::kRingUv1, color);
  } else {
    draw->AddCircle(p, r, color, 12, 2.0f);
  }
}

// Dots of one colour within two pixels look like one: the key that tells such stacks apart.
std::uint64_t stack_key(ImVec2 p, std::uint16_t key_color) {
  const auto qx = static_cast<std::uint64_t>(static_cast<std::int64_t>(p.x * 0.5f) & 0xFFFFF);
  const auto qy = static_cast<std::uint64_t>(static_cast<std::int64_t>(p.y * 0.5f) & 0xFFFFF);
  return (qx << 40) | (qy << 20) | key_color;
}

// What a marker says: why a message died or was dead-lettered, or that it came back.
const char* marker_label(const SceneDot& d) {
  if (d.kind == SegmentKind::kReturn) return "returned";
  switch (d.reason) {
    case trace::Reason::kRejected: return "rejected";
    case trace::Reason::kExpired: return "expired";
    case trace::Reason::kMaxlen: return "maxlen";
    case trace::Reason::kDeliveryLimit: return "delivery_limit";
    case trace::Reason::kRefused: return "refused: queue full";
    case trace::Reason::kUnroutable: return "unroutable";
    case trace::Reason::kPurged: return "purged";
    case trace::Reason::kQueueDeleted: return "queue deleted";
    case trace::Reason::kBrokerRestart: return "lost in restart";
    case trace::Reason::kDeadLetterCycle: return "dead-letter cycle";
    case trace::Reason::kNone: break;
  }
  return d.kind == SegmentKind::kDeath ? "dropped" : nullptr;
}

// A short label on a dark plate beside a marker, fading with it: a class reads why without
// opening the log.
void marker_text(ImDrawList* draw, const GuiApp& app, ImVec2 at, const char* text, pal::Color color, float alpha) {
  const float size = 13.0f * app.font_scale;
  const ImVec2 ts = app.font->CalcTextSizeA(size, FLT_MAX, 0, text);
  const ImVec2 min{at.x - ts.x / 2 - 4, at.y}, max{at.x + ts.x / 2 + 4, at.y + ts.y + 2};
  draw->AddRectFilled(min, max, pal::with_alpha(pal::colors().label_fill, alpha), 3);
  draw->AddText(app.font, size, {min.x + 4, min.y + 1}, pal::with_alpha(color, alpha), text);
}

// One dot as its segment kind shows it: travelling, requeued, returned, dead-lettered, an ack
// flashing at its consumer, or a death mark above its node. Deaths, returns and
// dead-letters are large and say why.
void draw_dot(ImDrawList* draw, const GuiApp& app, const SceneDot& d, const CanvasTransform& xf, float r) {
  const TopologyView& topo = app.session.topology();
  const pal::Color color = pal::key_color(d.key_color);
  const ImVec2 at = xf.to_screen(d.position);
  switch (d.kind) {
    case SegmentKind::kHop: disc(draw, at, r, color); break;
    case SegmentKind::kRequeue:
      disc(draw, at, r, color);
      ring(draw, at, r + 3, pal::colors().unacked);
      break;
    case SegmentKind::kReturn:
      disc(draw, at, r * 1.4f, color);
      ring(draw, at, r * 1.4f + 3, pal::rgba(255, 255, 255, 220));
      marker_text(draw, app, {at.x, at.y + r * 1.4f + 5}, marker_label(d), pal::colors().text, 1.0f);
      break;
    case SegmentKind::kDeadLetter:
      disc(draw, at, r * 1.3f, color);
      ring(draw, at, r * 1.3f + 3, pal::edge_color(EdgeKind::kDeadLetter));
      if (const char* why = marker_label(d); why && d.fraction < 0.6f)
        marker_text(draw, app, {at.x, at.y + r * 1.3f + 5}, why, pal::edge_color(EdgeKind::kDeadLetter), 1.0f);
      break;
    case SegmentKind::kAck: {
      const Node& n = topo.nodes()[d.node];
      const ImVec2 p = xf.to_screen({n.center.x + n.size.x / 2 - 12, n.center.y - n.size.y / 2 + 12});
      ring(draw, p, r + 2 + d.fraction * 12 * xf.zoom, pal::with_alpha(pal::colors().ack, 1.0f - d.fraction));
      disc(draw, p, r * (1.0f - d.fraction * 0.7f), pal::with_alpha(color, 1.0f - d.fraction));
      break;
    }
    case SegmentKind::kDeath: {
      const Node& n = topo.nodes()[d.node];
      const float big = std::max(r * 2.0f, 9.0f * app.font_scale);
      const Vec2 c = n.center + Vec2{0, -n.size.y / 2} + jitter(d.message_id, 10);
      const ImVec2 p{xf.to_screen(c).x, xf.to_screen(c).y - big - 2};
      const float alpha = 1.0f - d.fraction * d.fraction;  // stays clear most of its time
      disc(draw, p, big, pal::with_alpha(pal::colors().death, alpha));
      const float x = big * 0.5f;
      const pal::Color white = pal::with_alpha(pal::rgba(255, 255, 255), alpha);
      draw->AddLine({p.x - x, p.y - x}, {p.x + x, p.y + x}, white, 2.5f);
      draw->AddLine({p.x - x, p.y + x}, {p.x + x, p.y - x}, white, 2.5f);
      marker_text(draw, app, {p.x, p.y - big - 18 * app.font_scale}, marker_label(d), pal::colors().death, alpha);
      break;
    }
  }
}

void draw_dots(ImDrawList* draw, const GuiApp& app, const CanvasTransform& xf) {
  const float r = std::clamp(5.5f * xf.zoom, 3.0f, 10.0f);
  const std::uint64_t highlighted = app.selection.kind == Selection::Kind::kMessage ? app.selection.message_id : app.follow_message;
  const TopologyView& topo = app.session.topology();
  // Flashes and deaths at one node land on one spot: past a few, more only cost pixels (under
  // a busy consumer hundreds overlap), so each node draws just a few.
  constexpr int kMarksPerNode = 4;
  static std::vector<int> marks;
  marks.assign(topo.nodes().size(), 0);
  // A burst of publishes travels as a stack of same-coloured dots: drawing one of each saves
  // the rasteriser the rest.
  static std::vector<std::uint64_t> drawn;
  drawn.clear();
  for (const SceneDot& d : app.scene.dots) {
    if (d.node >= 0) ++marks[d.node];
    if (d.kind == SegmentKind::kHop && d.message_id != highlighted) drawn.push_back(stack_key(xf.to_screen(d.position), d.key_color));
  }
  // Dots come oldest first: keep the newest few marks at each node, the ones still bright.
  for (int& m : marks) m = std::max(0, m - kMarksPerNode);
  std::sort(drawn.begin(), drawn.end());
  drawn.erase(std::unique(drawn.begin(), drawn.end()), drawn.end());
  static std::vector<bool> done;
  done.assign(drawn.size(), false);
  for (const SceneDot& d : app.scene.dots) {
    if (d.node >= 0 && marks[d.node]-- > 0) continue;
    if (d.kind == SegmentKind::kHop && d.message_id != highlighted) {
      const std::uint64_t key = stack_key(xf.to_screen(d.position), d.key_color);
      const auto at = std::lower_bound(drawn.begin(), drawn.end(), key) - drawn.begin();
      if (done[at]) continue;
      done[at] = true;
    }
    draw_dot(draw, app, d, xf, r);
    if (highlighted != 0 && d.message_id == highlighted && d.edge >= 0) ring(draw, xf.to_screen(d.position), r + 6, pal::colors().selection);
  }
}

void draw_legend(ImDrawList* draw, const GuiApp& app, ImVec2 canvas_min) {
  const auto& keys = app.session.animation().routing_keys;
  const float size = 13.0f * app.font_scale;
  const float line = size + 5;
  const int shown = std::min<int>(static_cast<int>(keys.size()), pal::kKeyColors);
  const float width = 190 * app.font_scale;
  const float height = line * (shown + 1) + 10 + (static_cast<int>(keys.size()) > shown ? line : 0);
  const ImVec2 min{canvas_min.x + 10, canvas_min.y + 10};
  draw->AddRectFilled(min, {min.x + width, min.y + height}, pal::rgba(20, 22, 27, 220), 6);
  // Labelled messages are coloured by their label, listed in brackets.
  const bool labels = std::any_of(keys.begin(), keys.end(), [](const std::string& k) { return k.starts_with('['); });
  draw->AddText(app.font, size, {min.x + 8, min.y + 5}, pal::colors().text_dim, labels ? "routing keys, [labels]" : "routing keys");
  for (int i = 0; i < shown; ++i) {
    const float y = min.y + 5 + line * (i + 1);
    draw->AddCircleFilled({min.x + 14, y + size / 2}, 5, pal::key_color(static_cast<std::uint16_t>(i)), 12);
    const std::string k = fit(app.font, size, keys[i].empty() ? "(empty key)" : keys[i], width - 34);
    draw->AddText(app.font, size, {min.x + 26, y}, pal::colors().text, k.c_str());
  }
  if (static_cast<int>(keys.size()) > shown) {
    const std::string more = "+" + std::to_string(keys.size() - shown) + " more (colours repeat)";
    draw->AddText(app.font, size, {min.x + 8, min.y + 5 + line * (shown + 1)}, pal::colors().text_dim, more.c_str());
  }
}

}  // namespace

Camera fit_camera(const TopologyView& topology, ImVec2 canvas_size, float bottom_reserve) {
  Vec2 lo, hi;
  topology.bounds(lo, hi);
  // Room for the legend on the left and labels all round.
  lo = lo - Vec2{60, 30};
  hi = hi + Vec2{20, 20};
  Camera cam;
  cam.pan = (lo + hi) * 0.5f;
  const float zx = canvas_size.x / std::max(1.0f, hi.x - lo.x);
  const float zy = std::max(1.0f, canvas_size.y - bottom_reserve) / std::max(1.0f, hi.y - lo.y);
  cam.zoom = std::clamp(std::min(zx, zy), 0.2f, 1.6f);
  cam.pan.y += bottom_reserve / 2 / cam.zoom;  // the picture centred in the space above the caption
  cam.fitted = true;
  return cam;
}

void draw_canvas(ImDrawList* draw, const GuiApp& app, const CanvasTransform& xf, ImVec2 canvas_min, ImVec2 canvas_max) {
  // No background fill: the frame is cleared to the canvas colour, and under a software
  // rasteriser (llvmpipe) every full-screen layer costs milliseconds.
  (void)canvas_max;
  if (!app.session.is_open()) return;
  draw->PushClipRect(canvas_min, canvas_max, true);
  draw_edges(draw, app, xf);
  for (int i = 0; i < static_cast<int>(app.session.topology().nodes().size()); ++i) {
    const float opacity = node_opacity(app, static_cast<std::size_t>(i));
    if (opacity <= 0) continue;
    const int first_vertex = draw->VtxBuffer.Size;
    draw_node(draw, app, xf, i);
    fade_since(draw, first_vertex, opacity);
  }
  draw_dots(draw, app, xf);
  // Keys stay readable on a busy edge: labels go over the dots.
  draw_edge_labels(draw, app, xf);
  draw_legend(draw, app, canvas_min);
  draw->PopClipRect();
}

std::optional<int> node_at(const GuiApp& app, const CanvasTransform& xf, ImVec2 screen) {
  const Vec2 w = xf.to_world(screen);
  const auto& nodes = app.session.topology().nodes();
  for (int i = static_cast<int>(nodes.size()) - 1; i >= 0; --i) {
    const Node& n = nodes[i];
    if (node_opacity(app, static_cast<std::size_t>(i)) <= 0) continue;
    if (std::abs(w.x - n.center.x) <= n.size.x / 2 && std::abs(w.y - n.center.y) <= n.size.y / 2) return i;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> message_at(const GuiApp& app, const CanvasTransform& xf, ImVec2 screen) {
  float best = 10.0f * 10.0f;
  std::optional<std::uint64_t> found;
  for (const SceneDot& d : app.scene.dots) {
    if (d.edge < 0) continue;
    const ImVec2 p = xf.to_screen(d.position);
    const float dx = p.x - screen.x, dy = p.y - screen.y;
    if (dx * dx + dy * dy < best) {
      best = dx * dx + dy * dy;
      found = d.message_id;
    }
  }
  return found;
}

std::optional<int> edge_label_at(const GuiApp& app, const CanvasTransform& xf, ImVec2 screen) {
  const std::vector<LabelBox> boxes = place_edge_labels(app, xf);
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const LabelBox& b = boxes[i];
    if (b.shown && screen.x >= b.min.x && screen.x <= b.max.x && screen.y >= b.min.y && screen.y <= b.max.y)
      return static_cast<int>(i);
  }
  return std::nullopt;
}

}  // namespace brokersim::gui
