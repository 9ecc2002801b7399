#include "broker/dead_lettering.h"

namespace brokersim::broker {
namespace {

const FieldTable* table_of(const FieldValue& v) { return v.as_table(); }

std::string string_field(const FieldTable& table, std::string_view key) {
  const FieldValue* v = find_field(table, key);
  const std::string* s = v ? v->as_string() : nullptr;
  return s ? *s : std::string();
}

}  // namespace

std::string_view death_reason_name(DeathReason reason) {
  switch (reason) {
    case DeathReason::kRejected: return "rejected";
    case DeathReason::kExpired: return "expired";
    case DeathReason::kMaxlen: return "maxlen";
    case DeathReason::kDeliveryLimit: return "delivery_limit";
  }
  return "rejected";
}

DeadLetter make_dead_letter(const Message& message, DeathReason reason, std::string_view queue, sim::TimeUs now_us,
                            std::shared_ptr<const std::string> dead_letter_exchange,
                            const std::string* dead_letter_routing_key) {
  BasicProperties properties = message.properties();
  FieldTable headers = properties.headers.value_or(FieldTable{});

  // The keys it was published with: the routing key, then CC (BCC never reaches a queue).
  std::vector<std::string> original_keys{std::string(message.routing_key())};
  if (const FieldValue* cc = find_field(headers, "CC")) {
    if (const FieldArray* array = cc->as_array()) {
      for (const FieldValue& key : *array)
        if (const std::string* s = key.as_string()) original_keys.push_back(*s);
    }
  }

  const std::string reason_text(death_reason_name(reason));
  FieldArray deaths;
  if (const FieldValue* existing = find_field(headers, "x-death")) {
    if (const FieldArray* array = existing->as_array()) deaths = *array;
  }
  bool updated = false;
  for (auto it = deaths.begin(); it != deaths.end(); ++it) {
    const FieldTable* entry = table_of(*it);
    if (!entry || string_field(*entry, "queue") != queue || string_field(*entry, "reason") != reason_text) continue;
    FieldTable bumped = *entry;
    const FieldValue* count = find_field(bumped, "count");
    const std::int64_t previous = count && count->as_integer() ? *count->as_integer() : 0;
    set_field(bumped, "count", FieldValue(previous + 1));
    deaths.erase(it);
    deaths.insert(deaths.begin(), FieldValue(std::move(bumped)));
    updated = true;
    break;
  }
  if (!updated) {
    FieldArray keys;
    for (const auto& key : original_keys) keys.emplace_back(key);
    FieldTable entry{{"count", FieldValue(std::int64_t{1})},
                     {"reason", FieldValue(reason_text)},
                     {"queue", FieldValue(std::string(queue))},
                     {"time", FieldValue::of(Timestamp{static_cast<std::uint64_t>(now_us / sim::kMicrosPerSecond)})},
                     {"exchange", FieldValue(message.exchange())},
                     {"routing-keys", FieldValue(std::move(keys))}};
    if (properties.expiration) entry.emplace_back("original-expiration", FieldValue(*properties.expiration));
    deaths.insert(deaths.begin(), FieldValue(std::move(entry)));
  }
  set_field(headers, "x-death", FieldValue(std::move(deaths)));
  if (!find_field(headers, "x-first-death-queue")) {
    set_field(headers, "x-first-death-queue", FieldValue(std::string(queue)));
    set_field(headers, "x-first-death-reason", FieldValue(reason_text));
    set_field(headers, "x-first-death-exchange", FieldValue(message.exchange()));
  }
  set_field(headers, "x-last-death-queue", FieldValue(std::string(queue)));
  set_field(headers, "x-last-death-reason", FieldValue(reason_text));
  set_field(headers, "x-last-death-exchange", FieldValue(message.exchange()));

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
  out.message = Message::create(message.id(), std::move(dead_letter_exchange), routing_key, properties, message.body(),
                                message.published_us());
  return out;
}

bool is_automatic_cycle(const Message& message, std::string_view target_queue) {
  const FieldTable* headers = message.headers();
  const FieldValue* deaths_value = headers ? find_field(*headers, "x-death") : nullptr;
  const FieldArray* deaths = deaths_value ? deaths_value->as_array() : nullptr;
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
