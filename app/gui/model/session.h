#pragma once
// One open scenario in the GUI: the scenario, its whole run recorded as a trace, and what the
// canvas and panels show at any simulated time. User actions (a manual publish, an edit)
// change the scenario and re-run it; because runs are deterministic, everything before the
// change replays exactly as before. No ImGui or GL here, so tests drive it without a window.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gui/model/animation.h"
#include "gui/model/message_numbers.h"
#include "gui/model/status.h"
#include "gui/model/topology_view.h"
#include "scenario/runner.h"
#include "scenario/scenario.h"
#include "trace/trace_log.h"

namespace brokersim::gui {

struct SceneDot {
  std::uint64_t message_id = 0;
  std::uint16_t key_color = 0;
  SegmentKind kind = SegmentKind::kHop;
  trace::Reason reason = trace::Reason::kNone;
  int edge = -1;  // travelling kinds
  int node = -1;  // kAck, kDeath
  bool reversed = false;
  float fraction = 0;  // of the segment's time done, 0..1
  Vec2 position;       // world units
};

struct NodeState {
  std::int32_t ready = 0;
  std::int32_t unacked = 0;
  std::int32_t prefetch = 0;  // consumers; 0 = unlimited
};

struct Scene {
  sim::TimeUs time_us = 0;
  std::vector<NodeState> nodes;  // by node index
  // How much of each node and edge is there: 0 before it is declared and after it is
  // deleted, 1 while it exists, and between while it fades in or out.
  std::vector<float> node_opacity, edge_opacity;
  std::vector<SceneDot> dots;
  std::size_t events_done = 0;  // trace events the screen has shown by time_us (see Animation::shown_order)
};

// One line of the lesson's `expect:` block as this run measures it, and the errors nobody
// declared: what the live Expectations list shows, and what an edit may break.
struct ExpectationCheck {
  std::string subject;  // "queue 'small'", "consumer 'picky'", "the broker"
  std::string metric;
  std::int64_t expected = 0;
  std::int64_t actual = 0;
  std::optional<sim::TimeUs> at_us;
  bool passed = false;
  scenario::Position at;
};

// What reached a queue and left it for consumers in one second of the screen's clock.
struct QueueTraffic {
  int in = 0;
  int delivered = 0;
};

struct LessonMark {
  const scenario::LessonStep* step = nullptr;
  std::optional<sim::TimeUs> due_us;  // when it came due in this run, if it did
  // Where a slide or a step key puts the playhead, on the screen's clock.
  sim::TimeUs time_us() const { return due_us.value_or(step->at_us); }
};

class Session {
 public:
  // Loads and runs a scenario file. On a bad file returns the loader's errors, one a line,
  // and keeps what was open before.
  Status open_file(const std::string& path);
  // Takes an already loaded scenario and runs it.
  void open(scenario::Scenario scenario);
  // Live mode (brokersim-gui --amqp): the scenario plays on the wall clock beside real AMQP
  // clients, recorded as it happens. The front end serves the port on the live runner's
  // broker and scheduler and calls refresh_live() to catch the picture up.
  void open_live(scenario::Scenario scenario);
  bool is_live() const { return live_runner_ != nullptr; }
  scenario::Runner* live_runner() { return live_runner_.get(); }
  // Rebuilds the topology and animation if the trace grew, and moves the end of the run to
  // now. Returns whether anything new happened.
  bool refresh_live();
  bool is_open() const { return scenario_ != nullptr; }

  const scenario::Scenario& scenario() const { return *scenario_; }
  const trace::TraceLog& trace() const { return *trace_; }
  const TopologyView& topology() const { return topology_; }
  const Animation& animation() const { return animation_; }
  const std::vector<LessonMark>& lesson() const { return lesson_; }
  const std::vector<ExpectationCheck>& expectations() const { return expectations_; }
  std::size_t expectations_failing() const;
  sim::TimeUs end_us() const { return end_us_; }
  std::uint64_t fingerprint_events() const { return trace_ ? trace_->size() : 0; }

  // Messages as the GUI numbers them: stable across edits and hand publishes, and in the
  // run the lesson was opened with the broker's own numbers, which its text quotes (see
  // message_numbers.h). Everything shown uses these; selections keep the trace's ids.
  std::uint64_t number_of(std::uint64_t message_id) const { return numbers_.shown(message_id); }
  // The message with this number in the current run, or 0 if none has it.
  std::uint64_t message_numbered(std::uint64_t number) const { return numbers_.message(number); }
  // An event in plain words, its message under the number the GUI shows.
  std::string describe(trace::Event event) const;

