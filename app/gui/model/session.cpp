#include "gui/model/session.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <cmath>

#include "broker/broker.h"
#include "broker/reserved_names.h"
#include "scenario/edit_in_place.h"
#include "scenario/expectations.h"
#include "scenario/lesson.h"
#include "scenario/loader.h"
#include "scenario/runner.h"
#include "scenario/topology.h"
#include "scenario/writer.h"
#include "trace/describe.h"

namespace brokersim::gui {

Status Session::open_file(const std::string& path) {
  scenario::LoadResult loaded = scenario::load_scenario_file(path);
  if (!loaded.ok()) {
    std::string errors;
    for (const auto& d : loaded.errors) errors += d.to_string() + "\n";
    return Status::refused(errors);
  }
  fixed_.clear();
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  source_ = std::make_unique<scenario::Scenario>(loaded.scenario);
  open(std::move(loaded.scenario));
  source_text_ = std::move(text);
  return Status::done();
}

void Session::open(scenario::Scenario scenario) {
  scenario_ = std::make_unique<scenario::Scenario>(std::move(scenario));
  source_text_.clear();
  undo_.clear();
  redo_.clear();
  saved_revision_ = ++revision_;
  run();
}

void Session::undo() {
  if (undo_.empty()) return;
  redo_.push_back(std::move(*scenario_));
  *scenario_ = std::move(undo_.back());
  undo_.pop_back();
  ++revision_;
  run();
}

void Session::redo() {
  if (redo_.empty()) return;
  undo_.push_back(std::move(*scenario_));
  *scenario_ = std::move(redo_.back());
  redo_.pop_back();
  ++revision_;
  run();
}

std::string Session::yaml_to_save(bool& kept_text) const {
  kept_text = false;
  if (source_ && !source_text_.empty()) {
    if (auto edited = scenario::edit_in_place(source_text_, *source_, *scenario_)) {
      kept_text = true;
      return *edited;
    }
  }
  return scenario::scenario_to_yaml(*scenario_);
}

void Session::open_live(scenario::Scenario scenario) {
  live_runner_.reset();
  scenario_ = std::make_unique<scenario::Scenario>(std::move(scenario));
  trace_ = std::make_unique<trace::TraceLog>();
  scenario::RunOptions options;
  options.sinks.push_back(trace_.get());
  live_runner_ = std::make_unique<scenario::Runner>(*scenario_, options);
  live_events_seen_ = 0;
  lesson_.clear();
  for (const auto& step : scenario_->lesson) lesson_.push_back({&step, std::nullopt});
  topology_ = TopologyView();
  refresh_live();
}

bool Session::refresh_live() {
  if (!live_runner_) return false;
  end_us_ = live_runner_->live_scheduler().now_us();
  if (trace_->size() == live_events_seen_ && !topology_.nodes().empty()) return false;
  live_events_seen_ = trace_->size();
  // A whole rebuild: live traffic is lesson-sized, and the front end calls this a few
  // times a second at most.
  topology_ = TopologyView();
  topology_.set_text_scale(text_scale_);
  animation_ = build_animation(*scenario_, *trace_, topology_);
  topology_.layout(fixed_);
  return true;
}

void Session::run() {
  trace_ = std::make_unique<trace::TraceLog>();
  {
    scenario::RunOptions options;
    options.sinks.push_back(trace_.get());
    scenario::Runner runner(*scenario_, options);
    runner.run();
    end_us_ = runner.end_us();
    record_expectations(runner);
  }
  topology_ = TopologyView();
  topology_.set_text_scale(text_scale_);
  // A re-run after an edit keeps every key's colour and message number; a new lesson starts
  // afresh.
  const bool fresh = revision_ == saved_revision_ && undo_.empty();
  const std::vector<std::string> known = fresh ? std::vector<std::string>{} : animation_.routing_keys;
  if (fresh) numbers_.reset();
  numbers_.number(*trace_);
  animation_ = build_animation(*scenario_, *trace_, topology_, {}, known);
  topology_.layout(fixed_);
  // The last dots may land after the simulation's last event: the run lasts until they do.
  if (!animation_.shown_order.empty()) end_us_ = std::max(end_us_, animation_.shown_us[animation_.shown_order.back()]);
  for (const Segment& s : animation_.segments) end_us_ = std::max(end_us_, s.end_us);

  lesson_.clear();
  for (const auto& step : scenario_->lesson) lesson_.push_back({&step, std::nullopt});
  scenario::LessonFollower follower(scenario_->lesson);
  for (std::size_t i = 0; i < trace_->size(); ++i) {
    const trace::Event e = trace_->at(i);
    for (const scenario::LessonStep* due : follower.on_event(e)) {
      const auto index = static_cast<std::size_t>(due - scenario_->lesson.data());
      if (!lesson_[index].due_us) lesson_[index].due_us = animation_.shown_us[i];
    }
  }
  // Timed steps are due when the screen reaches their time, whether or not an event falls on it.
  for (auto& mark : lesson_)
    if (!mark.step->when) mark.due_us = screen_time(mark.step->at_us);
}

std::string Session::describe(trace::Event event) const {
  if (event.message_id != 0) event.message_id = number_of(event.message_id);
  return trace::describe(event);
}

void Session::record_expectations(const scenario::Runner& runner) {
  using Subject = scenario::Expectation::Subject;
  expectations_.clear();
  for (const scenario::ExpectationResult& r : scenario::check_expectations(*scenario_, runner)) {
    const scenario::Expectation& e = *r.expectation;
    std::string subject = e.subject == Subject::kQueue      ? "queue '" + e.name + "'"
                          : e.subject == Subject::kConsumer ? "consumer '" + e.name + "'"
                          : e.subject == Subject::kExchange ? "exchange '" + e.name + "'"
                                                            : "the broker";
    expectations_.push_back({std::move(subject), e.metric, e.value, r.actual, e.at_us, r.passed, e.at});
  }
  const scenario::ErrorCheck errors = scenario::check_errors(*scenario_, runner);
  for (const scenario::RunError* e : errors.undeclared)
    expectations_.push_back({e->who + ": " + e->text, "undeclared error", 0, static_cast<std::int64_t>(e->code), e->time_us, false, e->at});
  for (const scenario::ExpectedError* e : errors.never_happened)
    expectations_.push_back({e->actor.empty() ? "the run" : e->actor, "declared error", e->code, 0, e->at_us, false, e->at});
}

std::size_t Session::expectations_failing() const {
  return static_cast<std::size_t>(
      std::count_if(expectations_.begin(), expectations_.end(), [](const ExpectationCheck& c) { return !c.passed; }));
}

sim::TimeUs Session::screen_time(sim::TimeUs sim_us) const {
  std::size_t lo = 0, hi = trace_->size();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (trace_->time_at(mid) <= sim_us) lo = mid + 1;
    else hi = mid;
  }
  return lo == 0 ? sim_us : std::max(sim_us, animation_.frontier_us[lo - 1]);
}

