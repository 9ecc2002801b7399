#include "gui/model/animation.h"

#include <algorithm>
#include <map>

#include "broker/broker.h"
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

namespace {

using trace::EventKind;

// Direct reply-to has no queue: a reply published to an amq.rabbitmq.reply-to.* address goes
// straight to the requester's channel, so the picture draws it from the exchange to the
// requester, and neither the address nor the pseudo-queue becomes a queue node.
bool is_direct_reply_to(const std::string& name) {
  const std::string_view prefix = broker::Broker::kDirectReplyTo;
  return name.compare(0, prefix.size(), prefix) == 0 && (name.size() == prefix.size() || name[prefix.size()] == '.');
}

// Where one copy of a message (a message in one queue) is, and when its current animation
// ends: the next animation of the copy starts no earlier, so hops play one after the other
// even when the simulation does them in the same microsecond.
struct CopyState {
  sim::TimeUs free_at_us = 0;
  int consumer = -1;  // node holding it unacked, or -1 when ready
};

class Builder {
 public:
  Builder(const scenario::Scenario& scenario, const trace::TraceLog& log, TopologyView& topo,
          const AnimationTimings& timings)
      : scenario_(scenario), log_(log), topo_(topo), timings_(timings) {}

  Animation build() {
    add_scenario_actors();
    for (std::size_t i = 0; i < log_.size(); ++i) on_event(static_cast<std::uint32_t>(i), log_.at(i));
    std::stable_sort(anim_.segments.begin(), anim_.segments.end(),
                     [](const Segment& a, const Segment& b) { return a.start_us < b.start_us; });
    anim_.ready.resize(topo_.nodes().size());
    anim_.unacked.resize(topo_.nodes().size());
    anim_.prefetch.resize(topo_.nodes().size(), 0);
    for (auto& [node, s] : ready_series_) anim_.ready[node] = std::move(s);
    for (auto& [node, s] : unacked_series_) anim_.unacked[node] = std::move(s);
    for (auto& [node, p] : prefetch_) anim_.prefetch[node] = p;
    return std::move(anim_);
  }

 private:
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
    return s;
  }

  // Series are kept per node in maps while building, since nodes appear as the trace goes.
  void bump_ready(int queue, sim::TimeUs t, int delta) {
    auto& v = ready_now_[queue];
    v = std::max(0, v + delta);
    series(ready_series_, queue).set(t, v);
  }
  void bump_unacked(int node, sim::TimeUs t, int delta) {
    auto& v = unacked_now_[node];
    v = std::max(0, v + delta);
    series(unacked_series_, node).set(t, v);
  }
  static StepSeries& series(std::map<int, StepSeries>& m, int node) { return m[node]; }

  // Routes one publish (or dead-letter) through the exchange graph, starting when the message
  // reaches `first_exchange`, and leaves each copy in its queue.
  void route(std::uint32_t index, const trace::Event& e, int first_exchange, sim::TimeUs arrive_us) {
    std::map<std::string, sim::TimeUs> arrival{{e.exchange, arrive_us}};
    (void)first_exchange;
    for (const trace::RouteStep& step : e.route_steps()) {
      if (!step.matched && !step.alternate) continue;
      if (!step.to_exchange && is_direct_reply_to(step.destination)) {
        auto at = arrival.find(step.source);
        pending_replies_[e.message_id] = {exchange_node(step.source), at == arrival.end() ? arrive_us : at->second};
        continue;  // drawn when it reaches the requester (kDelivered)
      }
      const int from = exchange_node(step.source);
      const int to = step.to_exchange ? exchange_node(step.destination)
                                      : topo_.ensure_node(NodeKind::kQueue, step.destination);
      const EdgeKind kind = step.alternate ? EdgeKind::kAlternate : EdgeKind::kBinding;
      std::string label = step.arguments.empty() ? step.binding_key : step.arguments;
      if (step.alternate) label = "alternate";
      const int edge = topo_.ensure_edge(kind, from, to, label);
      auto at = arrival.find(step.source);
      const sim::TimeUs start = at == arrival.end() ? arrive_us : at->second;
      Segment s = segment(index, e, SegmentKind::kHop, start, timings_.hop_us);
      s.edge = edge;
      add(s);
      if (step.to_exchange) {
        arrival[step.destination] = s.end_us;
      } else {
        copy_arrival_[step.destination] = s.end_us;
      }
    }
    for (const std::string& q : e.queues) {
      if (is_direct_reply_to(q)) continue;
      const int node = topo_.ensure_node(NodeKind::kQueue, q);
      CopyState& copy = copies_[{e.message_id, q}];
      auto it = copy_arrival_.find(q);
      copy.free_at_us = it == copy_arrival_.end() ? arrive_us : it->second;
      copy.consumer = -1;
      bump_ready(node, e.time_us, +1);
    }
    copy_arrival_.clear();
  }

