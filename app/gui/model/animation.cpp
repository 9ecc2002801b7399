#include "gui/model/animation.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "broker/broker.h"
#include "broker/reserved_names.h"
#include "broker/field_table.h"

namespace brokersim::gui {

std::int32_t StepSeries::at(sim::TimeUs time_us) const {
  auto it = std::upper_bound(points.begin(), points.end(), time_us,
                             [](sim::TimeUs t, const auto& p) { return t < p.first; });
  if (it == points.begin()) return 0;
  return std::prev(it)->second;
}

void StepSeries::set(sim::TimeUs time_us, std::int32_t value) {
  // Several changes at one instant keep only the last: the state once the instant is over.
  if (!points.empty() && points.back().first == time_us) {
    points.back().second = value;
  } else {
    points.push_back({time_us, value});
  }
  max_value = std::max(max_value, value);
}

void Presence::appear(sim::TimeUs t) {
  if (!spans.empty() && spans.back().second > t) return;  // there already (a redeclaration)
  // What the run starts with is simply there, with no fade.
  spans.push_back({t == 0 ? -kFadeUs : t, std::numeric_limits<sim::TimeUs>::max()});
}

void Presence::vanish(sim::TimeUs t) {
  if (!spans.empty() && spans.back().second > t) spans.back().second = t;
}

float Presence::opacity(sim::TimeUs t, float when_gone) const {
  if (spans.empty()) return 1;
  auto after = std::upper_bound(spans.begin(), spans.end(), t, [](sim::TimeUs v, const auto& s) { return v < s.first; });
  if (after == spans.begin()) return 0;
  const auto& [from, to] = *std::prev(after);
  const float fade = static_cast<float>(kFadeUs);
  if (t < to) return std::max(when_gone, std::min(1.0f, static_cast<float>(t - from) / fade));
  return std::max(when_gone, 1.0f - static_cast<float>(t - to) / fade);
}

namespace {

using trace::EventKind;

// Direct reply-to has no queue: a reply published to an amq.rabbitmq.reply-to.* address goes
// straight to the requester's channel, so the picture draws it from the exchange to the
// requester, and neither the address nor the pseudo-queue becomes a queue node.
bool is_direct_reply_to(const std::string& name) {
  const std::string_view prefix = broker::Broker::kDirectReplyTo;
  return name.compare(0, prefix.size(), prefix) == 0 && (name.size() == prefix.size() || name[prefix.size()] == '.');
}

// A moment on the screen, and the moment it would have been had nothing ahead of it been
// late: their difference is how far the picture has fallen behind the simulation.
struct Arrival {
  sim::TimeUs at_us = 0;
  sim::TimeUs ideal_us = 0;
};

// Where one copy of a message (a message in one queue) is, and when its current animation
// ends: the next animation of the copy starts no earlier, so hops play one after the other
// even when the simulation does them in the same microsecond.
struct CopyState {
  sim::TimeUs free_at_us = 0;
  int consumer = -1;  // node holding it unacked, or -1 when ready
  sim::TimeUs since_us = 0;  // simulated time it got there
  // When something done to the copy at simulated time `t` shows: after its dot is there, and
  // as long after as the simulation took (a consumer's processing time stays visible).
  sim::TimeUs next_start(sim::TimeUs t) const { return std::max(t, free_at_us + std::max<sim::TimeUs>(0, t - since_us)); }
};

// A change of a counter (a queue's depth, an unacked count) at a time on the screen.
struct Change {
  sim::TimeUs at_us = 0;
  int delta = 0;
};

class Builder {
 public:
  Builder(const scenario::Scenario& scenario, const trace::TraceLog& log, TopologyView& topo,
          const AnimationTimings& timings)
      : scenario_(scenario), log_(log), topo_(topo), timings_(timings) {}

  void keep_colours(const std::vector<std::string>& keys) {
    for (const std::string& key : keys) key_color(key);
  }

