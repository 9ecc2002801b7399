#include "trace/trace_log.h"

#include <algorithm>
#include <limits>

namespace brokersim::trace {

void TraceLog::on_event(const Event& e) {
  const std::size_t index = events_.size();
  const std::uint64_t seq_minus_index = e.seq - index;
  if (seq_runs_.empty() || seq_runs_.back().seq_minus_index != seq_minus_index) {
    seq_runs_.push_back({index, seq_minus_index});
  }

  CompactEvent c;
  c.time_us = e.time_us;
  c.message_id = e.message_id;
  c.delivery_tag = e.delivery_tag;
  c.connection = static_cast<std::uint32_t>(e.connection);
  c.flags = e.flags;
  c.exchange = strings_.intern(e.exchange, hints_.exchange);
  c.routing_key = strings_.intern(e.routing_key, hints_.routing_key);
  c.queue = strings_.intern(e.queue, hints_.queue);
  c.consumer_tag = strings_.intern(e.consumer_tag, hints_.consumer_tag);
  c.route = e.route ? route_id(e.route) : kNoRoute;
  c.first_queue = static_cast<std::uint32_t>(queue_ids_.size());
  c.channel = e.channel;
  c.kind = e.kind;
  const bool connection_fits = e.connection <= std::numeric_limits<std::uint32_t>::max();
  if (!connection_fits || e.count != 0 || e.reply_code != 0 || !e.destination.empty() || !e.text.empty() ||
      e.reason != Reason::kNone || !e.x_death.empty() || e.exchange_type != ExchangeType::kDirect ||
      e.role != ConnectionRole::kClient) {
    c.rare = static_cast<std::uint32_t>(rare_.size());
    std::uint32_t x_death = kNoXDeath;
    if (!e.x_death.empty()) {
      x_death = static_cast<std::uint32_t>(x_deaths_.size());
      x_deaths_.push_back(e.x_death);
    }
    rare_.push_back({e.connection, e.count, e.reply_code, e.reason, e.exchange_type, e.role,
                     strings_.intern(e.destination), strings_.intern(e.text), x_death});
  } else {
    c.rare = kNoRareFields;
  }
  for (std::size_t i = 0; i < e.queues.size(); ++i) {
    queue_ids_.push_back(i < kHintedListPositions ? strings_.intern(e.queues[i], hints_.queues[i])
                                                  : strings_.intern(e.queues[i]));
  }
  events_.push_back(c);
}

std::uint32_t TraceLog::route_id(const SharedRouteExplanation& route) {
  if (last_route_id_ != kNoRoute && routes_[last_route_id_] == route) return last_route_id_;
  auto [it, added] = route_ids_.try_emplace(route.get(), static_cast<std::uint32_t>(routes_.size()));
  if (added) routes_.push_back(route);
  last_route_id_ = it->second;
  return it->second;
}

std::uint64_t TraceLog::seq_at(std::size_t index) const {
  // The last run starting at or before `index`.
  auto run = std::upper_bound(seq_runs_.begin(), seq_runs_.end(), index,
                              [](std::size_t i, const SeqRun& r) { return i < r.first_event; });
  return index + std::prev(run)->seq_minus_index;
}

std::uint64_t TraceLog::connection_at(std::size_t index) const {
  const CompactEvent& c = events_[index];
  return c.rare != kNoRareFields ? rare_[c.rare].connection : c.connection;
}

Event TraceLog::at(std::size_t index) const {
  const CompactEvent& c = events_[index];
  const bool last = index + 1 == events_.size();
  const std::size_t end_queue = last ? queue_ids_.size() : events_[index + 1].first_queue;
  Event e;
  e.seq = seq_at(index);
  e.time_us = c.time_us;
  e.kind = c.kind;
  e.flags = c.flags;
  e.connection = c.connection;
  e.channel = c.channel;
  e.message_id = c.message_id;
  e.exchange = strings_.text(c.exchange);
  e.routing_key = strings_.text(c.routing_key);
  e.queue = strings_.text(c.queue);
  e.consumer_tag = strings_.text(c.consumer_tag);
  e.delivery_tag = c.delivery_tag;
  if (c.rare != kNoRareFields) {
    const RareFields& r = rare_[c.rare];
    e.connection = r.connection;
    e.count = r.count;
    e.reply_code = r.reply_code;
    e.reason = r.reason;
    e.exchange_type = r.exchange_type;
    e.role = r.role;
    if (r.x_death != kNoXDeath) e.x_death = x_deaths_[r.x_death];
    e.destination = strings_.text(r.destination);
    e.text = strings_.text(r.text);
  }
  if (c.route != kNoRoute) e.route = routes_[c.route];
  for (std::size_t i = c.first_queue; i < end_queue; ++i) e.queues.push_back(strings_.text(queue_ids_[i]));
  return e;
}

}  // namespace brokersim::trace