  // A direct reply: one hop from the exchange it was published to, to the requester.
  void deliver_reply(std::uint32_t index, const trace::Event& e, sim::TimeUs t) {
    const int requester = actor_node(e.connection, NodeKind::kConsumer);
    auto pending = pending_replies_.find(e.message_id);
    const int from = pending != pending_replies_.end() ? pending->second.first : exchange_node("");
    Segment s = segment(index, e, SegmentKind::kHop, pending != pending_replies_.end() ? pending->second.second : t, timings_.hop_us);
    s.edge = topo_.ensure_edge(EdgeKind::kBinding, from, requester, "direct reply-to");
    add(s);
    Segment flash = segment(index, e, SegmentKind::kAck, s.end_us, timings_.flash_us);
    flash.node = requester;
    add(flash);
    if (pending != pending_replies_.end()) pending_replies_.erase(pending);
  }

  // The copy's state, made up when the trace starts mid-way (it never does in a scenario run).
  CopyState take_copy(std::uint64_t message, const std::string& queue, sim::TimeUs t) {
    auto it = copies_.find({message, queue});
    if (it == copies_.end()) return CopyState{t, -1};
    CopyState c = it->second;
    copies_.erase(it);
    return c;
  }

  void leave_queue(const CopyState& c, int queue, sim::TimeUs t) {
    if (c.consumer >= 0) {
      bump_unacked(queue, t, -1);
      bump_unacked(c.consumer, t, -1);
    } else {
      bump_ready(queue, t, -1);
    }
  }

  void on_event(std::uint32_t index, const trace::Event& e) {
    if (e.message_id != 0) anim_.message_events[e.message_id].push_back(index);
    on_topology_event(e);
    on_message_sent(index, e);
    on_message_taken(index, e);
  }

  // Connections, exchanges, queues, bindings and consumers: the nodes and edges.
  void on_topology_event(const trace::Event& e) {
    switch (e.kind) {
      case EventKind::kConnectionOpened: {
        const std::string& name = e.text;
        int node = -1;
        if (auto p = topo_.find_node(NodeKind::kProducer, name)) node = *p;
        else if (auto c = topo_.find_node(NodeKind::kConsumer, name)) node = *c;
        if (node >= 0) {
          connection_node_[e.connection] = node;
        } else if (name != "scenario topology" && name != "timeline") {
          client_names_[e.connection] = name;
        }
        break;
      }
      case EventKind::kExchangeDeclared:
        // The built-in exchanges appear only when something uses them.
        if (!e.exchange.empty() && e.exchange.rfind("amq.", 0) != 0) {
          const int node = exchange_node(e.exchange);
          const std::string type = e.text.substr(0, e.text.find(','));
          topo_.set_detail(node, type);
        }
        break;
      case EventKind::kQueueDeclared:
        if (e.queue.rfind("amq.gen-", 0) != 0 || e.connection != 0) topo_.ensure_node(NodeKind::kQueue, e.queue);
        break;
      case EventKind::kBindingCreated: {
        const int from = exchange_node(e.exchange);
        if (topo_.nodes()[from].detail.empty() && e.exchange.rfind("amq.", 0) == 0)
          topo_.set_detail(from, e.exchange.substr(4));
        const int to = e.has(trace::kToExchange) ? exchange_node(e.destination)
                                                  : topo_.ensure_node(NodeKind::kQueue, e.destination);
        // Headers bindings are known by their arguments, which the event's text carries.
        topo_.ensure_edge(EdgeKind::kBinding, from, to, e.text.empty() ? e.routing_key : e.text);
        break;
      }
      case EventKind::kConsumerAdded: {
        if (is_direct_reply_to(e.queue)) break;  // a channel that takes replies, not a queue
        const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
        const int c = actor_node(e.connection, NodeKind::kConsumer);
        topo_.ensure_edge(EdgeKind::kConsume, q, c, "");
        prefetch_[c] = static_cast<std::int32_t>(e.count);
        break;
      }
      default:
        break;
    }
  }