  Animation build() {
    add_scenario_actors();
    anim_.shown_us.resize(log_.size());
    anim_.frontier_us.resize(log_.size());
    for (std::size_t i = 0; i < log_.size(); ++i) {
      anim_.shown_us[i] = log_.time_at(i);
      on_event(static_cast<std::uint32_t>(i), log_.at(i));
    }
    std::stable_sort(anim_.segments.begin(), anim_.segments.end(),
                     [](const Segment& a, const Segment& b) { return a.start_us < b.start_us; });
    anim_.ready = finish_series(ready_changes_);
    anim_.unacked = finish_series(unacked_changes_);
    anim_.prefetch.resize(topo_.nodes().size(), 0);
    for (auto& [node, p] : prefetch_) anim_.prefetch[node] = p;
    anim_.node_presence.resize(topo_.nodes().size());
    for (auto& [node, p] : node_presence_) anim_.node_presence[node] = std::move(p);
    anim_.edge_presence.resize(topo_.edges().size());
    for (auto& [edge, p] : edge_presence_) anim_.edge_presence[edge] = std::move(p);
    anim_.shown_order.resize(log_.size());
    for (std::uint32_t i = 0; i < anim_.shown_order.size(); ++i) anim_.shown_order[i] = i;
    std::stable_sort(anim_.shown_order.begin(), anim_.shown_order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return anim_.shown_us[a] < anim_.shown_us[b]; });
    return std::move(anim_);
  }

 private:
  // Counters change on the screen's clock, which is not in trace order: sort each node's
  // changes, then add them up. Several changes at one instant count as the state after it.
  std::vector<StepSeries> finish_series(std::map<int, std::vector<Change>>& changes) const {
    std::vector<StepSeries> out(topo_.nodes().size());
    for (auto& [node, list] : changes) {
      std::stable_sort(list.begin(), list.end(), [](const Change& a, const Change& b) { return a.at_us < b.at_us; });
      std::int32_t value = 0;
      StepSeries& series = out[static_cast<std::size_t>(node)];
      for (std::size_t i = 0; i < list.size(); ++i) {
        value = std::max(0, value + list[i].delta);
        if (i + 1 == list.size() || list[i + 1].at_us != list[i].at_us) series.set(list[i].at_us, value);
      }
    }
    return out;
  }

  void add_scenario_actors() {
    // Dead-letter and alternate-exchange links are part of the topology, drawn (dashed)
    // before any message takes them.
    for (const auto& q : scenario_.queues) {
      if (const broker::FieldValue* dlx = broker::find_field(q.arguments, "x-dead-letter-exchange"))
        if (const std::string* name = dlx->as_string())
          topo_.ensure_edge(EdgeKind::kDeadLetter, topo_.ensure_node(NodeKind::kQueue, q.name), exchange_node(*name),
                            "dead letters");
    }
    for (const auto& x : scenario_.exchanges) {
      if (const broker::FieldValue* ae = broker::find_field(x.arguments, "alternate-exchange"))
        if (const std::string* name = ae->as_string())
          topo_.ensure_edge(EdgeKind::kAlternate, exchange_node(x.name), exchange_node(*name), "alternate");
    }
    for (const auto& p : scenario_.producers) {
      const int node = topo_.ensure_node(NodeKind::kProducer, p.name);
      topo_.ensure_edge(EdgeKind::kPublish, node, exchange_node(p.exchange), "");
    }
    for (const auto& r : scenario_.rpc_clients) {
      const int node = topo_.ensure_node(NodeKind::kProducer, r.name);
      topo_.mark_rpc_client(node);
      topo_.set_detail(node, "RPC client");
      topo_.ensure_edge(EdgeKind::kPublish, node, exchange_node(r.exchange), "");
    }
    for (const auto& c : scenario_.consumers) {
      const int node = topo_.ensure_node(NodeKind::kConsumer, c.name);
      std::string detail = c.is_service ? "service" : "consumer";
      if (c.auto_ack) detail += ", auto-ack";
      else if (c.prefetch) detail += ", prefetch " + std::to_string(c.prefetch);
      topo_.set_detail(node, detail);
      // A server-named queue of its own has no name until the run gives it one.
      if (!c.queue.empty()) topo_.ensure_edge(EdgeKind::kConsume, topo_.ensure_node(NodeKind::kQueue, c.queue), node, "");
    }
  }

