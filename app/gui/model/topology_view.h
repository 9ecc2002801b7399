#pragma once
// The picture of a run's topology: nodes (producers, exchanges, queues, consumers) and the
// edges between them, with a layered layout in world units. Built from the trace, because the
// trace is what really happened: queues declared at run time (RPC reply queues) and bindings
// made by the timeline appear too. No ImGui or GL here.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace brokersim::gui {

struct Vec2 {
  float x = 0, y = 0;
};
inline Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
inline Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
inline Vec2 operator*(Vec2 a, float s) { return {a.x * s, a.y * s}; }

enum class NodeKind : std::uint8_t { kProducer, kExchange, kQueue, kConsumer };

struct Node {
  NodeKind kind = NodeKind::kProducer;
  std::string name;   // the engine's name ("" is the default exchange)
  std::string label;  // what the canvas shows
  std::string detail; // exchange type, queue arguments summary, prefetch
  int column = 0;
  Vec2 center;  // world units
  Vec2 size;
  bool rpc_client = false;  // also consumes (its replies)
};

enum class EdgeKind : std::uint8_t {
  kPublish,     // producer -> exchange
  kBinding,     // exchange -> queue or exchange
  kConsume,     // queue -> consumer
  kDeadLetter,  // queue -> its dead-letter exchange (dashed)
  kAlternate,   // exchange -> its alternate exchange (dashed)
};

struct Edge {
  EdgeKind kind = EdgeKind::kBinding;
  int from = -1, to = -1;
  std::string label;  // binding key or arguments
  int parallel_index = 0;  // among edges with the same endpoints, to fan them apart
  int parallel_count = 1;
  int lane = -1;  // an edge back to an earlier column: its own lane around the picture
  bool dashed() const { return kind == EdgeKind::kDeadLetter || kind == EdgeKind::kAlternate; }
};

// A cubic Bezier in world units.
struct Cubic {
  Vec2 p0, c1, c2, p3;
  Vec2 at(float fraction) const;
  float rough_length() const;  // along the control polygon: enough to pace a dot
};

// The path of an edge: what the canvas strokes and what dots travel along. Most edges are
// one cubic; an edge back to an earlier column runs in a lane of its own around the
// picture, straight pieces joined by rounded corners. A dot keeps an even pace along it.
struct EdgeCurve {
  static constexpr int kMaxPieces = 9;
  std::array<Cubic, kMaxPieces> pieces{};
  std::array<float, kMaxPieces> ends{};  // fraction of the whole length at each piece's end
  int count = 0;

  void add(const Cubic& piece);
  void add_line(Vec2 from, Vec2 to);
  void finish();  // after the last add: spreads the fractions by length
  Vec2 at(float fraction) const;
  Vec2 start() const { return pieces[0].p0; }
  Vec2 end() const { return pieces[static_cast<std::size_t>(count - 1)].p3; }
};

class TopologyView {
 public:
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Edge>& edges() const { return edges_; }
  std::optional<int> find_node(NodeKind kind, const std::string& name) const;
  int ensure_node(NodeKind kind, const std::string& name);
  // The edge between two nodes of this kind and label; created when missing.
  int ensure_edge(EdgeKind kind, int from, int to, const std::string& label);
  std::optional<int> find_edge(int from, int to) const;  // any kind, any label
  std::optional<int> find_edge(int from, int to, const std::string& label) const;
  void set_detail(int node, std::string detail) { nodes_[node].detail = std::move(detail); }
  void mark_rpc_client(int node) { nodes_[node].rpc_client = true; }
  // Boxes are sized for their label and detail at this text scale; layout() applies it.
  void set_text_scale(float scale) { text_scale_ = scale; }

  // Layered layout: producers, exchanges (deeper for exchange-to-exchange hops), queues,
  // consumers; each column ordered to keep edges from crossing. `fixed` positions (from a
  // layout section or a drag) win.
  void layout(const std::map<std::string, Vec2>& fixed);
  void move_node(int node, Vec2 center) {
    nodes_[node].center = center;
    update_bottom();
  }
  EdgeCurve curve(int edge) const;
  // Where an edge's label sits, and the bounding box of everything, in world units.
  Vec2 label_anchor(int edge) const;
  void bounds(Vec2& min, Vec2& max) const;
  // "queue:orders" and the like: stable across re-runs, used by layout overrides.
  static std::string node_key(const Node& node);

 private:
  void update_bottom();
  void assign_lanes();
  std::vector<int> exchange_depths() const;
  float column_stretch() const;
  float row_spacing() const;
  void back_edge_path(const Edge& e, const Node& a, const Node& b, EdgeCurve& c) const;

  std::vector<Node> nodes_;
  float bottom_ = 0;  // lowest node edge: long backward edges run under it
  float text_scale_ = 1.0f;
  std::vector<Edge> edges_;
  std::map<std::pair<int, std::string>, int> by_name_;
};

}  // namespace brokersim::gui