QueueTraffic Session::last_second(const std::string& queue, sim::TimeUs time_us) const {
  QueueTraffic traffic;
  for (std::size_t n = events_until(time_us); n > 0; --n) {
    const std::uint32_t i = animation_.shown_order[n - 1];
    if (animation_.shown_us[i] <= time_us - sim::seconds(1)) break;
    const auto kind = trace_->kind_at(i);
    if (kind != trace::EventKind::kDelivered && kind != trace::EventKind::kPublished) continue;
    const trace::Event e = trace_->at(i);
    if (kind == trace::EventKind::kDelivered && e.queue == queue) ++traffic.delivered;
    if (kind == trace::EventKind::kPublished && std::find(e.queues.begin(), e.queues.end(), queue) != e.queues.end()) ++traffic.in;
  }
  return traffic;
}

std::size_t Session::events_until(sim::TimeUs time_us) const {
  const auto& order = animation_.shown_order;
  const auto& shown = animation_.shown_us;
  return static_cast<std::size_t>(
      std::upper_bound(order.begin(), order.end(), time_us,
                       [&](sim::TimeUs t, std::uint32_t index) { return t < shown[index]; }) -
      order.begin());
}

std::optional<sim::TimeUs> Session::next_event_after(sim::TimeUs time_us, std::uint64_t message_id) const {
  // The next moment the picture changes: a dot leaving or arriving, or an event shown.
  std::optional<sim::TimeUs> next;
  auto consider = [&](sim::TimeUs t) {
    if (t > time_us && (!next || t < *next)) next = t;
  };
  const auto& segs = animation_.segments;
  if (message_id != 0) {
    for (const Segment& s : segs)
      if (s.message_id == message_id) {
        consider(s.start_us);
        consider(s.end_us);
      }
    return next;
  }
  const std::size_t shown = events_until(time_us);
  if (shown < animation_.shown_order.size()) consider(animation_.shown_us[animation_.shown_order[shown]]);
  auto first = std::lower_bound(segs.begin(), segs.end(), time_us - animation_.longest_segment_us,
                                [](const Segment& s, sim::TimeUs t) { return s.start_us < t; });
  for (auto it = first; it != segs.end(); ++it) {
    consider(it->end_us);
    if (it->start_us > time_us) {
      consider(it->start_us);
      break;
    }
  }
  return next;
}