  int exchange_node(const std::string& name) { return topo_.ensure_node(NodeKind::kExchange, name); }
  trace::ExchangeType exchange_type(const std::string& name) const {
    auto it = exchange_types_.find(name);
    return it == exchange_types_.end() ? trace::ExchangeType::kDirect : it->second;
  }

  // What a published message is coloured by: its label ("poison") if it has one, so it stands
  // out; through a headers exchange, where keys are usually empty, the queues its headers
  // matched; otherwise its routing key.
  std::string colour_of(const trace::Event& e) const {
    if (!e.text.empty()) return "[" + e.text + "]";  // the publish's label
    if (!e.routing_key.empty() || exchange_type(e.exchange) != trace::ExchangeType::kHeaders) return e.routing_key;
    std::string to;
    for (const std::string& q : e.queues) to += (to.empty() ? "" : ", ") + q;
    return to.empty() ? "headers: no match" : "headers -> " + to;
  }

  int actor_node(std::uint64_t connection, NodeKind kind_if_client = NodeKind::kProducer) {
    auto it = connection_node_.find(connection);
    if (it != connection_node_.end()) return it->second;
    // A real AMQP client (live mode) gets a node of its own, named after its client
    // properties, as a consumer or producer by what it does first.
    if (auto name = client_names_.find(connection); name != client_names_.end()) {
      const int node = topo_.ensure_node(kind_if_client, name->second);
      topo_.set_detail(node, kind_if_client == NodeKind::kConsumer ? "AMQP client, consuming" : "AMQP client");
      connection_node_[connection] = node;
      return node;
    }
    // Timeline publishes come from the operator's console; draw it as a producer.
    const int node = topo_.ensure_node(NodeKind::kProducer, "timeline");
    topo_.set_detail(node, "scenario timeline");
    connection_node_[connection] = node;
    return node;
  }

  std::uint16_t key_color(const std::string& key) {
    auto it = key_colors_.find(key);
    if (it != key_colors_.end()) return it->second;
    const auto id = static_cast<std::uint16_t>(anim_.routing_keys.size());
    anim_.routing_keys.push_back(key);
    key_colors_[key] = id;
    return id;
  }

  void add(Segment s) {
    anim_.longest_segment_us = std::max(anim_.longest_segment_us, s.end_us - s.start_us);
    anim_.segments.push_back(s);
    auto busy = [&](std::map<int, sim::TimeUs>& until, int at) { until[at] = std::max(until[at], s.end_us); };
    if (s.edge >= 0) {
      busy(edge_busy_until_, s.edge);
      busy(node_busy_until_, topo_.edges()[s.edge].from);
      busy(node_busy_until_, topo_.edges()[s.edge].to);
    }
    if (s.node >= 0) busy(node_busy_until_, s.node);
  }

  // A deleted node or edge goes once the dots already on it are through: the deletion is shown
  // then, so no dot travels a binding that is no longer drawn.
  void vanish_node(std::uint32_t index, int node, sim::TimeUs t) {
    const sim::TimeUs at = std::max(t, node_busy_until_[node]);
    node_presence_[node].vanish(at);
    shown(index, at);
  }
  void vanish_edge(std::uint32_t index, int edge, sim::TimeUs t) {
    const sim::TimeUs at = std::max(t, edge_busy_until_[edge]);
    edge_presence_[edge].vanish(at);
    shown(index, at);
  }

  Segment segment(std::uint32_t index, const trace::Event& e, SegmentKind kind, sim::TimeUs start, sim::TimeUs length) {
    Segment s;
    s.start_us = start;
    s.end_us = start + length;
    s.message_id = e.message_id;
    s.event_index = index;
    // A message keeps the colour of the key it was published with, even when dead-lettering
    // gives it another, so the eye can follow it.
    auto known = colors_by_message_.find(e.message_id);
    s.key_color = known != colors_by_message_.end() ? known->second : key_color(e.routing_key);
    s.kind = kind;
    s.reason = e.reason;
    return s;
  }

  // How long a hop takes that starts `lag` behind the simulation. A publish, its route and
  // its delivery put a service's reply about three hops behind; up to that is normal. Past
  // it, hops shorten so the picture catches up rather than drifting ever later.
  sim::TimeUs hop_length(sim::TimeUs lag) const {
    const sim::TimeUs excess = std::max<sim::TimeUs>(0, lag - 3 * timings_.hop_us - sim::millis(100));
    return std::max(timings_.min_hop_us, timings_.hop_us - excess);
  }

