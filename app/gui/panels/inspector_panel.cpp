// What is selected on the canvas: a message (properties we know, x-death, its hops), a queue
// (arguments, depth), an exchange or binding (arguments), a consumer (prefetch, unacked).
#include <imgui.h>

#include <algorithm>
#include <string>

#include "broker/field_table.h"
#include "gui/gui_app.h"
#include "trace/describe.h"

namespace brokersim::gui {
namespace {

void draw_x_death(const std::vector<trace::DeathRecord>& records) {
  for (std::size_t n = 0; n < records.size(); ++n) {
    const trace::DeathRecord& r = records[n];
    std::string keys;
    for (const std::string& k : r.routing_keys) keys += (keys.empty() ? "" : ", ") + ("'" + k + "'");
    ImGui::PushID(static_cast<int>(n));
    ImGui::TextDisabled("[%zu]", n);
    ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::Text("queue        %s", r.queue.c_str());
    ImGui::Text("reason       %s", std::string(trace::reason_name(r.reason)).c_str());
    ImGui::Text("count        %llu", static_cast<unsigned long long>(r.count));
    // The exchange the message had been published to, not the dead-letter exchange.
    ImGui::Text("exchange     %s", r.exchange.empty() ? "\"\" (the default exchange)" : r.exchange.c_str());
    ImGui::Text("routing-keys %s", keys.c_str());
    ImGui::Text("time         %llu (seconds, a timestamp)", static_cast<unsigned long long>(r.time_s));
    ImGui::EndGroup();
    ImGui::PopID();
  }
}

void message_inspector(GuiApp& app, std::uint64_t id) {
  const auto& index = app.session.animation().message_events;
  auto it = index.find(id);
  ImGui::Text("Message #%llu", static_cast<unsigned long long>(app.session.number_of(id)));
  if (it == index.end()) return;
  const trace::TraceLog& log = app.session.trace();
  const trace::Event first = log.at(it->second.front());
  ImGui::Text("exchange:    %s", first.exchange.empty() ? "(default)" : first.exchange.c_str());
  ImGui::Text("routing key: %s", first.routing_key.c_str());
  if (first.kind == trace::EventKind::kPublished && !first.text.empty()) ImGui::Text("label:       %s", first.text.c_str());
  ImGui::Text("published:   %s (simulated)", clock_text(first.time_us).c_str());
  if (app.follow_message == id) {
    if (ImGui::Button("Stop following")) app.follow_message = 0;
  } else if (ImGui::Button("Follow this message")) {
    app.follow_message = id;
  }
  ImGui::SameLine();
  // Where its dot leaves the publisher, on the screen's clock.
  if (ImGui::Button("Go to its publish")) app.seek(app.session.next_event_after(-1, id).value_or(first.time_us));

  // x-death as the message carries it after its latest death so far, entry by entry, newest
  // first, from the trace's typed record: exactly what a consumer of the copy would read.
  const trace::Event* latest = nullptr;
  trace::Event death;
  for (std::uint32_t i : it->second) {
    if (log.kind_at(i) != trace::EventKind::kDeadLettered || app.session.animation().shown_us[i] > app.time_us) continue;
    death = log.at(i);
    latest = &death;
  }
  section("x-death");
  if (!latest) ImGui::TextDisabled("none yet");
  if (latest) draw_x_death(latest->x_death);

  section("history");
  for (std::uint32_t i : it->second) {
    const bool future = app.session.animation().shown_us[i] > app.time_us;
    const std::string line = event_line(app.session, i);
    if (future) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    // A wrapped line that seeks when clicked: a selectable as tall as the wrapped text.
    ImGui::PushID(static_cast<int>(i));
    const float width = ImGui::GetContentRegionAvail().x;
    const ImVec2 start = ImGui::GetCursorPos();
    if (ImGui::Selectable("##line", false, 0, {width, ImGui::CalcTextSize(line.c_str(), nullptr, false, width).y}))
      app.seek(app.session.animation().shown_us[i]);
    ImGui::SetCursorPos(start);
    ImGui::PushTextWrapPos(start.x + width);
    ImGui::TextUnformatted(line.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopID();
    if (future) ImGui::PopStyleColor();
  }
}

void node_inspector(GuiApp& app, int index) {
  const Node& node = app.session.topology().nodes()[index];
  const NodeState& state = app.scene.nodes[index];
  const scenario::Scenario& s = app.session.scenario();
  switch (node.kind) {
    case NodeKind::kQueue: {
      ImGui::Text("Queue %s", node.name.c_str());
      ImGui::Text("ready %d, unacked %d", state.ready, state.unacked);
      ImGui::Text("largest depth in the run: %d", app.session.animation().ready[index].max_value);
      for (const auto& q : s.queues) {
        if (q.name != node.name) continue;
        ImGui::Text("durable %s, exclusive %s, auto-delete %s", q.durable ? "yes" : "no", q.exclusive ? "yes" : "no",
                    q.auto_delete ? "yes" : "no");
        ImGui::TextWrapped("arguments: %s", q.arguments.empty() ? "none" : broker::to_display(q.arguments).c_str());
      }
      const QueueTraffic traffic = app.session.last_second(node.name, app.time_us);
      ImGui::Text("last second: %d in, %d delivered", traffic.in, traffic.delivered);
      break;
    }
    case NodeKind::kExchange: {
      ImGui::Text("Exchange %s", node.name.empty() ? "(default)" : node.name.c_str());
      ImGui::Text("type: %s", node.detail.c_str());
      for (const auto& x : s.exchanges)
        if (x.name == node.name && !x.arguments.empty())
          ImGui::TextWrapped("arguments: %s", broker::to_display(x.arguments).c_str());
      section("bindings");
      for (const Edge& e : app.session.topology().edges())
        if (e.from == index && (e.kind == EdgeKind::kBinding || e.kind == EdgeKind::kAlternate))
          ImGui::BulletText("%s -> %s", e.label.empty() ? "(any key)" : e.label.c_str(),
                            app.session.topology().nodes()[e.to].label.c_str());
      break;
    }
    case NodeKind::kConsumer: {
      ImGui::Text("Consumer %s (%s)", node.name.c_str(), node.detail.c_str());
      ImGui::Text("unacked %d of prefetch %s", state.unacked,
                  state.prefetch ? std::to_string(state.prefetch).c_str() : "unlimited");
      for (const auto& c : s.consumers)
        if (c.name == node.name)
          ImGui::TextWrapped("queue %s, ack %.0f%%, requeue %.0f%%, nack %.0f%%, reject %.0f%%", c.queue.c_str(),
                      c.ack_ppm / 1e4, c.nack_requeue_ppm / 1e4, c.nack_ppm / 1e4, c.reject_ppm / 1e4);
      break;
    }
    case NodeKind::kProducer: {
      ImGui::Text("Producer %s", node.name.c_str());
      if (!node.detail.empty()) ImGui::TextDisabled("%s", node.detail.c_str());
      for (const auto& p : s.producers)
        if (p.name == node.name)
          ImGui::Text("to exchange %s, %s%s", p.exchange.empty() ? "(default)" : p.exchange.c_str(),
                      p.mandatory ? "mandatory, " : "", p.confirms ? "confirms" : "no confirms");
      break;
    }
  }
}

}  // namespace

void draw_inspector_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  switch (app.selection.kind) {
    case Selection::Kind::kNone:
      ImGui::TextWrapped("Click a message, a node or a binding's label on the canvas to inspect it.");
      break;
    case Selection::Kind::kMessage:
      message_inspector(app, app.selection.message_id);
      break;
    case Selection::Kind::kNode:
      node_inspector(app, app.selection.index);
      break;
    case Selection::Kind::kEdge: {
      const Edge& e = app.session.topology().edges()[app.selection.index];
      const auto& nodes = app.session.topology().nodes();
      ImGui::Text("%s", e.kind == EdgeKind::kDeadLetter ? "Dead-letter link"
                        : e.kind == EdgeKind::kAlternate ? "Alternate exchange"
                                                         : "Binding");
      ImGui::Text("from %s to %s", nodes[e.from].label.c_str(), nodes[e.to].label.c_str());
      ImGui::TextWrapped("key / arguments: %s", e.label.empty() ? "(none)" : e.label.c_str());
      break;
    }
  }
}

}  // namespace brokersim::gui