void Session::scene_at(sim::TimeUs time_us, Scene& out) const {
  out.time_us = time_us;
  out.events_done = events_until(time_us);
  const std::size_t n = topology_.nodes().size();
  out.nodes.assign(n, NodeState{});
  for (std::size_t i = 0; i < n; ++i) {
    out.nodes[i].ready = animation_.ready[i].at(time_us);
    out.nodes[i].unacked = animation_.unacked[i].at(time_us);
    out.nodes[i].prefetch = animation_.prefetch[i];
  }
  out.node_opacity.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    // An actor that lost its connection stays on the picture, dimmed, so a crash reads as one.
    const NodeKind kind = topology_.nodes()[i].kind;
    const bool actor = kind == NodeKind::kProducer || kind == NodeKind::kConsumer;
    out.node_opacity[i] = animation_.node_presence[i].opacity(time_us, actor ? 0.3f : 0.0f);
  }
  const auto& edges = topology_.edges();
  out.edge_opacity.resize(edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i)
    out.edge_opacity[i] = std::min({animation_.edge_presence[i].opacity(time_us),
                                    out.node_opacity[static_cast<std::size_t>(edges[i].from)],
                                    out.node_opacity[static_cast<std::size_t>(edges[i].to)]});
  out.dots.clear();
  // Segments are sorted by start and none lasts longer than the longest, so only a window
  // of them can be under way at `time_us`.
  const auto& segs = animation_.segments;
  const sim::TimeUs earliest = time_us - animation_.longest_segment_us;
  auto first = std::lower_bound(segs.begin(), segs.end(), earliest,
                                [](const Segment& s, sim::TimeUs t) { return s.start_us < t; });
  for (auto it = first; it != segs.end() && it->start_us <= time_us; ++it) {
    const Segment& s = *it;
    if (time_us >= s.end_us) continue;
    SceneDot d;
    d.message_id = s.message_id;
    d.key_color = s.key_color;
    d.kind = s.kind;
    d.reason = s.reason;
    d.edge = s.edge;
    d.node = s.node;
    d.reversed = s.reversed;
    d.fraction = static_cast<float>(time_us - s.start_us) / static_cast<float>(s.end_us - s.start_us);
    if (s.edge >= 0) {
      d.position = topology_.curve(s.edge).at(s.reversed ? 1.0f - d.fraction : d.fraction);
    } else {
      d.position = topology_.nodes()[s.node].center;
    }
    out.dots.push_back(d);
  }
  spread_side_by_side(out.dots);
}

