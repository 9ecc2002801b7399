// Publish by hand: the message goes into the scenario's timeline at the playhead, the run is
// replayed (deterministically, so nothing before it changes) and it animates like any other.
#include <imgui.h>

#include <string>

#include "gui/gui_app.h"
#include "scenario/units.h"

namespace brokersim::gui {
namespace {

// "a=1, b=two" -> headers; numbers stay numbers so headers exchanges match them as numbers.
broker::FieldTable parse_headers(const std::string& text) {
  broker::FieldTable table;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const auto eq = item.find('=');
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(' '));
      s.erase(s.find_last_not_of(' ') + 1);
      return s;
    };
    if (eq != std::string::npos) {
      const std::string name = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
      char* rest = nullptr;
      const long long n = std::strtoll(value.c_str(), &rest, 10);
      if (!value.empty() && rest && *rest == '\0') broker::set_field(table, name, broker::FieldValue(static_cast<std::int64_t>(n)));
      else broker::set_field(table, name, broker::FieldValue(value));
    }
    start = end + 1;
  }
  return table;
}

}  // namespace

void draw_manual_publish_panel(GuiApp& app) {
  if (!app.session.is_open()) return;
  PublishForm& form = app.panels.publish;
  std::vector<std::string> names{""};
  for (const auto& x : app.session.scenario().exchanges) names.push_back(x.name);
  for (const char* builtin : {"amq.direct", "amq.fanout", "amq.topic", "amq.headers"}) names.push_back(builtin);
  if (form.exchange >= static_cast<int>(names.size())) form.exchange = 0;
  ImGui::TextWrapped("Publishes at the playhead (t = %.3fs) from the timeline.", static_cast<double>(app.time_us) / 1e6);
  if (ImGui::BeginCombo("exchange", names[form.exchange].empty() ? "(default)" : names[form.exchange].c_str())) {
    for (int i = 0; i < static_cast<int>(names.size()); ++i)
      if (ImGui::Selectable(names[i].empty() ? "(default)" : names[i].c_str(), i == form.exchange)) form.exchange = i;
    ImGui::EndCombo();
  }
  ImGui::InputText("routing key", form.routing_key, sizeof form.routing_key);
  ImGui::InputTextWithHint("headers", "format=pdf, size=3", form.headers, sizeof form.headers);
  ImGui::InputText("body", form.body, sizeof form.body);
  ImGui::InputTextWithHint("expiration", "e.g. 5s", form.expiration, sizeof form.expiration);
  ImGui::SliderInt("priority", &form.priority, 0, 10);
  ImGui::Checkbox("persistent (delivery mode 2)", &form.persistent);
  ImGui::Checkbox("mandatory (returned with 312 if no queue matches)", &form.mandatory);
  if (ImGui::Button("Publish", {-1, 0})) {
    Session::ManualPublish p;
    p.exchange = names[form.exchange];
    p.routing_key = form.routing_key;
    p.body = form.body;
    p.mandatory = form.mandatory;
    if (auto headers = parse_headers(form.headers); !headers.empty()) p.properties.headers = std::move(headers);
    if (form.priority > 0) p.properties.priority = static_cast<std::uint8_t>(form.priority);
    if (form.persistent) p.properties.delivery_mode = 2;
    Status published = Status::done();
    if (form.expiration[0]) {
      if (auto ttl = scenario::parse_duration(form.expiration)) p.properties.expiration = std::to_string(*ttl / 1000);
      else published = Status::refused("expiration wants a duration such as 5s");
    }
    if (published) published = app.session.publish_at(app.time_us, p);
    app.report(published, "published by hand at " + std::to_string(app.time_us / 1000) + "ms");
  }
}

}  // namespace brokersim::gui