  // The scene at a time: a pure function of the recorded run and the time.
  void scene_at(sim::TimeUs time_us, Scene& out) const;
  Scene scene_at(sim::TimeUs time_us) const {
    Scene s;
    scene_at(time_us, s);
    return s;
  }
  // When the screen shows simulated time `sim_us`: once every event up to it has been drawn.
  // Timed lesson steps and questions are put on the screen's clock with this.
  sim::TimeUs screen_time(sim::TimeUs sim_us) const;
  // A queue's traffic in the second before `time_us`, as the screen showed it.
  QueueTraffic last_second(const std::string& queue, sim::TimeUs time_us) const;
  // How many events the screen has shown by `time_us`: a position in Animation::shown_order.
  std::size_t events_until(sim::TimeUs time_us) const;
  // The next moment after `time_us` the picture changes (a dot leaves or arrives, an event is
  // shown), optionally of one message's dots, if any.
  std::optional<sim::TimeUs> next_event_after(sim::TimeUs time_us, std::uint64_t message_id = 0) const;

  // Nodes may be dragged; the positions stick across re-runs and can be saved as `layout:`.
  void move_node(int node, Vec2 center);
  const std::map<std::string, Vec2>& fixed_positions() const { return fixed_; }
  void set_fixed_positions(std::map<std::string, Vec2> fixed);
  // Node boxes grow with the text drawn in them (1 = the default size).
  void set_text_scale(float scale);

  // --- commands. Each is done, or refused with the engine's error text and changes nothing.
  struct ManualPublish {
    std::string exchange;
    std::string routing_key;
    broker::BasicProperties properties;
    std::string body = "manual";
    bool mandatory = false;
  };
  Status publish_at(sim::TimeUs time_us, const ManualPublish& publish);
  Status add_exchange(const scenario::ExchangeSpec& spec);
  Status add_queue(const scenario::QueueSpec& spec);
  Status add_binding(const scenario::BindingSpec& spec);
  Status add_producer(const scenario::ProducerSpec& spec);
  Status add_consumer(const scenario::ConsumerSpec& spec);
  Status delete_exchange(const std::string& name);
  Status delete_queue(const std::string& name);
  Status delete_binding(std::size_t index);
  Status delete_producer(const std::string& name);
  Status delete_consumer(const std::string& name);

  // --- history. Every accepted command can be undone and redone; each bumps the revision,
  // which the front end watches to refresh once.
  bool can_undo() const { return !undo_.empty(); }
  bool can_redo() const { return !redo_.empty(); }
  void undo();
  void redo();
  std::uint64_t revision() const { return revision_; }
  bool has_unsaved_changes() const { return revision_ != saved_revision_; }

  // The YAML to save: the file it was opened from, edited in place (comments and friendly
  // fields kept) when that is possible, else the scenario written anew. `kept_text` says
  // which.
  std::string yaml_to_save(bool& kept_text) const;
  void mark_saved() { saved_revision_ = revision_; }

 private:
  // Checks a changed scenario's topology on a scratch broker, as the loader does, and if it
  // is accepted makes it the scenario and re-runs.
  Status apply(scenario::Scenario changed);
  void run();
  void spread_side_by_side(std::vector<SceneDot>& dots) const;
  void record_expectations(const scenario::Runner& runner);

  std::unique_ptr<scenario::Scenario> scenario_;
  std::unique_ptr<trace::TraceLog> trace_;
  TopologyView topology_;
  Animation animation_;
  MessageNumbers numbers_;
  std::vector<LessonMark> lesson_;
  std::vector<ExpectationCheck> expectations_;
  sim::TimeUs end_us_ = 0;
  std::map<std::string, Vec2> fixed_;
  float text_scale_ = 1.0f;
  // What the file said when opened, and what the loader read from it: the base of a save.
  std::string source_text_;
  std::unique_ptr<scenario::Scenario> source_;
  std::vector<scenario::Scenario> undo_, redo_;
  std::uint64_t revision_ = 0, saved_revision_ = 0;
  // Last, so it goes first: the live runner refers to scenario_ and writes to trace_.
  std::unique_ptr<scenario::Runner> live_runner_;
  std::size_t live_events_seen_ = 0;
};

}  // namespace brokersim::gui