// Copies that share an edge at one moment (a fanout, a burst at one instant) would be drawn
// on top of each other and read as one message: they move apart across the edge, in lanes.
void Session::spread_side_by_side(std::vector<SceneDot>& dots) const {
  constexpr float kSpacing = 13.0f;  // world units: a dot's diameter and a gap
  constexpr int kMaxLanes = 7;       // past this a burst forms rows behind, rather than fill the canvas
  std::vector<std::size_t> travelling;
  for (std::size_t i = 0; i < dots.size(); ++i)
    if (dots[i].edge >= 0) travelling.push_back(i);
  auto along = [&](const SceneDot& d) { return d.reversed ? 1.0f - d.fraction : d.fraction; };
  std::stable_sort(travelling.begin(), travelling.end(), [&](std::size_t a, std::size_t b) {
    return dots[a].edge != dots[b].edge ? dots[a].edge < dots[b].edge : along(dots[a]) < along(dots[b]);
  });
  for (std::size_t first = 0; first < travelling.size();) {
    const SceneDot& head = dots[travelling[first]];
    std::size_t last = first + 1;
    while (last < travelling.size() && dots[travelling[last]].edge == head.edge &&
           std::hypot(dots[travelling[last]].position.x - head.position.x,
                      dots[travelling[last]].position.y - head.position.y) < kSpacing)
      ++last;
    const auto count = static_cast<int>(last - first);
    if (count > 1) {
      const EdgeCurve curve = topology_.curve(head.edge);
      const float f = along(head);
      const Vec2 tangent = curve.at(std::min(1.0f, f + 0.01f)) - curve.at(std::max(0.0f, f - 0.01f));
      const float length = std::max(1e-3f, std::hypot(tangent.x, tangent.y));
      const Vec2 normal{-tangent.y / length, tangent.x / length};
      const int lanes = std::min(count, kMaxLanes);
      const Vec2 back{-tangent.x / length * (head.reversed ? -1.0f : 1.0f), -tangent.y / length * (head.reversed ? -1.0f : 1.0f)};
      for (int k = 0; k < count; ++k) {
        const float lane = static_cast<float>(k % lanes) - static_cast<float>(lanes - 1) / 2;
        const auto row = static_cast<float>(k / lanes);
        SceneDot& d = dots[travelling[first + static_cast<std::size_t>(k)]];
        d.position = d.position + normal * (lane * kSpacing) + back * (row * kSpacing);
      }
    }
    first = last;
  }
}

void Session::move_node(int node, Vec2 center) {
  topology_.move_node(node, center);
  fixed_[TopologyView::node_key(topology_.nodes()[node])] = center;
}

void Session::set_text_scale(float scale) {
  text_scale_ = scale;
  topology_.set_text_scale(scale);
  topology_.layout(fixed_);
}

void Session::set_fixed_positions(std::map<std::string, Vec2> fixed) {
  fixed_ = std::move(fixed);
  topology_.layout(fixed_);
}

Status Session::apply(scenario::Scenario changed) {
  if (is_live()) return Status::refused("editing is off in live mode: real clients are using this broker");
  // The same check the loader makes: declare the topology on a scratch broker and let
  // RabbitMQ's rules speak.
  std::string error;
  scenario::declare_on_scratch_broker(changed, [&](scenario::Position, const broker::Error& e) {
    if (error.empty()) error = e.text;
  });
  if (!error.empty()) return Status::refused(error);
  auto has_queue = [&](const std::string& name) {
    return std::any_of(changed.queues.begin(), changed.queues.end(), [&](const auto& q) { return q.name == name; });
  };
  auto has_exchange = [&](const std::string& name) {
    return name.empty() || broker::is_reserved_name(name) ||
           std::any_of(changed.exchanges.begin(), changed.exchanges.end(), [&](const auto& x) { return x.name == name; });
  };
  for (const auto& c : changed.consumers)
    if (!c.own_queue && !has_queue(c.queue)) return Status::refused("NOT_FOUND - no queue '" + c.queue + "' in vhost '/' (consumer " + c.name + ")");
  for (const auto& p : changed.producers)
    if (!has_exchange(p.exchange))
      return Status::refused("NOT_FOUND - no exchange '" + p.exchange + "' in vhost '/' (producer " + p.name + ")");
  undo_.push_back(std::move(*scenario_));
  redo_.clear();
  *scenario_ = std::move(changed);
  ++revision_;
  run();
  return Status::done();
}