  Segment hop_segment(std::uint32_t index, const trace::Event& e, SegmentKind kind, Arrival from, int edge,
                      bool reversed = false) {
    Segment s = segment(index, e, kind, from.at_us, hop_length(from.at_us - from.ideal_us));
    s.edge = edge;
    s.reversed = reversed;
    add(s);
    return s;
  }
  Arrival after(const Segment& s, Arrival from) const { return {s.end_us, from.ideal_us + timings_.hop_us}; }

  void shown(std::uint32_t index, sim::TimeUs at_us) { anim_.shown_us[index] = std::max(anim_.shown_us[index], at_us); }

  // An actor's own events show in the order it did them: nothing it does starts before what it
  // did last started, and nothing it sends leaves before what it received has arrived.
  sim::TimeUs actor_start(int node, sim::TimeUs t, sim::TimeUs not_before = 0) {
    sim::TimeUs& clock = actor_clock_[node];
    clock = std::max({clock, t, not_before});
    return clock;
  }

  void change(std::map<int, std::vector<Change>>& changes, int node, sim::TimeUs at_us, int delta) {
    changes[node].push_back({at_us, delta});
  }

  // Routes one publish (or dead-letter) through the exchange graph, starting when the message
  // reaches its first exchange, and leaves each copy in its queue. Returns when the last copy
  // is in: the moment the event's words are all true on the screen.
  sim::TimeUs route(std::uint32_t index, const trace::Event& e, Arrival arrive) {
    std::map<std::string, Arrival> at_exchange{{e.exchange, arrive}}, at_queue;
    for (const trace::RouteStep& step : e.route_steps()) {
      if (!step.matched && !step.alternate) continue;
      auto at = at_exchange.find(step.source);
      const Arrival from = at == at_exchange.end() ? arrive : at->second;
      if (!step.to_exchange && is_direct_reply_to(step.destination)) {
        pending_replies_[e.message_id] = {exchange_node(step.source), from};
        continue;  // drawn when it reaches the requester (kDelivered)
      }
      const int source = exchange_node(step.source);
      const int to = step.to_exchange ? exchange_node(step.destination)
                                      : topo_.ensure_node(NodeKind::kQueue, step.destination);
      const EdgeKind kind = step.alternate ? EdgeKind::kAlternate : EdgeKind::kBinding;
      std::string label = step.arguments.empty() ? step.binding_key : step.arguments;
      if (step.alternate) label = "alternate";
      const Segment s = hop_segment(index, e, SegmentKind::kHop, from, topo_.ensure_edge(kind, source, to, label));
      (step.to_exchange ? at_exchange : at_queue)[step.destination] = after(s, from);
    }
    sim::TimeUs done = arrive.at_us;
    for (const std::string& q : e.queues) {
      if (is_direct_reply_to(q)) continue;
      const int node = topo_.ensure_node(NodeKind::kQueue, q);
      auto it = at_queue.find(q);
      const sim::TimeUs in = it == at_queue.end() ? arrive.at_us : it->second.at_us;
      copies_[{e.message_id, q}] = CopyState{in, -1, e.time_us};
      change(ready_changes_, node, in, +1);
      last_arrival_[node] = in;
      done = std::max(done, in);
    }
    return done;
  }

  // A direct reply: one hop from the exchange it was published to, to the requester.
  void deliver_reply(std::uint32_t index, const trace::Event& e, sim::TimeUs t) {
    const int requester = actor_node(e.connection, NodeKind::kConsumer);
    auto pending = pending_replies_.find(e.message_id);
    const int from = pending != pending_replies_.end() ? pending->second.first : exchange_node("");
    const Arrival start = pending != pending_replies_.end() ? pending->second.second : Arrival{t, t};
    const Segment s = hop_segment(index, e, SegmentKind::kHop, start,
                                  topo_.ensure_edge(EdgeKind::kBinding, from, requester, "direct reply-to"));
    Segment flash = segment(index, e, SegmentKind::kAck, s.end_us, timings_.flash_us);
    flash.node = requester;
    add(flash);
    received(requester, s.end_us);
    shown(index, s.end_us);
    if (pending != pending_replies_.end()) pending_replies_.erase(pending);
  }

