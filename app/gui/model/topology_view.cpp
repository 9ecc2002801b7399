#include "gui/model/topology_view.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace brokersim::gui {
namespace {

// Between exchanges and queues the edges carry binding keys, so that gap is the widest.
constexpr float kProducerToExchange = 260;
constexpr float kExchangeToExchange = 290;
constexpr float kExchangeToQueue = 380;
constexpr float kQueueToConsumer = 280;

float column_x(int column, int max_exchange_depth) {
  if (column == 0) return 0;
  const int last_exchange = 1 + max_exchange_depth;
  if (column <= last_exchange) return kProducerToExchange + (column - 1) * kExchangeToExchange;
  const float queues = kProducerToExchange + max_exchange_depth * kExchangeToExchange + kExchangeToQueue;
  return column == last_exchange + 1 ? queues : queues + kQueueToConsumer;
}
constexpr float kRowSpacing = 84;

Vec2 node_size(NodeKind kind) {
  switch (kind) {
    case NodeKind::kProducer: return {170, 48};
    case NodeKind::kExchange: return {160, 58};
    case NodeKind::kQueue: return {190, 62};
    case NodeKind::kConsumer: return {190, 52};
  }
  return {150, 50};
}

const char* kind_prefix(NodeKind kind) {
  switch (kind) {
    case NodeKind::kProducer: return "producer:";
    case NodeKind::kExchange: return "exchange:";
    case NodeKind::kQueue: return "queue:";
    case NodeKind::kConsumer: return "consumer:";
  }
  return "";
}

Vec2 lerp(Vec2 a, Vec2 b, float t) { return a + (b - a) * t; }

// The width of a line of text in world units, near enough to size a box: the canvas's font
// (DejaVu Sans) averages a little over half an em per character.
float text_width(const std::string& text, float size) {
  std::size_t glyphs = 0;
  for (unsigned char c : text) glyphs += (c & 0xC0) != 0x80;
  return 0.58f * size * static_cast<float>(glyphs);
}

// A box big enough for the title (17 px) and the detail line (13 px), and for the cells and
// counts of a queue or consumer, at the text scale.
Vec2 box_size(const Node& node, float text_scale) {
  const Vec2 base = node_size(node.kind);
  const float title = text_width(node.label, 17.0f * text_scale) + 28;
  const float detail = text_width(node.detail, 13.0f * text_scale) + 20;
  const float grow = std::max(1.0f, text_scale);
  return {std::max({base.x * std::min(grow, 1.4f), title, detail}), base.y * grow};
}

}  // namespace

Vec2 Cubic::at(float t) const {
  // De Casteljau: exact and stable for t in [0, 1].
  const Vec2 a = lerp(p0, c1, t), b = lerp(c1, c2, t), c = lerp(c2, p3, t);
  const Vec2 d = lerp(a, b, t), e = lerp(b, c, t);
  return lerp(d, e, t);
}

float Cubic::rough_length() const {
  auto length = [](Vec2 a, Vec2 b) { return std::hypot(b.x - a.x, b.y - a.y); };
  return (length(p0, c1) + length(c1, c2) + length(c2, p3) + length(p0, p3)) / 2;
}

void EdgeCurve::add(const Cubic& piece) {
  if (count < kMaxPieces) pieces[static_cast<std::size_t>(count++)] = piece;
}

void EdgeCurve::add_line(Vec2 from, Vec2 to) { add({from, lerp(from, to, 1.0f / 3), lerp(from, to, 2.0f / 3), to}); }

void EdgeCurve::finish() {
  float total = 0;
  for (int i = 0; i < count; ++i) total += pieces[static_cast<std::size_t>(i)].rough_length();
  float so_far = 0;
  for (int i = 0; i < count; ++i) {
    so_far += pieces[static_cast<std::size_t>(i)].rough_length();
    ends[static_cast<std::size_t>(i)] = total > 0 ? so_far / total : static_cast<float>(i + 1) / static_cast<float>(count);
  }
  if (count > 0) ends[static_cast<std::size_t>(count - 1)] = 1.0f;
}