Status Session::publish_at(sim::TimeUs time_us, const ManualPublish& publish) {
  if (is_live()) return Status::refused("publish from a client in live mode: the timeline cannot change while it runs");
  const auto& xs = scenario_->exchanges;
  if (!publish.exchange.empty() && !broker::is_reserved_name(publish.exchange) &&
      std::none_of(xs.begin(), xs.end(), [&](const auto& x) { return x.name == publish.exchange; }))
    return Status::refused("NOT_FOUND - no exchange '" + publish.exchange + "' in vhost '/'");
  scenario::Scenario changed = *scenario_;
  scenario::TimelineEvent e;
  e.at_us = time_us;
  e.kind = scenario::TimelineEvent::Kind::kPublish;
  e.exchange = publish.exchange;
  e.message.routing_key = publish.routing_key;
  e.message.properties = publish.properties;
  e.message.body = publish.body;
  e.mandatory = publish.mandatory;
  changed.timeline.push_back(e);
  return apply(std::move(changed));
}

Status Session::add_exchange(const scenario::ExchangeSpec& spec) {
  scenario::Scenario changed = *scenario_;
  for (const auto& x : changed.exchanges)
    if (x.name == spec.name) return Status::refused("PRECONDITION_FAILED - exchange '" + spec.name + "' already exists");
  changed.exchanges.push_back(spec);
  return apply(std::move(changed));
}

Status Session::add_queue(const scenario::QueueSpec& spec) {
  scenario::Scenario changed = *scenario_;
  for (const auto& q : changed.queues)
    if (q.name == spec.name) return Status::refused("PRECONDITION_FAILED - queue '" + spec.name + "' already exists");
  changed.queues.push_back(spec);
  return apply(std::move(changed));
}

Status Session::add_binding(const scenario::BindingSpec& spec) {
  scenario::Scenario changed = *scenario_;
  changed.bindings.push_back(spec);
  return apply(std::move(changed));
}

Status Session::add_producer(const scenario::ProducerSpec& spec) {
  scenario::Scenario changed = *scenario_;
  if (spec.name.empty()) return Status::refused("a producer needs a name");
  for (const auto& p : changed.producers)
    if (p.name == spec.name) return Status::refused("there is already a producer named '" + spec.name + "'");
  changed.producers.push_back(spec);
  return apply(std::move(changed));
}

Status Session::add_consumer(const scenario::ConsumerSpec& spec) {
  scenario::Scenario changed = *scenario_;
  if (spec.name.empty()) return Status::refused("a consumer needs a name");
  for (const auto& c : changed.consumers)
    if (c.name == spec.name) return Status::refused("there is already a consumer named '" + spec.name + "'");
  changed.consumers.push_back(spec);
  return apply(std::move(changed));
}

namespace {
template <typename T>
bool erase_named(std::vector<T>& items, const std::string& name) {
  const auto before = items.size();
  std::erase_if(items, [&](const T& item) { return item.name == name; });
  return items.size() != before;
}
}  // namespace

Status Session::delete_exchange(const std::string& name) {
  scenario::Scenario changed = *scenario_;
  if (!erase_named(changed.exchanges, name)) return Status::refused("NOT_FOUND - no exchange '" + name + "' in vhost '/'");
  std::erase_if(changed.bindings, [&](const auto& b) { return b.exchange == name || (b.to_exchange && b.destination == name); });
  return apply(std::move(changed));
}

Status Session::delete_queue(const std::string& name) {
  scenario::Scenario changed = *scenario_;
  if (!erase_named(changed.queues, name)) return Status::refused("NOT_FOUND - no queue '" + name + "' in vhost '/'");
  std::erase_if(changed.bindings, [&](const auto& b) { return !b.to_exchange && b.destination == name; });
  return apply(std::move(changed));
}

Status Session::delete_binding(std::size_t index) {
  scenario::Scenario changed = *scenario_;
  if (index >= changed.bindings.size()) return Status::refused("no such binding");
  changed.bindings.erase(changed.bindings.begin() + static_cast<std::ptrdiff_t>(index));
  return apply(std::move(changed));
}

Status Session::delete_producer(const std::string& name) {
  scenario::Scenario changed = *scenario_;
  if (!erase_named(changed.producers, name)) return Status::refused("no producer named '" + name + "'");
  return apply(std::move(changed));
}

Status Session::delete_consumer(const std::string& name) {
  scenario::Scenario changed = *scenario_;
  if (!erase_named(changed.consumers, name)) return Status::refused("no consumer named '" + name + "'");
  return apply(std::move(changed));
}

}  // namespace brokersim::gui