  void received(int node, sim::TimeUs at_us) {
    sim::TimeUs& until = received_until_[node];
    until = std::max(until, at_us);
  }

  // The copy's state, made up when the trace starts mid-way (it never does in a scenario run).
  CopyState take_copy(std::uint64_t message, const std::string& queue, sim::TimeUs t) {
    auto it = copies_.find({message, queue});
    if (it == copies_.end()) return CopyState{t, -1, t};
    CopyState c = it->second;
    copies_.erase(it);
    return c;
  }

  void leave_queue(const CopyState& c, int queue, sim::TimeUs at_us) {
    if (c.consumer >= 0) {
      change(unacked_changes_, queue, at_us, -1);
      change(unacked_changes_, c.consumer, at_us, -1);
      auto& freed = slots_freed_[c.consumer];
      freed.push_back(freed.empty() ? at_us : std::max(freed.back(), at_us));
    } else {
      change(ready_changes_, queue, at_us, -1);
    }
  }

  // When a copy dies in its queue: once it is there, and for an overflow, once the message
  // that pushed it out has arrived.
  sim::TimeUs death_start(const trace::Event& e, const CopyState& c, int queue) {
    sim::TimeUs start = c.next_start(e.time_us);
    if (e.reason == trace::Reason::kMaxlen) {
      auto last = last_arrival_.find(queue);
      if (last != last_arrival_.end()) start = std::max(start, last->second);
    }
    return start;
  }

  void on_event(std::uint32_t index, const trace::Event& e) {
    if (e.message_id != 0) anim_.message_events[e.message_id].push_back(index);
    on_topology_event(index, e);
    on_message_sent(index, e);
    on_message_taken(index, e);
    // What is not a message's journey (a declaration, a binding, a connection lost, a
    // restart) happens to the whole picture: it is shown once everything before it is.
    if (trace::category_of(e.kind) != trace::EventCategory::kMessage) shown(index, frontier_);
    frontier_ = std::max(frontier_, anim_.shown_us[index]);
    anim_.frontier_us[index] = frontier_;
  }

  // Connections, exchanges, queues, bindings and consumers: the nodes and edges, and when
  // each is there.
  void on_topology_event(std::uint32_t index, const trace::Event& e) {
    const sim::TimeUs t = std::max(e.time_us, frontier_);
    switch (e.kind) {
      case EventKind::kConnectionOpened: on_connection_opened(e); break;
      case EventKind::kConnectionClosed: {
        for (auto& [node, tags] : consumers_of_)
          std::erase_if(tags, [&](const auto& tag) { return tag.first == e.connection; });
        auto it = connection_node_.find(e.connection);
        if (it != connection_node_.end()) vanish_node(index, it->second, t);
        break;
      }
      case EventKind::kExchangeDeclared:
        exchange_types_[e.exchange] = e.exchange_type;
        // The built-in exchanges appear only when something uses them.
        if (!e.exchange.empty() && !broker::is_reserved_name(e.exchange)) {
          const int node = exchange_node(e.exchange);
          topo_.set_detail(node, std::string(broker::exchange_type_name(e.exchange_type)));
          node_presence_[node].appear(t);
        }
        break;
      case EventKind::kExchangeDeleted:
        if (auto node = topo_.find_node(NodeKind::kExchange, e.exchange)) vanish_node(index, *node, t);
        break;
      case EventKind::kQueueDeclared:
        if (e.queue.rfind("amq.gen-", 0) != 0 || e.connection != 0)
          node_presence_[topo_.ensure_node(NodeKind::kQueue, e.queue)].appear(t);
        break;
      case EventKind::kQueueDeleted:
        if (auto node = topo_.find_node(NodeKind::kQueue, e.queue)) vanish_node(index, *node, t);
        break;
      case EventKind::kBindingCreated: edge_presence_[binding_edge(e)].appear(t); break;
      case EventKind::kBindingDeleted: vanish_edge(index, binding_edge(e), t); break;
      case EventKind::kConsumerAdded: {
        if (is_direct_reply_to(e.queue)) break;  // a channel that takes replies, not a queue
        const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
        const int c = actor_node(e.connection, NodeKind::kConsumer);
        edge_presence_[topo_.ensure_edge(EdgeKind::kConsume, q, c, "")].appear(t);
        prefetch_[c] = static_cast<std::int32_t>(e.count);
        consumers_of_[c].insert({e.connection, e.consumer_tag});
        break;
      }
      case EventKind::kConsumerCancelled: {
        for (auto& [node, tags] : consumers_of_) tags.erase({e.connection, e.consumer_tag});
        auto actor = connection_node_.find(e.connection);
        auto q = topo_.find_node(NodeKind::kQueue, e.queue);
        if (actor == connection_node_.end() || !q) break;
        if (auto edge = topo_.find_edge(*q, actor->second)) vanish_edge(index, *edge, t);
        break;
      }
      default:
        break;
    }
  }