  // A message on its way: published and routed, returned, or dropped.
  void on_message_sent(std::uint32_t index, const trace::Event& e) {
    const sim::TimeUs t = e.time_us;
    switch (e.kind) {
      case EventKind::kPublished: {
        const int producer = actor_node(e.connection);
        const int x = exchange_node(e.exchange);
        // A labelled message ("poison") is coloured by its label, so it stands out from its key.
        const std::string colour_by = e.text.empty() ? e.routing_key : "[" + e.text + "]";
        colors_by_message_[e.message_id] = key_color(colour_by);
        const int edge = topo_.ensure_edge(EdgeKind::kPublish, producer, x, "");
        Segment s = segment(index, e, SegmentKind::kHop, t, timings_.hop_us);
        s.edge = edge;
        add(s);
        last_exchange_[e.message_id] = {x, s.end_us};
        route(index, e, x, s.end_us);
        if (t / sim::kMicrosPerSecond >= static_cast<sim::TimeUs>(anim_.published_per_second.size()))
          anim_.published_per_second.resize(t / sim::kMicrosPerSecond + 1, 0);
        ++anim_.published_per_second[t / sim::kMicrosPerSecond];
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
        break;
      }
      case EventKind::kDropped: {
        if (!e.queue.empty()) {
          const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
          const CopyState c = take_copy(e.message_id, e.queue, t);
          leave_queue(c, q, t);
          Segment s = segment(index, e, SegmentKind::kDeath, std::max(t, c.free_at_us), timings_.death_us);
          s.node = c.consumer >= 0 ? c.consumer : q;
          add(s);
        } else {
          auto last = last_exchange_.find(e.message_id);
          const int x = !e.exchange.empty() || last == last_exchange_.end() ? exchange_node(e.exchange) : last->second.first;
          const sim::TimeUs start = last != last_exchange_.end() ? std::max(t, last->second.second) : t;
          Segment s = segment(index, e, SegmentKind::kDeath, start, timings_.death_us);
          s.node = x;
          add(s);
        }
        break;
      }
      default:
        break;
    }
  }

