// Add and delete exchanges, queues, bindings, producers and consumers; export RabbitMQ
// definitions. Every change goes to the Session as a command: the engine checks it on a
// scratch broker, and a refused edit shows the engine's error and changes nothing.
#include <imgui.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "gui/gui_app.h"
#include "gui/scenario_files.h"
#include "scenario/units.h"

namespace brokersim::gui {
namespace {

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
      Status added = Status::done();
      if (f.queue_ttl[0]) {
        if (auto ttl = scenario::parse_duration(f.queue_ttl))
          broker::set_field(q.arguments, "x-message-ttl", broker::FieldValue(static_cast<std::int64_t>(*ttl / 1000)));
        else added = Status::refused("message TTL wants a duration such as 5s");
      }
      if (added) added = app.session.add_queue(q);
      app.report(added, "added queue " + q.name);
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
    }
  }
}

// One "delete" button per row. A delete asks first, then re-runs the scenario.
void delete_list(GuiApp& app, const scenario::Scenario& s) {
  auto row = [&](const std::string& id, const std::string& label, const std::string& also, std::function<Status()> remove) {
    ImGui::PushID(id.c_str());
    if (ImGui::SmallButton("delete")) {
      app.confirm("Delete?", "Delete " + label + "?" + also + "\nUndo (Ctrl+Z) brings it back.", "Delete " + label,
                  [&app, label, remove] {
                    app.report(remove(), "deleted " + label);
                  });
    }
    ImGui::PopID();
    ImGui::SameLine();
    ImGui::TextUnformatted(label.c_str());
  };
  for (const auto& x : s.exchanges)
    row("x" + x.name, "exchange " + x.name, " Its bindings go with it.", [&app, name = x.name] { return app.session.delete_exchange(name); });
  for (const auto& q : s.queues)
    row("q" + q.name, "queue " + q.name, " Its bindings go with it.", [&app, name = q.name] { return app.session.delete_queue(name); });
  for (std::size_t i = 0; i < s.bindings.size(); ++i) {
    const auto& b = s.bindings[i];
    row("b" + std::to_string(i), "binding " + b.exchange + " -> " + b.destination + " '" + b.key + "'", "",
        [&app, i] { return app.session.delete_binding(i); });
  }
  for (const auto& p : s.producers)
    row("p" + p.name, "producer " + p.name, "", [&app, name = p.name] { return app.session.delete_producer(name); });
  for (const auto& c : s.consumers)
    row("c" + c.name, "consumer " + c.name, "", [&app, name = c.name] { return app.session.delete_consumer(name); });
}

// New files in the working folder, named after the lesson: a save never lands on a shipped
// lesson unless the user types its path and then agrees to overwrite it.
void default_paths(GuiApp& app, EditForms& f) {
  if (f.paths_for == app.scenario_path) return;
  const std::string stem = std::filesystem::path(app.scenario_path).stem().string();
  const std::string dir = std::filesystem::current_path().string();
  std::snprintf(f.save_path, sizeof f.save_path, "%s/%s.edited.yaml", dir.c_str(), stem.c_str());
  std::snprintf(f.definitions_path, sizeof f.definitions_path, "%s/%s.definitions.json", dir.c_str(), stem.c_str());
  f.paths_for = app.scenario_path;
}

// Writes with `write`, first asking when a file is already there.
void write_asking_first(GuiApp& app, const std::string& path, void (*write)(GuiApp&, const std::string&)) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    app.confirm("Overwrite?", path + " exists. Overwrite it?", "Overwrite", [&app, path, write] { write(app, path); });
  else
    write(app, path);
}

// Saving as YAML and exporting RabbitMQ definitions, each to the path in its own field.
void save_buttons(GuiApp& app) {
  EditForms& f = app.panels.edit;
  default_paths(app, f);
  // Each path on a line of its own, as wide as the panel, so the whole name shows.
  ImGui::TextDisabled("save to");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##save_path", f.save_path, sizeof f.save_path);
  if (ImGui::Button("Save as YAML")) save_scenario(app);
  ImGui::Spacing();
  ImGui::TextDisabled("export RabbitMQ definitions to");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##definitions_path", f.definitions_path, sizeof f.definitions_path);
  if (ImGui::Button("Export RabbitMQ definitions")) write_asking_first(app, f.definitions_path, write_definitions);
}

}  // namespace

void save_scenario(GuiApp& app) {
  EditForms& f = app.panels.edit;
  default_paths(app, f);
  write_asking_first(app, f.save_path, write_scenario);
}

void draw_editing_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  EditForms& f = app.panels.edit;
  ImGui::BeginDisabled(!app.session.can_undo());
  if (ImGui::Button("Undo")) app.undo();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!app.session.can_redo());
  if (ImGui::Button("Redo")) app.redo();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextDisabled("Ctrl+Z / Ctrl+Y");
  topology_forms(app, f);
  actor_forms(app, f);
  if (ImGui::CollapsingHeader("Delete")) delete_list(app, app.session.scenario());
  ImGui::Separator();
  save_buttons(app);
}

}  // namespace brokersim::gui