  // An actor's connection is its node; a client's gets one when it first publishes or
  // consumes; the scenario's own connection (topology, timeline) is drawn as "timeline".
  void on_connection_opened(const trace::Event& e) {
    const std::string& name = e.text;  // the connection's name
    if (e.role == trace::ConnectionRole::kClient) {
      client_names_[e.connection] = name;
      return;
    }
    if (e.role != trace::ConnectionRole::kActor) return;
    std::optional<int> node = topo_.find_node(NodeKind::kProducer, name);
    if (!node) node = topo_.find_node(NodeKind::kConsumer, name);
    if (!node) return;
    connection_node_[e.connection] = *node;
    node_presence_[*node].appear(std::max(e.time_us, frontier_));
  }

  int binding_edge(const trace::Event& e) {
    const int from = exchange_node(e.exchange);
    if (topo_.nodes()[from].detail.empty() && broker::is_reserved_name(e.exchange))
      topo_.set_detail(from, std::string(broker::exchange_type_name(exchange_type(e.exchange))));
    const int to = e.has(trace::kToExchange) ? exchange_node(e.destination)
                                              : topo_.ensure_node(NodeKind::kQueue, e.destination);
    // Headers bindings are known by their arguments, which the event's text carries.
    return topo_.ensure_edge(EdgeKind::kBinding, from, to, e.text.empty() ? e.routing_key : e.text);
  }

  // A message on its way: published and routed, returned, confirmed, or dropped.
  void on_message_sent(std::uint32_t index, const trace::Event& e) {
    const sim::TimeUs t = e.time_us;
    switch (e.kind) {
      case EventKind::kPublished: {
        const int producer = actor_node(e.connection);
        const int x = exchange_node(e.exchange);
        colors_by_message_[e.message_id] = key_color(colour_of(e));
        // What a service or an RPC server sends follows what it received.
        const Arrival from{actor_start(producer, t, received_until_[producer]), t};
        const Segment s = hop_segment(index, e, SegmentKind::kHop, from, topo_.ensure_edge(EdgeKind::kPublish, producer, x, ""));
        last_exchange_[e.message_id] = {x, s.end_us};
        routed_at_[e.message_id] = route(index, e, after(s, from));
        shown(index, routed_at_[e.message_id]);
        count_per_second(anim_.published_per_second, t);
        break;
      }
      case EventKind::kConfirmed: {  // once the message is in its queues
        auto routed = routed_at_.find(e.message_id);
        if (routed != routed_at_.end()) shown(index, routed->second);
        break;
      }
      case EventKind::kReturned: {
        const int producer = actor_node(e.connection);
        auto last = last_exchange_.find(e.message_id);
        const int x = last != last_exchange_.end() ? last->second.first : exchange_node(e.exchange);
        const sim::TimeUs start = last != last_exchange_.end() ? std::max(t, last->second.second) : t;
        Segment s = segment(index, e, SegmentKind::kReturn, start, timings_.hop_us);
        s.edge = topo_.ensure_edge(EdgeKind::kPublish, producer, x, "");
        s.reversed = true;
        add(s);
        received(producer, s.end_us);
        shown(index, s.end_us);
        break;
      }
      case EventKind::kDropped:
        dropped(index, e);
        break;
      default:
        break;
    }
  }