Vec2 EdgeCurve::at(float t) const {
  int i = 0;
  while (i + 1 < count && t > ends[static_cast<std::size_t>(i)]) ++i;
  const float begin = i == 0 ? 0.0f : ends[static_cast<std::size_t>(i - 1)];
  const float span = ends[static_cast<std::size_t>(i)] - begin;
  return pieces[static_cast<std::size_t>(i)].at(span > 0 ? std::clamp((t - begin) / span, 0.0f, 1.0f) : 1.0f);
}

std::string TopologyView::node_key(const Node& node) { return kind_prefix(node.kind) + node.name; }

std::optional<int> TopologyView::find_node(NodeKind kind, const std::string& name) const {
  auto it = by_name_.find({static_cast<int>(kind), name});
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

int TopologyView::ensure_node(NodeKind kind, const std::string& name) {
  if (auto found = find_node(kind, name)) return *found;
  Node n;
  n.kind = kind;
  n.name = name;
  n.label = name;
  if (kind == NodeKind::kExchange && name.empty()) n.label = "(default)";
  // Server-named queues are long and say nothing; their tail tells them apart.
  if (kind == NodeKind::kQueue && name.rfind("amq.gen-", 0) == 0 && name.size() > 14)
    n.label = "amq.gen-\xE2\x80\xA6" + name.substr(name.size() - 5);
  n.size = node_size(kind);
  nodes_.push_back(std::move(n));
  const int id = static_cast<int>(nodes_.size()) - 1;
  by_name_[{static_cast<int>(kind), name}] = id;
  return id;
}

std::optional<int> TopologyView::find_edge(int from, int to) const {
  for (std::size_t i = 0; i < edges_.size(); ++i)
    if (edges_[i].from == from && edges_[i].to == to) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> TopologyView::find_edge(int from, int to, const std::string& label) const {
  for (std::size_t i = 0; i < edges_.size(); ++i)
    if (edges_[i].from == from && edges_[i].to == to && edges_[i].label == label) return static_cast<int>(i);
  return std::nullopt;
}

int TopologyView::ensure_edge(EdgeKind kind, int from, int to, const std::string& label) {
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    const Edge& e = edges_[i];
    if (e.kind == kind && e.from == from && e.to == to && e.label == label) return static_cast<int>(i);
  }
  Edge e;
  e.kind = kind;
  e.from = from;
  e.to = to;
  e.label = label;
  int count = 0;
  for (Edge& other : edges_)
    if (other.from == from && other.to == to) ++count;
  e.parallel_index = count;
  edges_.push_back(e);
  for (Edge& other : edges_)
    if (other.from == from && other.to == to) other.parallel_count = count + 1;
  return static_cast<int>(edges_.size()) - 1;
}

// Exchange depth: how many exchange-to-exchange hops lead to it from an exchange that
// publishers use. Dead-letter and alternate links do not push an exchange right, so a
// dead-letter exchange stays beside the others.
std::vector<int> TopologyView::exchange_depths() const {
  const int n = static_cast<int>(nodes_.size());
  std::vector<int> depth(n, 0);
  for (int pass = 0; pass < n; ++pass) {
    bool changed = false;
    for (const Edge& e : edges_) {
      if (e.kind != EdgeKind::kBinding) continue;
      if (nodes_[e.from].kind != NodeKind::kExchange || nodes_[e.to].kind != NodeKind::kExchange) continue;
      if (depth[e.to] < depth[e.from] + 1 && depth[e.from] + 1 < 6) {
        depth[e.to] = depth[e.from] + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return depth;
}

void TopologyView::layout(const std::map<std::string, Vec2>& fixed) {
  const int n = static_cast<int>(nodes_.size());
  const std::vector<int> depth = exchange_depths();
  int max_exchange_depth = 0;
  for (int i = 0; i < n; ++i)
    if (nodes_[i].kind == NodeKind::kExchange) max_exchange_depth = std::max(max_exchange_depth, depth[i]);
  for (int i = 0; i < n; ++i) {
    Node& node = nodes_[i];
    switch (node.kind) {
      case NodeKind::kProducer: node.column = 0; break;
      case NodeKind::kExchange: node.column = 1 + depth[i]; break;
      case NodeKind::kQueue: node.column = 2 + max_exchange_depth; break;
      case NodeKind::kConsumer: node.column = 3 + max_exchange_depth; break;
    }
  }
  const int columns = 4 + max_exchange_depth;
  std::vector<std::vector<int>> column_nodes(columns);
  for (int i = 0; i < n; ++i) column_nodes[nodes_[i].column].push_back(i);

  // Barycentre ordering, a few sweeps each way: a node sits near the mean row of its
  // neighbours in the adjacent columns.
  std::vector<float> row(n, 0);
  auto assign_rows = [&] {
    for (auto& col : column_nodes)
      for (std::size_t r = 0; r < col.size(); ++r) row[col[r]] = static_cast<float>(r) - static_cast<float>(col.size() - 1) / 2;
  };
  assign_rows();
  auto sweep = [&](int c, bool from_left) {
    auto& col = column_nodes[c];
    std::vector<std::pair<float, int>> keyed;
    for (std::size_t r = 0; r < col.size(); ++r) {
      const int id = col[r];
      float sum = 0;
      int count = 0;
      for (const Edge& e : edges_) {
        const int other = e.from == id ? e.to : (e.to == id ? e.from : -1);
        if (other < 0 || other == id) continue;
        const int oc = nodes_[other].column;
        if ((from_left && oc < c) || (!from_left && oc > c)) {
          sum += row[other];
          ++count;
        }
      }
      keyed.push_back({count ? sum / count : row[id], id});
    }
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t r = 0; r < col.size(); ++r) col[r] = keyed[r].second;
    assign_rows();
  };
  for (int iteration = 0; iteration < 4; ++iteration) {
    for (int c = 1; c < columns; ++c) sweep(c, true);
    for (int c = columns - 2; c >= 0; --c) sweep(c, false);
  }

  for (Node& node : nodes_) node.size = box_size(node, text_scale_);
  for (auto& col : column_nodes) {
    for (int id : col) {
      Node& node = nodes_[id];
      node.center = {column_x(node.column, max_exchange_depth) * column_stretch(), row[id] * row_spacing()};
      auto it = fixed.find(node_key(node));
      if (it != fixed.end()) node.center = it->second;
    }
  }
  assign_lanes();
  update_bottom();
}

// Rows keep their spacing until boxes grow taller than it allows: larger text then takes
// more of the picture instead of the fit zooming it back down.
float TopologyView::row_spacing() const {
  float tallest = 0;
  for (const Node& node : nodes_) tallest = std::max(tallest, node.size.y);
  return std::max(kRowSpacing, tallest + 20);
}

// Columns move apart when boxes grow wider than the default, so edges keep room for labels.
float TopologyView::column_stretch() const {
  float widest = 0;
  for (const Node& node : nodes_) widest = std::max(widest, node.size.x / node_size(node.kind).x);
  return std::max(1.0f, 0.5f + widest / 2);
}

void TopologyView::assign_lanes() {
  // Outer lanes for the longest ways back, so lanes nest instead of crossing.
  std::vector<int> back;
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    Edge& e = edges_[i];
    e.lane = -1;
    const int from = nodes_[e.from].column, to = nodes_[e.to].column;
    if (to < from - 1) back.push_back(static_cast<int>(i));
  }
  std::stable_sort(back.begin(), back.end(), [&](int x, int y) {
    const auto span = [&](int i) { return nodes_[edges_[i].from].column - nodes_[edges_[i].to].column; };
    return span(x) < span(y);
  });
  for (std::size_t k = 0; k < back.size(); ++k) edges_[static_cast<std::size_t>(back[k])].lane = static_cast<int>(k);
}

void TopologyView::update_bottom() {
  bottom_ = 0;
  for (const Node& node : nodes_) bottom_ = std::max(bottom_, node.center.y + node.size.y / 2);
}

EdgeCurve TopologyView::curve(int edge_index) const {
  const Edge& e = edges_[edge_index];
  const Node& a = nodes_[e.from];
  const Node& b = nodes_[e.to];
  // Parallel edges (two bindings between the same pair) bow apart so both stay visible.
  const float spread = (e.parallel_index - (e.parallel_count - 1) / 2.0f) * 18.0f;
  EdgeCurve c;
  const float a_left = a.center.x - a.size.x / 2, a_right = a.center.x + a.size.x / 2;
  const float b_left = b.center.x - b.size.x / 2, b_right = b.center.x + b.size.x / 2;
  if (b_left > a_right + 10) {
    const Vec2 p0{a_right, a.center.y}, p3{b_left, b.center.y};
    const float dx = (p3.x - p0.x) * 0.5f;
    c.add({p0, {p0.x + dx, p0.y + spread}, {p3.x - dx, p3.y + spread}, p3});
  } else if (b_right < a_left - 10 && std::abs(a.column - b.column) <= 1) {
    // One column back (a queue to its dead-letter exchange): the mirror of a forward edge,
    // from the left side of one to the right side of the other.
    const Vec2 p0{a_left, a.center.y}, p3{b_right, b.center.y};
    const float dx = (p0.x - p3.x) * 0.5f;
    c.add({p0, {p0.x - dx, p0.y + spread}, {p3.x + dx, p3.y + spread}, p3});
  } else if (a.column == b.column) {
    // Same column (an alternate exchange beside its exchange): a bracket on the right.
    const Vec2 p0{a_right, a.center.y}, p3{b_right, b.center.y};
    const float out = 50.0f + std::abs(a.center.y - b.center.y) * 0.15f + spread;
    c.add({p0, {p0.x + out, p0.y}, {p3.x + out, p3.y}, p3});
  } else {
    back_edge_path(e, a, b, c);
  }
  c.finish();
  return c;
}

// A long way back (a service publishing again, a reply to an RPC client): out of the right
// side into the gap beside its column, down past the lowest node, along under the picture,
// and up the gap before the target's column into its left side. Each such edge has a lane
// of its own, so none runs through a node or on top of another.
void TopologyView::back_edge_path(const Edge& e, const Node& a, const Node& b, EdgeCurve& c) const {
  const float step = 9.0f * static_cast<float>(std::max(0, e.lane));
  const float a_right = a.center.x + a.size.x / 2, b_left = b.center.x - b.size.x / 2;
  const Vec2 exit{a_right, a.center.y}, entry{b_left, b.center.y};
  const float out_x = a_right + 24 + step, in_x = b_left - 24 - step;
  const float low = bottom_ + 34 + step;
  const Vec2 corners[] = {{out_x, exit.y}, {out_x, low}, {in_x, low}, {in_x, entry.y}};
  constexpr float kRound = 14;
  Vec2 from = exit;
  for (int i = 0; i < 4; ++i) {
    const Vec2 corner = corners[i];
    const Vec2 next = i + 1 < 4 ? corners[i + 1] : entry;
    auto toward = [&](Vec2 p, Vec2 q) {
      const float d = std::hypot(q.x - p.x, q.y - p.y);
      const float r = std::min(kRound, d / 2);
      return d > 0 ? p + (q - p) * (r / d) : p;
    };
    const Vec2 in = toward(corner, from), out = toward(corner, next);
    c.add_line(from, in);
    c.add({in, lerp(in, corner, 0.55f), lerp(out, corner, 0.55f), out});
    from = out;
  }
  c.add_line(from, entry);
}

Vec2 TopologyView::label_anchor(int edge_index) const {
  const Edge& e = edges_[edge_index];
  // Labels sit towards the destination, where fanned-out edges are furthest apart.
  const EdgeCurve c = curve(edge_index);
  Vec2 at = e.kind == EdgeKind::kBinding && nodes_[e.to].kind == NodeKind::kQueue ? c.at(0.7f) : c.at(0.5f);
  // Two bindings between the same pair would put their labels on one spot: stack them.
  at.y += (e.parallel_index - (e.parallel_count - 1) / 2.0f) * 20.0f;
  return at;
}

void TopologyView::bounds(Vec2& min, Vec2& max) const {
  min = {0, 0};
  max = {0, 0};
  bool first = true;
  auto grow = [&](Vec2 p) {
    if (first) {
      min = max = p;
      first = false;
    }
    min.x = std::min(min.x, p.x);
    min.y = std::min(min.y, p.y);
    max.x = std::max(max.x, p.x);
    max.y = std::max(max.y, p.y);
  };
  for (const Node& node : nodes_) {
    grow(node.center - node.size * 0.5f);
    grow(node.center + node.size * 0.5f);
  }
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    const EdgeCurve c = curve(static_cast<int>(i));
    for (int k = 0; k < c.count; ++k) {
      grow(c.pieces[static_cast<std::size_t>(k)].at(0.5f));
      grow(c.pieces[static_cast<std::size_t>(k)].p3);
    }
  }
}

}  // namespace brokersim::gui
