// Add and delete exchanges, queues, bindings, producers and consumers; export RabbitMQ
// definitions. Every change goes to the Session as a command: the engine checks it on a
// scratch broker, and a refused edit shows the engine's error and changes nothing.
#include <imgui.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "definitions_export.h"
#include "gui/gui_app.h"
#include "gui/model/layout_file.h"
#include "gui/model/scenario_yaml.h"
#include "gui/platform.h"
#include "scenario/units.h"

namespace brokersim::gui {
namespace {

struct EditForms {
  char exchange[64] = "";
  int exchange_type = 0;
  char queue[64] = "";
  char queue_dlx[64] = "";
  char queue_ttl[32] = "";
  char bind_source[64] = "";
  char bind_destination[64] = "";
  char bind_key[128] = "";
  bool bind_to_exchange = false;
  char producer[64] = "";
  char producer_exchange[64] = "";
  char producer_key[128] = "";
  float producer_rate = 1;
  char consumer[64] = "";
  char consumer_queue[64] = "";
  int consumer_prefetch = 1;
};

const char* const kExchangeTypes[] = {"direct", "fanout", "topic", "headers"};

// Adding an exchange, a queue or a binding.
void topology_forms(GuiApp& app, EditForms& f) {
  const auto& kTypes = kExchangeTypes;
  if (ImGui::CollapsingHeader("Exchange")) {
    ImGui::InputText("name##x", f.exchange, sizeof f.exchange);
    ImGui::Combo("type##x", &f.exchange_type, kTypes, 4);
    if (ImGui::Button("Add exchange")) {
      scenario::ExchangeSpec x;
      x.name = f.exchange;
      x.type = kTypes[f.exchange_type];
      app.report(app.session.add_exchange(x), "added exchange " + x.name);
      app.refresh_scene();
    }
  }
  if (ImGui::CollapsingHeader("Queue")) {
    ImGui::InputText("name##q", f.queue, sizeof f.queue);
    ImGui::InputTextWithHint("dead-letter exchange##q", "optional", f.queue_dlx, sizeof f.queue_dlx);
    ImGui::InputTextWithHint("message TTL##q", "optional, e.g. 5s", f.queue_ttl, sizeof f.queue_ttl);
    if (ImGui::Button("Add queue")) {
      scenario::QueueSpec q;
      q.name = f.queue;
      if (f.queue_dlx[0]) broker::set_field(q.arguments, "x-dead-letter-exchange", broker::FieldValue(std::string(f.queue_dlx)));
      std::string error;
      if (f.queue_ttl[0]) {
        if (auto ttl = scenario::parse_duration(f.queue_ttl))
          broker::set_field(q.arguments, "x-message-ttl", broker::FieldValue(static_cast<std::int64_t>(*ttl / 1000)));
        else error = "message TTL wants a duration such as 5s";
      }
      if (error.empty()) error = app.session.add_queue(q);
      app.report(error, "added queue " + q.name);
      app.refresh_scene();
    }
  }
  if (ImGui::CollapsingHeader("Binding")) {
    ImGui::InputText("exchange##b", f.bind_source, sizeof f.bind_source);
    ImGui::InputText("to##b", f.bind_destination, sizeof f.bind_destination);
    ImGui::Checkbox("to an exchange##b", &f.bind_to_exchange);
    ImGui::InputText("key##b", f.bind_key, sizeof f.bind_key);
    if (ImGui::Button("Add binding")) {
      scenario::BindingSpec b;
      b.exchange = f.bind_source;
      b.destination = f.bind_destination;
      b.to_exchange = f.bind_to_exchange;
      b.key = f.bind_key;
      app.report(app.session.add_binding(b), "added binding");
      app.refresh_scene();
    }
  }
}

// Adding a producer or a consumer.
void actor_forms(GuiApp& app, EditForms& f) {
  if (ImGui::CollapsingHeader("Producer")) {
    ImGui::InputText("name##p", f.producer, sizeof f.producer);
    ImGui::InputText("exchange##p", f.producer_exchange, sizeof f.producer_exchange);
    ImGui::InputText("routing key##p", f.producer_key, sizeof f.producer_key);
    ImGui::SliderFloat("rate /s##p", &f.producer_rate, 0.1f, 50.0f, "%.1f", ImGuiSliderFlags_Logarithmic);
    if (ImGui::Button("Add producer")) {
      scenario::ProducerSpec p;
      p.name = f.producer;
      p.exchange = f.producer_exchange;
      p.rate_per_second = f.producer_rate;
      scenario::MessageTemplate m;
      m.routing_key = f.producer_key;
      m.body = "${producer} ${seq}";
      p.messages.push_back(m);
      app.report(app.session.add_producer(p), "added producer " + p.name);
      app.refresh_scene();
    }
  }
  if (ImGui::CollapsingHeader("Consumer")) {
    ImGui::InputText("name##c", f.consumer, sizeof f.consumer);
    ImGui::InputText("queue##c", f.consumer_queue, sizeof f.consumer_queue);
    ImGui::SliderInt("prefetch##c", &f.consumer_prefetch, 0, 100);
    if (ImGui::Button("Add consumer")) {
      scenario::ConsumerSpec c;
      c.name = f.consumer;
      c.queue = f.consumer_queue;
      c.prefetch = static_cast<std::uint16_t>(f.consumer_prefetch);
      c.processing.a_us = sim::millis(100);
      app.report(app.session.add_consumer(c), "added consumer " + c.name);
      app.refresh_scene();
    }
  }
}

// One "delete" button per row. A delete re-runs the scenario and replaces what the list shows,
// so the first press ends the list: row() says whether it acted.
void delete_list(GuiApp& app, const scenario::Scenario& s) {
  std::string error, done;
  bool acted = false;
  auto row = [&](const std::string& id, const std::string& label, const char* what, auto remove) {
    ImGui::PushID(id.c_str());
    if (ImGui::SmallButton("delete")) {
      error = remove();
      done = what;
      acted = true;
    }
    ImGui::PopID();
    if (acted) return true;
    ImGui::SameLine();
    ImGui::TextUnformatted(label.c_str());
    return false;
  };
  for (const auto& x : s.exchanges) {
    if (row("x" + x.name, "exchange " + x.name, "deleted exchange", [&app, name = x.name] { return app.session.delete_exchange(name); })) break;
  }
  if (!acted) for (const auto& q : s.queues) {
    if (row("q" + q.name, "queue " + q.name, "deleted queue", [&app, name = q.name] { return app.session.delete_queue(name); })) break;
  }
  if (!acted) for (std::size_t i = 0; i < s.bindings.size(); ++i) {
    const auto& b = s.bindings[i];
    if (row("b" + std::to_string(i), "binding " + b.exchange + " -> " + b.destination + " '" + b.key + "'", "deleted binding",
            [&app, i] { return app.session.delete_binding(i); })) break;
  }
  if (!acted) for (const auto& p : s.producers) {
    if (row("p" + p.name, "producer " + p.name, "deleted producer", [&app, name = p.name] { return app.session.delete_producer(name); })) break;
  }
  if (!acted) for (const auto& c : s.consumers) {
    if (row("c" + c.name, "consumer " + c.name, "deleted consumer", [&app, name = c.name] { return app.session.delete_consumer(name); })) break;
  }
  if (acted) {
    app.report(error, done);
    app.refresh_scene();
  }
}

// Saving as YAML and exporting RabbitMQ definitions.
void save_buttons(GuiApp& app) {
  // Saving writes a fresh file (comments are not kept), so it defaults to a new name beside
  // the scenario rather than over the lesson it came from.
  static char save_path[512] = "";
  static std::string defaulted_for;
  if (defaulted_for != app.scenario_path) {
    std::string p = app.scenario_path;
    if (p.size() > 5 && p.compare(p.size() - 5, 5, ".yaml") == 0) p.resize(p.size() - 5);
    std::snprintf(save_path, sizeof save_path, "%s.edited.yaml", p.c_str());
    defaulted_for = app.scenario_path;
  }
  ImGui::InputText("##save_path", save_path, sizeof save_path);
  ImGui::SameLine();
  if (ImGui::Button("Save as YAML")) {
    std::ofstream out(save_path);
    out << scenario_to_yaml(app.session.scenario());
    out.close();
    std::string error = out ? "" : std::string("cannot write ") + save_path;
    if (error.empty() && !app.session.fixed_positions().empty()) error = write_layout(save_path, app.session.fixed_positions());
    if (error.empty()) offer_file(save_path);
    app.report(error, std::string("saved ") + save_path);
  }
  if (ImGui::Button("Export RabbitMQ definitions")) {
    std::vector<std::string> warnings;
    const std::string json = app::export_definitions(app.session.scenario(), warnings);
    const std::string path = app.scenario_path + ".definitions.json";
    std::ofstream out(path);
    out << json << "\n";
    out.close();
    if (out) offer_file(path);
    app.report(out ? (warnings.empty() ? "" : warnings.front()) : "cannot write " + path, "wrote " + path);
  }
}

}  // namespace

void draw_editing_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  static EditForms f;
  topology_forms(app, f);
  actor_forms(app, f);
  if (ImGui::CollapsingHeader("Delete")) delete_list(app, app.session.scenario());
  ImGui::Separator();
  save_buttons(app);
}

}  // namespace brokersim::gui