  // A copy leaving a queue: delivered, acked, requeued, dead-lettered, lost.
  void on_message_taken(std::uint32_t index, const trace::Event& e) {
    const sim::TimeUs t = e.time_us;
    switch (e.kind) {
      case EventKind::kDelivered: {
        if (is_direct_reply_to(e.queue)) {
          deliver_reply(index, e, t);
          break;
        }
        const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
        const int consumer = actor_node(e.connection, NodeKind::kConsumer);
        CopyState c = take_copy(e.message_id, e.queue, t);
        bump_ready(q, t, -1);
        Segment s = segment(index, e, SegmentKind::kHop, std::max(t, c.free_at_us), timings_.hop_us);
        s.edge = topo_.ensure_edge(EdgeKind::kConsume, q, consumer, "");
        add(s);
        if (e.has(trace::kNoAck)) {
          Segment flash = segment(index, e, SegmentKind::kAck, s.end_us, timings_.flash_us);
          flash.node = consumer;
          add(flash);
        } else {
          c.free_at_us = s.end_us;
          c.consumer = consumer;
          copies_[{e.message_id, e.queue}] = c;
          bump_unacked(q, t, +1);
          bump_unacked(consumer, t, +1);
        }
        const auto second = t / sim::kMicrosPerSecond;
        if (second >= static_cast<sim::TimeUs>(anim_.delivered_per_second.size()))
          anim_.delivered_per_second.resize(second + 1, 0);
        ++anim_.delivered_per_second[second];
        break;
      }
      case EventKind::kLostInConsumer: {  // an auto-acked message dies with its application
        Segment s = segment(index, e, SegmentKind::kDeath, t, timings_.death_us);
        s.node = actor_node(e.connection, NodeKind::kConsumer);
        add(s);
        break;
      }
      case EventKind::kAcked: {
        const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
        const CopyState c = take_copy(e.message_id, e.queue, t);
        leave_queue(c, q, t);
        Segment s = segment(index, e, SegmentKind::kAck, std::max(t, c.free_at_us), timings_.flash_us);
        s.node = c.consumer >= 0 ? c.consumer : actor_node(e.connection);
        add(s);
        break;
      }
      case EventKind::kRequeued: {
        const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
        CopyState c = take_copy(e.message_id, e.queue, t);
        const int consumer = c.consumer >= 0 ? c.consumer : actor_node(e.connection);
        leave_queue(c, q, t);
        Segment s = segment(index, e, SegmentKind::kRequeue, std::max(t, c.free_at_us), timings_.hop_us);
        s.edge = topo_.ensure_edge(EdgeKind::kConsume, q, consumer, "");
        s.reversed = true;
        add(s);
        copies_[{e.message_id, e.queue}] = CopyState{s.end_us, -1};
        bump_ready(q, t, +1);
        break;
      }
      case EventKind::kDeadLettered: {
        const int q = topo_.ensure_node(NodeKind::kQueue, e.queue);
        const int dlx = exchange_node(e.exchange);
        const CopyState c = take_copy(e.message_id, e.queue, t);
        leave_queue(c, q, t);
        Segment s = segment(index, e, SegmentKind::kDeadLetter, std::max(t, c.free_at_us), timings_.hop_us);
        s.edge = topo_.ensure_edge(EdgeKind::kDeadLetter, q, dlx, "dead letters");
        add(s);
        last_exchange_[e.message_id] = {dlx, s.end_us};
        route(index, e, dlx, s.end_us);
        break;
      }
      default:
        break;
    }
  }

 private:
  const scenario::Scenario& scenario_;
  const trace::TraceLog& log_;
  TopologyView& topo_;
  AnimationTimings timings_;
  Animation anim_;
  std::map<std::uint64_t, int> connection_node_;
  std::map<std::uint64_t, std::string> client_names_;  // connections no scenario actor owns
  std::map<std::string, std::uint16_t> key_colors_;
  std::unordered_map<std::uint64_t, std::uint16_t> colors_by_message_;
  std::map<std::pair<std::uint64_t, std::string>, CopyState> copies_;
  std::map<std::string, sim::TimeUs> copy_arrival_;
  std::map<std::uint64_t, std::pair<int, sim::TimeUs>> pending_replies_;  // message -> exchange node, arrival there
  std::unordered_map<std::uint64_t, std::pair<int, sim::TimeUs>> last_exchange_;
  std::map<int, int> ready_now_, unacked_now_;
  std::map<int, StepSeries> ready_series_, unacked_series_;
  std::map<int, std::int32_t> prefetch_;
};

}  // namespace

Animation build_animation(const scenario::Scenario& scenario, const trace::TraceLog& log, TopologyView& topology,
                          const AnimationTimings& timings) {
  Builder builder(scenario, log, topology, timings);
  return builder.build();
}

}  // namespace brokersim::gui