  static void count_per_second(std::vector<std::uint32_t>& per_second, sim::TimeUs t) {
    const auto second = static_cast<std::size_t>(t / sim::kMicrosPerSecond);
    if (second >= per_second.size()) per_second.resize(second + 1, 0);
    ++per_second[second];
  }

  // A copy that dies in its queue, or a message no queue took, fading out where it is.
  void dropped(std::uint32_t index, const trace::Event& e) {
    Segment s;
    if (!e.queue.empty()) {
      const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
      const CopyState c = take_copy(e.message_id, e.queue, e.time_us);
      const sim::TimeUs start = death_start(e, c, q);
      leave_queue(c, q, start);
      s = segment(index, e, SegmentKind::kDeath, start, timings_.death_us);
      s.node = c.consumer >= 0 ? c.consumer : q;
    } else {
      auto last = last_exchange_.find(e.message_id);
      const int x = !e.exchange.empty() || last == last_exchange_.end() ? exchange_node(e.exchange) : last->second.first;
      const sim::TimeUs start = last != last_exchange_.end() ? std::max(e.time_us, last->second.second) : e.time_us;
      s = segment(index, e, SegmentKind::kDeath, start, timings_.death_us);
      s.node = x;
    }
    add(s);
    shown(index, s.start_us);
  }

  // A copy leaving a queue: delivered, acked, requeued, dead-lettered, lost.
  void on_message_taken(std::uint32_t index, const trace::Event& e) {
    const sim::TimeUs t = e.time_us;
    switch (e.kind) {
      case EventKind::kDelivered:
        if (is_direct_reply_to(e.queue)) deliver_reply(index, e, t);
        else delivered(index, e);
        count_per_second(anim_.delivered_per_second, t);
        break;
      case EventKind::kLostInConsumer: {  // an auto-acked message dies with its application
        const int consumer = actor_node(e.connection, NodeKind::kConsumer);
        Segment s = segment(index, e, SegmentKind::kDeath, actor_start(consumer, t, received_until_[consumer]), timings_.death_us);
        s.node = consumer;
        add(s);
        shown(index, s.start_us);
        break;
      }
      case EventKind::kAcked: {
        const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
        const CopyState c = take_copy(e.message_id, e.queue, t);
        const int consumer = c.consumer >= 0 ? c.consumer : actor_node(e.connection);
        const sim::TimeUs start = actor_start(consumer, t, c.next_start(t));
        leave_queue(c, q, start);
        Segment s = segment(index, e, SegmentKind::kAck, start, timings_.flash_us);
        s.node = consumer;
        add(s);
        shown(index, start);
        break;
      }
      case EventKind::kRequeued:
        requeued(index, e);
        break;
      case EventKind::kDeadLettered: {
        const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
        const int dlx = exchange_node(e.exchange);
        const CopyState c = take_copy(e.message_id, e.queue, t);
        const Arrival from{death_start(e, c, q), t};
        leave_queue(c, q, from.at_us);
        const Segment s = hop_segment(index, e, SegmentKind::kDeadLetter, from,
                                      topo_.ensure_edge(EdgeKind::kDeadLetter, q, dlx, "dead letters"));
        last_exchange_[e.message_id] = {dlx, s.end_us};
        shown(index, route(index, e, after(s, from)));
        break;
      }
      default:
        break;
    }
  }

  // When the consumer has a slot for one more unacked copy on the screen's clock. The broker
  // gives the n-th copy only once n - prefetch of those before it have left (acked, requeued,
  // died), so neither does the picture: a consumer never shows more than its prefetch, even
  // when a restart's requeues are still on their way back while new deliveries come.
  sim::TimeUs slot_free_at(int consumer) {
    const std::size_t n = ++held_copies_[consumer];
    // Each of the node's consumers has its own prefetch (an actor may consume two queues).
    const auto prefetch = static_cast<std::size_t>(std::max(0, prefetch_[consumer])) * consumers_of_[consumer].size();
    const auto& freed = slots_freed_[consumer];
    if (prefetch == 0 || n <= prefetch || freed.size() < n - prefetch) return 0;
    return freed[n - prefetch - 1];
  }

