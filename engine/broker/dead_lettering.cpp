#include "broker/dead_lettering.h"

#include <algorithm>

namespace brokersim::broker {
namespace {

const FieldTable* table_of(const FieldValue& v) { return v.as_table(); }

// A view, not a copy: x-death entries are compared field by field on every dead-lettering.
std::string_view string_field(const FieldTable& table, std::string_view key) {
  const FieldValue* v = find_field(table, key);
  const std::string* s = v ? v->as_string() : nullptr;
  return s ? std::string_view(*s) : std::string_view();
}

}  // namespace

trace::Reason as_trace_reason(DeathReason reason) {
  switch (reason) {
    case DeathReason::kRejected: return trace::Reason::kRejected;
    case DeathReason::kExpired: return trace::Reason::kExpired;
    case DeathReason::kMaxlen: return trace::Reason::kMaxlen;
    case DeathReason::kDeliveryLimit: return trace::Reason::kDeliveryLimit;
  }
  return trace::Reason::kRejected;
}

std::string_view death_reason_name(DeathReason reason) {
  switch (reason) {
    case DeathReason::kRejected: return "rejected";
    case DeathReason::kExpired: return "expired";
    case DeathReason::kMaxlen: return "maxlen";
    case DeathReason::kDeliveryLimit: return "delivery_limit";
  }
  return "rejected";
}

namespace {

// The keys a message was published with: the routing key, then CC (BCC never reaches a queue).
std::vector<std::string> original_routing_keys(const Message& message, const FieldTable& headers) {
  std::vector<std::string> keys{std::string(message.routing_key())};
  if (const FieldValue* cc = find_field(headers, "CC")) {
    if (const FieldArray* array = cc->as_array()) {
      for (const FieldValue& key : *array)
        if (const std::string* s = key.as_string()) keys.push_back(*s);
    }
  }
  return keys;
}

// The x-death entry of this death, built by moving each field in: a braced list would copy
// every key and value.
FieldTable new_death(const Message& message, const std::string& reason_text, std::string_view queue,
                     sim::TimeUs now_us, const std::vector<std::string>& original_keys) {
  FieldTable fresh;
  fresh.reserve(7);
  fresh.emplace_back("count", FieldValue(std::int64_t{1}));
  fresh.emplace_back("reason", FieldValue(reason_text));
  fresh.emplace_back("queue", FieldValue(std::string(queue)));
  fresh.emplace_back("time", FieldValue::of(Timestamp{static_cast<std::uint64_t>(now_us / sim::kMicrosPerSecond)}));
  fresh.emplace_back("exchange", FieldValue(message.exchange()));
  FieldArray keys;
  keys.reserve(original_keys.size());
  for (const auto& key : original_keys) keys.emplace_back(key);
  fresh.emplace_back("routing-keys", FieldValue(std::move(keys)));
  if (const auto& expiration = message.properties().expiration) {
    fresh.emplace_back("original-expiration", FieldValue(*expiration));
  }
  return fresh;
}

// x-death after this death, as RabbitMQ 3.10 writes it: entries are first grouped by (queue,
// reason), a fold that reverses their order when there are two or more; the matching entry
// (count + 1, other fields unchanged) or the new one goes to the front with its keys sorted.
FieldArray deaths_after(const FieldArray* old_deaths, FieldTable fresh, std::string_view queue,
                        const std::string& reason_text) {
  FieldArray deaths;
  if (!old_deaths) {
    deaths.emplace_back(std::move(fresh));
    return deaths;
  }
  auto same_death = [&](const FieldValue& v, std::string_view q, std::string_view r) {
    const FieldTable* entry = table_of(v);
    return entry && string_field(*entry, "queue") == q && string_field(*entry, "reason") == r;
  };
  FieldArray grouped;
  if (old_deaths->size() < 2) {
    grouped = *old_deaths;
  } else {
    for (const FieldValue& v : *old_deaths) {
      const FieldTable* entry = table_of(v);
      if (!entry) continue;
      const std::string_view q = string_field(*entry, "queue"), r = string_field(*entry, "reason");
      const bool seen = std::any_of(grouped.begin(), grouped.end(), [&](const FieldValue& g) { return same_death(g, q, r); });
      if (!seen) grouped.insert(grouped.begin(), v);
    }
  }
  FieldTable front = std::move(fresh);
  FieldArray others;
  for (const FieldValue& v : grouped) {
    if (same_death(v, queue, reason_text)) {
      front = *table_of(v);
      const FieldValue* count = find_field(front, "count");
      const std::int64_t previous = count && count->as_integer() ? *count->as_integer() : 0;
      set_field(front, "count", FieldValue(previous + 1));
    } else {
      others.push_back(v);
    }
  }
  std::sort(front.begin(), front.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  deaths.emplace_back(std::move(front));
  deaths.insert(deaths.end(), others.begin(), others.end());
  return deaths;
}

}  // namespace

DeadLetter make_dead_letter(const Message& message, DeathReason reason, std::string_view queue, sim::TimeUs now_us,
                            std::shared_ptr<const std::string> dead_letter_exchange,
                            const std::string* dead_letter_routing_key) {
  BasicProperties properties = message.properties();
  FieldTable headers = properties.headers ? std::move(*properties.headers) : FieldTable{};  // set back below
  std::vector<std::string> original_keys = original_routing_keys(message, headers);

  const std::string reason_text(death_reason_name(reason));
  const FieldValue* existing = find_field(headers, "x-death");
  FieldArray deaths = deaths_after(existing ? existing->as_array() : nullptr,
                                   new_death(message, reason_text, queue, now_us, original_keys), queue, reason_text);
  set_field(headers, "x-death", FieldValue(std::move(deaths)));
  if (!find_field(headers, "x-first-death-queue")) {
    set_field(headers, "x-first-death-queue", FieldValue(std::string(queue)));
    set_field(headers, "x-first-death-reason", FieldValue(reason_text));
    set_field(headers, "x-first-death-exchange", FieldValue(message.exchange()));
  }
  // RabbitMQ 3.10 sends the headers table sorted by key after dead-lettering (and has no
  // x-last-death-* headers; those came in later versions).
  std::sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  DeadLetter out;
  std::string routing_key(message.routing_key());
  if (dead_letter_routing_key) {
    routing_key = *dead_letter_routing_key;
    erase_field(headers, "CC");
    out.routing_keys = {routing_key};
  } else {
    out.routing_keys = std::move(original_keys);
  }
  properties.expiration.reset();
  properties.headers = std::move(headers);
  out.message = Message::create(message.id(), std::move(dead_letter_exchange), routing_key, std::move(properties),
                                message.body(), message.published_us());
  return out;
}

// The message's x-death entries, newest first, or null when it has none.
const FieldArray* x_death_of(const Message& message) {
  const FieldTable* headers = message.headers();
  const FieldValue* deaths = headers ? find_field(*headers, "x-death") : nullptr;
  return deaths ? deaths->as_array() : nullptr;
}

std::vector<trace::DeathRecord> death_records(const Message& message) {
  std::vector<trace::DeathRecord> records;
  const FieldArray* deaths = x_death_of(message);
  if (!deaths) return records;
  for (const FieldValue& value : *deaths) {
    const FieldTable* entry = table_of(value);
    if (!entry) continue;
    trace::DeathRecord r;
    r.queue = string_field(*entry, "queue");
    const std::string_view reason = string_field(*entry, "reason");
    for (DeathReason d : {DeathReason::kRejected, DeathReason::kExpired, DeathReason::kMaxlen, DeathReason::kDeliveryLimit})
      if (death_reason_name(d) == reason) r.reason = as_trace_reason(d);
    if (const FieldValue* count = find_field(*entry, "count")) r.count = static_cast<std::uint64_t>(count->as_integer().value_or(0));
    r.exchange = string_field(*entry, "exchange");
    if (const FieldValue* keys = find_field(*entry, "routing-keys"))
      if (const FieldArray* array = keys->as_array())
        for (const FieldValue& key : *array)
          if (const std::string* s = key.as_string()) r.routing_keys.push_back(*s);
    if (const FieldValue* time = find_field(*entry, "time"))
      if (const auto* stamp = std::get_if<Timestamp>(&time->value)) r.time_s = stamp->seconds;
    records.push_back(std::move(r));
  }
  return records;
}

bool is_automatic_cycle(const Message& message, std::string_view target_queue) {
  const FieldArray* deaths = x_death_of(message);
  if (!deaths) return false;
  // Newest first: walk back to the last death in the target queue; any rejection on the way
  // (that death included) means a client was involved, so it is not a cycle.
  for (const FieldValue& value : *deaths) {
    const FieldTable* entry = table_of(value);
    if (!entry) continue;
    if (string_field(*entry, "reason") == "rejected") return false;
    if (string_field(*entry, "queue") == target_queue) return true;
  }
  return false;
}

}  // namespace brokersim::broker
