#include "trace/trace_log.h"

namespace brokersim::trace {

TraceLog::StringId TraceLog::intern(const std::string& s) {
  if (s.empty()) return 0;
  auto [it, inserted] = ids_.try_emplace(s, static_cast<StringId>(strings_.size()));
  if (inserted) strings_.push_back(s);
  return it->second;
}

void TraceLog::on_event(const Event& e) {
  CompactEvent c{};
  c.seq = e.seq;
  c.time_us = e.time_us;
  c.connection = e.connection;
  c.message_id = e.message_id;
  c.delivery_tag = e.delivery_tag;
  c.count = e.count;
  c.route_steps_omitted = e.route_steps_omitted;
  c.flags = e.flags;
  c.channel = e.channel;
  c.reply_code = e.reply_code;
  c.kind = e.kind;
  c.exchange = intern(e.exchange);
  c.routing_key = intern(e.routing_key);
  c.queue = intern(e.queue);
  c.destination = intern(e.destination);
  c.consumer_tag = intern(e.consumer_tag);
  c.text = intern(e.text);
  c.first_step = static_cast<std::uint32_t>(steps_.size());
  c.step_count = static_cast<std::uint32_t>(e.route.size());
  for (const RouteStep& s : e.route) {
    steps_.push_back({intern(s.source), intern(s.destination), intern(s.binding_key), intern(s.arguments),
                      s.to_exchange, s.alternate, s.matched});
  }
  c.first_queue = static_cast<std::uint32_t>(queue_ids_.size());
  c.queue_count = static_cast<std::uint32_t>(e.queues.size());
  for (const std::string& q : e.queues) queue_ids_.push_back(intern(q));
  events_.push_back(c);
}

Event TraceLog::at(std::size_t index) const {
  const CompactEvent& c = events_[index];
  Event e;
  e.seq = c.seq;
  e.time_us = c.time_us;
  e.kind = c.kind;
  e.flags = c.flags;
  e.connection = c.connection;
  e.channel = c.channel;
  e.message_id = c.message_id;
  e.exchange = strings_[c.exchange];
  e.routing_key = strings_[c.routing_key];
  e.queue = strings_[c.queue];
  e.destination = strings_[c.destination];
  e.consumer_tag = strings_[c.consumer_tag];
  e.delivery_tag = c.delivery_tag;
  e.count = c.count;
  e.reply_code = c.reply_code;
  e.text = strings_[c.text];
  for (std::uint32_t i = 0; i < c.step_count; ++i) {
    const CompactStep& s = steps_[c.first_step + i];
    e.route.push_back({strings_[s.source], strings_[s.destination], s.to_exchange, s.alternate, s.matched,
                       strings_[s.binding_key], strings_[s.arguments]});
  }
  e.route_steps_omitted = c.route_steps_omitted;
  for (std::uint32_t i = 0; i < c.queue_count; ++i) e.queues.push_back(strings_[queue_ids_[c.first_queue + i]]);
  return e;
}

}  // namespace brokersim::trace