  // A copy leaving for a consumer: out of the queue when the dot leaves it, held unacked by
  // the consumer when the dot arrives.
  void delivered(std::uint32_t index, const trace::Event& e) {
    const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
    const int consumer = actor_node(e.connection, NodeKind::kConsumer);
    CopyState c = take_copy(e.message_id, e.queue, e.time_us);
    const sim::TimeUs slot = e.has(trace::kNoAck) ? 0 : slot_free_at(consumer);
    const Arrival from{std::max(slot, actor_start(consumer, e.time_us, c.next_start(e.time_us))), e.time_us};
    change(ready_changes_, q, from.at_us, -1);
    const Segment s = hop_segment(index, e, SegmentKind::kHop, from, topo_.ensure_edge(EdgeKind::kConsume, q, consumer, ""));
    received(consumer, s.end_us);
    shown(index, s.end_us);
    if (e.has(trace::kNoAck)) {
      Segment flash = segment(index, e, SegmentKind::kAck, s.end_us, timings_.flash_us);
      flash.node = consumer;
      add(flash);
      return;
    }
    copies_[{e.message_id, e.queue}] = CopyState{s.end_us, consumer, e.time_us};
    change(unacked_changes_, q, from.at_us, +1);
    change(unacked_changes_, consumer, s.end_us, +1);
  }

  void requeued(std::uint32_t index, const trace::Event& e) {
    const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
    const CopyState c = take_copy(e.message_id, e.queue, e.time_us);
    const int consumer = c.consumer >= 0 ? c.consumer : actor_node(e.connection);
    const Arrival from{actor_start(consumer, e.time_us, c.next_start(e.time_us)), e.time_us};
    leave_queue(c, q, from.at_us);
    const Segment s = hop_segment(index, e, SegmentKind::kRequeue, from,
                                  topo_.ensure_edge(EdgeKind::kConsume, q, consumer, ""), /*reversed=*/true);
    copies_[{e.message_id, e.queue}] = CopyState{s.end_us, -1, e.time_us};
    change(ready_changes_, q, s.end_us, +1);
    shown(index, s.end_us);
  }

 private:
  const scenario::Scenario& scenario_;
  const trace::TraceLog& log_;
  TopologyView& topo_;
  AnimationTimings timings_;
  Animation anim_;
  std::map<std::uint64_t, int> connection_node_;
  std::map<std::uint64_t, std::string> client_names_;  // connections no scenario actor owns
  std::unordered_map<std::string, trace::ExchangeType> exchange_types_;  // as declared
  std::map<std::string, std::uint16_t> key_colors_;
  std::unordered_map<std::uint64_t, std::uint16_t> colors_by_message_;
  std::map<std::pair<std::uint64_t, std::string>, CopyState> copies_;
  std::map<std::uint64_t, std::pair<int, Arrival>> pending_replies_;  // message -> exchange node, arrival there
  std::unordered_map<std::uint64_t, std::pair<int, sim::TimeUs>> last_exchange_;
  std::unordered_map<std::uint64_t, sim::TimeUs> routed_at_;  // message -> its copies all in their queues
  std::map<int, sim::TimeUs> actor_clock_, received_until_, last_arrival_;
  std::map<int, std::vector<Change>> ready_changes_, unacked_changes_;
  std::map<int, Presence> node_presence_, edge_presence_;
  std::map<int, sim::TimeUs> node_busy_until_, edge_busy_until_;  // the last dot on it ends
  sim::TimeUs frontier_ = 0;  // the latest shown time of any event so far
  std::map<int, std::int32_t> prefetch_;
  std::map<int, std::set<std::pair<std::uint64_t, std::string>>> consumers_of_;  // per node: connection, tag
  std::map<int, std::size_t> held_copies_;                   // per consumer: unacked copies given, ever
  std::map<int, std::vector<sim::TimeUs>> slots_freed_;      // per consumer: when the k-th held copy had left, at the latest
};

}  // namespace

Animation build_animation(const scenario::Scenario& scenario, const trace::TraceLog& log, TopologyView& topology,
                          const AnimationTimings& timings, const std::vector<std::string>& known_keys) {
  Builder builder(scenario, log, topology, timings);
  builder.keep_colours(known_keys);
  return builder.build();
}

}  // namespace brokersim::gui
