#pragma once
// Turns a run's trace into what the canvas animates: for every message copy, a chain of
// visual segments (a hop along an edge, an ack flash, a red fade where it died), and step
// functions of each queue's depth and each consumer's unacked count. Built once per run; the
// scene at any time T is then a lookup, so seeking is as cheap as playing.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "gui/model/topology_view.h"
#include "scenario/scenario.h"
#include "sim/time.h"
#include "trace/trace_log.h"

namespace brokersim::gui {

enum class SegmentKind : std::uint8_t {
  kHop,         // along an edge: publish, route, deliver
  kReturn,      // basic.return: back along the publish edge to the producer
  kRequeue,     // nack/reject with requeue, or a consumer gone: back into the queue
  kDeadLetter,  // along the dashed edge to the dead-letter exchange
  kAck,         // a brief flash at the consumer
  kDeath,       // expired or dropped: fades out in red where it died
};

struct Segment {
  sim::TimeUs start_us = 0;
  sim::TimeUs end_us = 0;
  std::uint64_t message_id = 0;
  std::uint32_t event_index = 0;  // the trace event behind it
  std::uint16_t key_color = 0;    // index of the routing key in first-seen order
  SegmentKind kind = SegmentKind::kHop;
  trace::Reason reason = trace::Reason::kNone;  // kDeath and kDeadLetter: why, for the marker's label
  bool reversed = false;  // travels the edge from its `to` end to its `from` end
  int edge = -1;          // for travelling kinds
  int node = -1;          // for kAck and kDeath
};

// A value that changes at given times (queue depth, unacked count): sorted by time.
struct StepSeries {
  std::vector<std::pair<sim::TimeUs, std::int32_t>> points;
  std::int32_t at(sim::TimeUs time_us) const;
  std::int32_t max_value = 0;
  void set(sim::TimeUs time_us, std::int32_t value);
};

// When a node or an edge is there: from its declaration to its deletion, perhaps several
// times (a connection lost and opened again). No spans means always (the built-in exchanges).
struct Presence {
  std::vector<std::pair<sim::TimeUs, sim::TimeUs>> spans;  // [appeared, gone)
  void appear(sim::TimeUs t);
  void vanish(sim::TimeUs t);
  // 1 while there; rising just after it appears and falling just after it goes; else 0, or
  // `when_gone` once it has been there (a crashed consumer stays on the picture, dimmed).
  float opacity(sim::TimeUs t, float when_gone = 0.0f) const;
  static constexpr sim::TimeUs kFadeUs = sim::millis(400);
};

struct AnimationTimings {
  // A hop that the simulation makes in no time still takes this long on screen at 1x,
  // long enough for the eye to follow.
  sim::TimeUs hop_us = sim::millis(450);
  // When the picture has fallen behind the simulation (a causing dot still on its way), the
  // next hops shorten by the lag, down to this, so it catches up instead of drifting.
  sim::TimeUs min_hop_us = sim::millis(1);
  sim::TimeUs flash_us = sim::millis(350);
  sim::TimeUs death_us = sim::millis(900);
};

struct Animation {
  std::vector<Segment> segments;  // sorted by start_us
  sim::TimeUs longest_segment_us = 0;
  std::vector<StepSeries> ready;     // per node (queues)
  std::vector<StepSeries> unacked;   // per node: queues and consumers
  std::vector<std::int32_t> prefetch;  // per node (consumers), 0 = unlimited
  std::vector<Presence> node_presence, edge_presence;
  std::vector<std::string> routing_keys;  // by key_color
  // Per second of simulated time: publishes and deliveries, for the rate charts.
  std::vector<std::uint32_t> published_per_second, delivered_per_second;
  // Every event that names a message, by message id, in trace order.
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> message_events;

  // The one clock of the screen. Each trace event is shown as done when its animation says
  // so: a publish when its copies reach their queues, a delivery when the dot reaches the
  // consumer, an ack when its flash starts. Depths, unacked counts, the log and the lesson
  // all follow these times, so they never run ahead of the dots. Never before the event's
  // own simulated time.
  std::vector<sim::TimeUs> shown_us;         // by trace index
  std::vector<std::uint32_t> shown_order;    // trace indices by shown time, ties in trace order
  // By trace index: the latest shown time of it and every event before it. A moment of the
  // simulation (a timed lesson step, a question) is on screen once all before it is.
  std::vector<sim::TimeUs> frontier_us;
};

// Fills `topology` (nodes and edges seen in the trace, plus the scenario's actors) and returns
// the animation. Pure: the same trace gives the same result.
// `known_keys` (the last run's routing_keys) keep their colours, so an edit or a hand publish
// with a new key does not recolour the others.
Animation build_animation(const scenario::Scenario& scenario, const trace::TraceLog& log, TopologyView& topology,
                          const AnimationTimings& timings = {}, const std::vector<std::string>& known_keys = {});

}  // namespace brokersim::gui
