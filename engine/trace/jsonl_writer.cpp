#include "trace/jsonl_writer.h"

#include "trace/json_string.h"

#include <cstdio>

namespace brokersim::trace {
namespace {

class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  ~JsonObject() { out_ += '}'; }

  void key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    string(name);
    out_ += ':';
  }
  void field(std::string_view name, std::string_view value) {
    if (value.empty()) return;
    key(name);
    string(value);
  }
  void field(std::string_view name, std::uint64_t value) {
    if (value == 0) return;
    key(name);
    out_ += std::to_string(value);
  }
  void field_always(std::string_view name, std::int64_t value) {
    key(name);
    out_ += std::to_string(value);
  }
  void flag(std::string_view name, bool value) {
    if (!value) return;
    key(name);
    out_ += "true";
  }
  void string(std::string_view s) { append_json_string(out_, s); }
  std::string& raw() { return out_; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace

std::string to_json(const Event& e) {
  std::string out;
  out.reserve(160);
  {
    JsonObject o(out);
    o.field_always("seq", static_cast<std::int64_t>(e.seq));
    o.field_always("t_us", e.time_us);
    o.field("kind", kind_name(e.kind));
    o.field("connection", e.connection);
    o.field("channel", e.channel);
    o.field("message", e.message_id);
    o.field("exchange", e.exchange);
    o.field("routing_key", e.routing_key);
    o.field("queue", e.queue);
    o.field("destination", e.destination);
    o.field("consumer_tag", e.consumer_tag);
    o.field("delivery_tag", e.delivery_tag);
    o.field("count", e.count);
    o.field("reply_code", e.reply_code);
    o.field("text", e.text);
    for (std::size_t bit = 0; bit < std::size(kFlagNames); ++bit) o.flag(kFlagNames[bit], e.flags & (1u << bit));
    if (const std::span<const RouteStep> route = e.route_steps(); !route.empty()) {
      o.key("route");
      out += '[';
      for (std::size_t i = 0; i < route.size(); ++i) {
        if (i) out += ',';
        const RouteStep& s = route[i];
        JsonObject step(out);
        step.field("source", s.source);
        step.field("destination", s.destination);
        step.flag("to_exchange", s.to_exchange);
        step.flag("alternate", s.alternate);
        step.key("matched");
        out += s.matched ? "true" : "false";
        step.field("binding_key", s.binding_key);
        step.field("arguments", s.arguments);
      }
      out += ']';
    }
    o.field("route_steps_omitted", e.route_steps_omitted());
    if (e.kind == EventKind::kPublished || e.kind == EventKind::kDeadLettered) {
      o.key("queues");
      out += '[';
      for (std::size_t i = 0; i < e.queues.size(); ++i) {
        if (i) out += ',';
        o.string(e.queues[i]);
      }
      out += ']';
    }
  }
  return out;
}

void JsonlWriter::on_event(const Event& event) { out_ << to_json(event) << '\n'; }

}  // namespace brokersim::trace
