#include "scenario/loader.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "broker/broker.h"
#include "broker/headers_exchange.h"
#include "scenario/expectations.h"
#include "scenario/topology.h"
#include "scenario/lesson_reader.h"
#include "scenario/units.h"
#include "scenario/yaml_reader.h"

namespace brokersim::scenario {

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + message;
}

namespace {

using broker::FieldArray;
using broker::FieldTable;
using broker::FieldValue;

void read_exchange(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.mapping(node, "an exchange", {"name", "type", "durable", "auto_delete", "internal", "arguments",
                                       "alternate_exchange"})) {
    return;
  }
  ExchangeSpec x;
  x.at = position_of(node);
  if (!node["name"]) r.error(node, "an exchange needs a name");
  with(node, "name", [&](auto v) { x.name = r.string(v, "an exchange's name").value_or(""); });
  with(node, "type", [&](auto v) {
    x.type = r.string(v, "an exchange's type").value_or("direct");
    if (!broker::parse_exchange_type(x.type)) {
      r.error(v, "unknown exchange type '" + x.type + "' (expected direct, fanout, topic or headers)");
    }
  });
  with(node, "durable", [&](auto v) { x.durable = r.boolean(v, "durable").value_or(false); });
  with(node, "auto_delete", [&](auto v) { x.auto_delete = r.boolean(v, "auto_delete").value_or(false); });
  with(node, "internal", [&](auto v) { x.internal = r.boolean(v, "internal").value_or(false); });
  with(node, "arguments", [&](auto v) { x.arguments = r.field_table(v); });
  with(node, "alternate_exchange", [&](auto v) {
    broker::set_field(x.arguments, "alternate-exchange", FieldValue(r.string(v, "alternate_exchange").value_or("")));
  });
  s.exchanges.push_back(std::move(x));
}

void read_queue(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.mapping(node, "a queue",
                 {"name", "durable", "exclusive", "auto_delete", "arguments", "type", "message_ttl", "expires",
                  "max_length", "max_length_bytes", "overflow", "dead_letter_exchange", "dead_letter_routing_key",
                  "max_priority", "single_active_consumer", "delivery_limit"})) {
    return;
  }
  QueueSpec q;
  q.at = position_of(node);
  if (!node["name"]) r.error(node, "a queue needs a name");
  with(node, "name", [&](auto v) { q.name = r.string(v, "a queue's name").value_or(""); });
  with(node, "durable", [&](auto v) { q.durable = r.boolean(v, "durable").value_or(false); });
  with(node, "exclusive", [&](auto v) { q.exclusive = r.boolean(v, "exclusive").value_or(false); });
  with(node, "auto_delete", [&](auto v) { q.auto_delete = r.boolean(v, "auto_delete").value_or(false); });
  with(node, "arguments", [&](auto v) { q.arguments = r.field_table(v); });
  // Friendly aliases for RabbitMQ's x-arguments.
  auto set = [&](const char* arg, FieldValue value) { broker::set_field(q.arguments, arg, std::move(value)); };
  auto millis = [](sim::TimeUs us) { return FieldValue(static_cast<std::int64_t>(us / sim::kMicrosPerMilli)); };
  with(node, "type", [&](auto v) { set("x-queue-type", FieldValue(r.string(v, "type").value_or(""))); });
  with(node, "message_ttl", [&](auto v) {
    if (auto d = r.duration(v, "message_ttl")) set("x-message-ttl", millis(*d));
  });
  with(node, "expires", [&](auto v) {
    if (auto d = r.duration(v, "expires")) set("x-expires", millis(*d));
  });
  with(node, "max_length", [&](auto v) {
    if (auto n = r.integer(v, "max_length", 0, INT64_MAX)) set("x-max-length", FieldValue(*n));
  });
  with(node, "max_length_bytes", [&](auto v) {
    if (auto n = r.integer(v, "max_length_bytes", 0, INT64_MAX)) set("x-max-length-bytes", FieldValue(*n));
  });
  with(node, "overflow", [&](auto v) { set("x-overflow", FieldValue(r.string(v, "overflow").value_or(""))); });
  with(node, "dead_letter_exchange",
       [&](auto v) { set("x-dead-letter-exchange", FieldValue(r.string(v, "dead_letter_exchange").value_or(""))); });
  with(node, "dead_letter_routing_key", [&](auto v) {
    set("x-dead-letter-routing-key", FieldValue(r.string(v, "dead_letter_routing_key").value_or("")));
  });
  with(node, "max_priority", [&](auto v) {
    if (auto n = r.integer(v, "max_priority", 0, 255)) set("x-max-priority", FieldValue(*n));
  });
  with(node, "single_active_consumer", [&](auto v) {
    if (auto b = r.boolean(v, "single_active_consumer")) set("x-single-active-consumer", FieldValue(*b));
  });
  with(node, "delivery_limit", [&](auto v) {
    if (auto n = r.integer(v, "delivery_limit", 0, INT32_MAX)) set("x-delivery-limit", FieldValue(*n));
  });
  s.queues.push_back(std::move(q));
}

void read_binding(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.mapping(node, "a binding", {"exchange", "queue", "to_exchange", "key", "arguments"})) return;
  BindingSpec b;
  b.at = position_of(node);
  if (!node["exchange"]) r.error(node, "a binding needs the exchange it binds from");
  with(node, "exchange", [&](auto v) { b.exchange = r.string(v, "exchange").value_or(""); });
  const bool to_queue = node["queue"].IsDefined(), to_exchange = node["to_exchange"].IsDefined();
  if (to_queue == to_exchange) r.error(node, "a binding needs exactly one of 'queue' or 'to_exchange'");
  with(node, "queue", [&](auto v) { b.destination = r.string(v, "queue").value_or(""); });
  with(node, "to_exchange", [&](auto v) {
    b.destination = r.string(v, "to_exchange").value_or("");
    b.to_exchange = true;
  });
  with(node, "key", [&](auto v) { b.key = r.string(v, "key").value_or(""); });
  with(node, "arguments", [&](auto v) { b.arguments = r.field_table(v); });
  s.bindings.push_back(std::move(b));
}

MessageTemplate read_message(Reader& r, const YAML::Node& node) {
  MessageTemplate m;
  if (!r.mapping(node, "a message", {"weight", "label", "routing_key", "headers", "properties", "body"})) return m;
  with(node, "label", [&](auto v) { m.label = r.string(v, "label").value_or(""); });
  with(node, "weight", [&](auto v) { m.weight = static_cast<std::uint64_t>(r.integer(v, "weight", 1, 1'000'000).value_or(1)); });
  with(node, "routing_key", [&](auto v) {
    m.routing_key = r.string(v, "routing_key").value_or("");
    if (m.routing_key.size() > 255) r.error(v, "a routing key is at most 255 bytes");
  });
  with(node, "headers", [&](auto v) { m.properties.headers = r.field_table(v); });
  with(node, "body", [&](auto v) { m.body = r.string(v, "body").value_or(""); });
  with(node, "properties", [&](auto p) {
    if (!r.mapping(p, "message properties",
                   {"persistent", "priority", "expiration", "content_type", "content_encoding", "type", "correlation_id",
                    "message_id", "reply_to", "app_id", "timestamp"})) {
      return;
    }
    with(p, "persistent", [&](auto v) {
      if (r.boolean(v, "persistent").value_or(false)) m.properties.delivery_mode = 2;
    });
    with(p, "priority", [&](auto v) {
      if (auto n = r.integer(v, "priority", 0, 255)) m.properties.priority = static_cast<std::uint8_t>(*n);
    });
    with(p, "expiration", [&](auto v) {
      // AMQP's own form is a string of milliseconds ("2000"); a duration (2s) is friendlier.
      const std::string text = v.IsScalar() ? v.Scalar() : "";
      if (!text.empty() && text.size() <= 10 && text.find_first_not_of("0123456789") == std::string::npos) {
        m.properties.expiration = text;
      } else if (auto d = r.duration(v, "expiration")) {
        m.properties.expiration = std::to_string(*d / sim::kMicrosPerMilli);
      }
    });
    with(p, "content_type", [&](auto v) { m.properties.content_type = r.string(v, "content_type"); });
    with(p, "type", [&](auto v) { m.properties.type = r.string(v, "type"); });
    with(p, "correlation_id", [&](auto v) { m.properties.correlation_id = r.string(v, "correlation_id"); });
    with(p, "message_id", [&](auto v) { m.properties.message_id = r.string(v, "message_id"); });
    with(p, "reply_to", [&](auto v) { m.properties.reply_to = r.string(v, "reply_to"); });
    with(p, "app_id", [&](auto v) { m.properties.app_id = r.string(v, "app_id"); });
    with(p, "content_encoding", [&](auto v) { m.properties.content_encoding = r.string(v, "content_encoding"); });
    with(p, "timestamp", [&](auto v) {  // AMQP's: seconds since the Unix epoch
      if (auto n = r.integer(v, "timestamp (seconds since 1970)", 0, INT64_MAX)) m.properties.timestamp = static_cast<std::uint64_t>(*n);
    });
  });
  return m;
}

Distribution read_distribution(Reader& r, const YAML::Node& node, std::string_view what) {
  Distribution d;
  if (node.IsScalar()) {  // a plain duration is a constant
    d.a_us = r.duration(node, what).value_or(0);
    return d;
  }
  if (!r.mapping(node, what, {"distribution", "value", "min", "max", "mean", "stddev"})) return d;
  const std::string kind = node["distribution"] ? r.string(node["distribution"], "distribution").value_or("") : "constant";
  auto dur = [&](const char* key) -> sim::TimeUs {
    if (!node[key]) {
      r.error(node, std::string(what) + " with distribution " + kind + " needs '" + key + "'");
      return 0;
    }
    return r.duration(node[key], key).value_or(0);
  };
  if (kind == "constant") {
    d.a_us = dur("value");
  } else if (kind == "uniform") {
    d.kind = Distribution::Kind::kUniform;
    d.a_us = dur("min");
    d.b_us = dur("max");
    if (d.b_us < d.a_us) r.error(node, "a uniform distribution needs min <= max");
  } else if (kind == "exponential") {
    d.kind = Distribution::Kind::kExponential;
    d.a_us = dur("mean");
  } else if (kind == "normal") {
    d.kind = Distribution::Kind::kNormal;
    d.a_us = dur("mean");
    d.b_us = dur("stddev");
  } else {
    r.error(node["distribution"], "unknown distribution '" + kind + "' (expected constant, uniform, exponential or normal)");
  }
  return d;
}

// A producer, or (`nested`) the publishing side of a consumer, which has the consumer's name.
// confirms: true (or async), each, {batch: N}, or false.
void read_confirms(Reader& r, const YAML::Node& v, ProducerSpec& p) {
  using Wait = ProducerSpec::ConfirmWait;
  if (v.IsMap()) {
    if (!r.mapping(v, "confirms", {"batch"}) || !v["batch"]) return r.error(v, "confirms as a mapping is {batch: N}");
    p.confirms = true;
    p.confirm_wait = Wait::kBatch;
    p.confirm_batch = static_cast<std::uint32_t>(r.integer(v["batch"], "batch", 1, 100'000).value_or(1));
    return;
  }
  const std::string mode = v.IsScalar() ? v.Scalar() : "";
  p.confirms = mode != "false";
  if (mode == "each") {
    p.confirm_wait = Wait::kEach;
  } else if (mode != "true" && mode != "async" && mode != "false") {
    r.error(v, "confirms must be true (async), each, {batch: N} or false");
  }
}

void read_producer(Reader& r, const YAML::Node& node, Scenario& s, bool nested = false) {
  const bool ok = nested ? r.mapping(node, "publish", {"exchange", "rate", "arrivals", "schedule", "count", "start",
                                                       "offset", "stop", "mandatory", "confirms", "messages"})
                         : r.mapping(node, "a producer", {"name", "exchange", "rate", "arrivals", "schedule", "count",
                                                          "start", "offset", "stop", "mandatory", "confirms", "messages"});
  if (!ok) return;
  ProducerSpec p;
  p.at = position_of(node);
  if (!nested && !node["name"]) r.error(node, "a producer needs a name");
  with(node, "name", [&](auto v) { p.name = r.string(v, "name").value_or(""); });
  with(node, "exchange", [&](auto v) { p.exchange = r.string(v, "exchange").value_or(""); });
  with(node, "rate", [&](auto v) { p.rate_per_second = r.rate(v, "rate").value_or(0); });
  with(node, "arrivals", [&](auto v) {
    const std::string a = r.string(v, "arrivals").value_or("");
    if (a == "poisson") {
      p.arrivals = ProducerSpec::Arrivals::kPoisson;
    } else if (a != "constant") {
      r.error(v, "arrivals must be constant or poisson");
    }
  });
  with(node, "schedule", [&](auto v) {
    if (!r.sequence(v, "schedule")) return;
    for (const auto& t : v) p.schedule.push_back(r.duration(t, "a schedule entry").value_or(0));
  });
  with(node, "count", [&](auto v) {
    if (auto n = r.integer(v, "count", 0, 100'000'000)) p.count = static_cast<std::uint64_t>(*n);
  });
  with(node, "start", [&](auto v) { p.start_us = r.duration(v, "start").value_or(0); });
  with(node, "offset", [&](auto v) { p.offset_us = r.duration(v, "offset"); });
  with(node, "stop", [&](auto v) { p.stop_us = r.duration(v, "stop").value_or(p.stop_us); });
  with(node, "mandatory", [&](auto v) { p.mandatory = r.boolean(v, "mandatory").value_or(false); });
  with(node, "confirms", [&](auto v) { read_confirms(r, v, p); });
  if (!node["rate"] && !node["schedule"]) r.error(node, "a producer needs a 'rate' or a 'schedule'");
  if (node["offset"] && !node["rate"]) r.error(node["offset"], "offset sets when the first of a 'rate' of publishes goes");
  if (node["rate"] && node["rate"].IsScalar() && parse_rate(node["rate"].Scalar()) && p.rate_per_second <= 0) {
    r.error(node["rate"], "rate must be above zero");
  }
  with(node, "messages", [&](auto v) {
    if (!r.sequence(v, "messages")) return;
    for (const auto& m : v) p.messages.push_back(read_message(r, m));
  });
  if (p.messages.empty()) r.error(node, "a producer needs at least one entry in 'messages'");
  s.producers.push_back(std::move(p));
}

Outcome read_outcome(Reader& r, const YAML::Node& node) {
  const std::string o = r.string(node, "outcome").value_or("");
  if (o == "ack") return Outcome::kAck;
  if (o == "nack_requeue") return Outcome::kNackRequeue;
  if (o == "nack") return Outcome::kNack;
  if (o == "reject") return Outcome::kReject;
  r.error(node, "outcome must be ack, nack_requeue, nack or reject");
  return Outcome::kAck;
}

FollowUp read_follow_up(Reader& r, const YAML::Node& node) {
  FollowUp f;
  if (!node.IsMap()) {
    r.error(node, "a follow-up message must be a mapping");
    return f;
  }
  YAML::Node message(YAML::NodeType::Map);
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    if (key == "exchange") {
      f.exchange = r.string(entry.second, "exchange").value_or("");
    } else {
      message[key] = entry.second;
    }
  }
  f.message = read_message(r, message);
  return f;
}

// `queue:` is a name, or the queue the consumer declares itself: {name, exclusive, ..., bind}.
void read_consumer_queue(Reader& r, const YAML::Node& node, ConsumerSpec& c) {
  if (node.IsScalar()) {
    c.queue = node.Scalar();
    return;
  }
  if (!node.IsMap()) {
    r.error(node, "queue must be a queue's name, or the queue this consumer declares: {name: \"\", exclusive: true, bind: [...]}");
    return;
  }
  YAML::Node queue(YAML::NodeType::Map);
  queue["name"] = "";
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    if (key != "bind") queue[key] = entry.second;
  }
  Scenario scratch;
  read_queue(r, queue, scratch);
  if (scratch.queues.empty()) return;
  c.own_queue = std::move(scratch.queues.front());
  c.own_queue->at = position_of(node);
  c.queue = c.own_queue->name;
  with(node, "bind", [&](auto list) {
    if (!r.sequence(list, "bind")) return;
    for (const auto& b : list) {
      if (!r.mapping(b, "a binding of the consumer's queue", {"exchange", "key", "arguments"})) continue;
      BindingSpec binding;
      binding.at = position_of(b);
      if (!b["exchange"]) r.error(b, "a binding needs the exchange it binds from");
      with(b, "exchange", [&](auto v) { binding.exchange = r.string(v, "exchange").value_or(""); });
      with(b, "key", [&](auto v) { binding.key = r.string(v, "key").value_or(""); });
      with(b, "arguments", [&](auto v) { binding.arguments = r.field_table(v); });
      binding.destination = c.queue;
      c.own_bindings.push_back(std::move(binding));
    }
  });
}

void read_outcomes(Reader& r, const YAML::Node& v, ConsumerSpec& c) {
  if (!r.mapping(v, "outcomes", {"ack", "nack_requeue", "nack", "reject"})) return;
  double ack = 0, nack_requeue = 0, nack = 0, reject = 0;
  with(v, "ack", [&](auto p) { ack = r.probability(p, "ack").value_or(0); });
  with(v, "nack_requeue", [&](auto p) { nack_requeue = r.probability(p, "nack_requeue").value_or(0); });
  with(v, "nack", [&](auto p) { nack = r.probability(p, "nack").value_or(0); });
  with(v, "reject", [&](auto p) { reject = r.probability(p, "reject").value_or(0); });
  const double total = ack + nack_requeue + nack + reject;
  if (total < 0.999 || total > 1.001) {
    r.error(v, "outcome probabilities must add up to 1 (they add up to " + std::to_string(total) + ")");
  }
  c.ack_ppm = static_cast<std::uint64_t>(ack * 1e6 + 0.5);
  c.nack_requeue_ppm = static_cast<std::uint64_t>(nack_requeue * 1e6 + 0.5);
  c.nack_ppm = static_cast<std::uint64_t>(nack * 1e6 + 0.5);
  c.reject_ppm = static_cast<std::uint64_t>(reject * 1e6 + 0.5);
}

void read_rules(Reader& r, const YAML::Node& v, ConsumerSpec& c) {
  if (!r.sequence(v, "rules")) return;
  for (const auto& rule : v) {
    if (!r.mapping(rule, "a rule", {"when_header", "equals", "outcome"})) continue;
    ConsumerSpec::Rule parsed;
    if (!rule["when_header"] || !rule["outcome"]) {
      r.error(rule, "a rule needs 'when_header' and 'outcome'");
      continue;
    }
    parsed.header = r.string(rule["when_header"], "when_header").value_or("");
    with(rule, "equals", [&](auto e) { parsed.equals = r.field_value(e); });
    parsed.outcome = read_outcome(r, rule["outcome"]);
    c.rules.push_back(std::move(parsed));
  }
}

// What a service does besides consuming: follow-ups, retries, parking and RPC replies.
void read_service_parts(Reader& r, const YAML::Node& node, ConsumerSpec& c) {
  with(node, "on_ack", [&](auto v) {
    if (!r.sequence(v, "on_ack")) return;
    for (const auto& f : v) c.on_ack.push_back(read_follow_up(r, f));
  });
  with(node, "max_retries", [&](auto v) {
    if (auto n = r.integer(v, "max_retries", 0, 1000)) c.max_retries = static_cast<std::uint32_t>(*n);
  });
  with(node, "park", [&](auto v) { c.park = read_follow_up(r, v); });
  with(node, "retry", [&](auto v) { c.retry = read_follow_up(r, v); });
  if (c.retry && !c.max_retries) r.error(node, "retry needs max_retries");
  with(node, "reply", [&](auto v) { c.reply = r.boolean(v, "reply").value_or(false); });
  if (c.max_retries && !c.park) r.error(node, "max_retries needs 'park': where a message goes after its last retry");
}

void read_consumer(Reader& r, const YAML::Node& node, Scenario& s, bool service) {
  const bool ok = service ? r.mapping(node, "a service", {"name", "queue", "prefetch", "ack", "concurrency", "processing",
                                                          "outcomes", "rules", "priority", "exclusive", "start", "stop",
                                                          "publish", "on_ack", "max_retries", "retry", "park", "reply",
                                                          "poll", "stream_offset"})
                          : r.mapping(node, "a consumer", {"name", "queue", "prefetch", "ack", "concurrency", "processing",
                                                           "outcomes", "rules", "priority", "exclusive", "start", "stop",
                                                           "publish", "poll", "stream_offset"});
  if (!ok) return;
  ConsumerSpec c;
  c.at = position_of(node);
  c.is_service = service;
  if (service) read_service_parts(r, node, c);
  if (!node["name"]) r.error(node, "a consumer needs a name");
  if (!node["queue"]) r.error(node, "a consumer needs a queue");
  with(node, "name", [&](auto v) { c.name = r.string(v, "name").value_or(""); });
  with(node, "queue", [&](auto v) { read_consumer_queue(r, v, c); });
  with(node, "prefetch", [&](auto v) { c.prefetch = static_cast<std::uint16_t>(r.integer(v, "prefetch", 0, 65535).value_or(0)); });
  with(node, "concurrency", [&](auto v) { c.concurrency = static_cast<std::uint16_t>(r.integer(v, "concurrency", 1, 1000).value_or(1)); });
  with(node, "ack", [&](auto v) {
    const std::string a = r.string(v, "ack").value_or("");
    if (a == "auto") {
      c.auto_ack = true;
    } else if (a != "manual") {
      r.error(v, "ack must be manual or auto");
    }
  });
  with(node, "processing", [&](auto v) { c.processing = read_distribution(r, v, "processing"); });
  with(node, "outcomes", [&](auto v) { read_outcomes(r, v, c); });
  with(node, "rules", [&](auto v) { read_rules(r, v, c); });
  with(node, "priority", [&](auto v) { c.priority = static_cast<std::int32_t>(r.integer(v, "priority", INT32_MIN, INT32_MAX).value_or(0)); });
  with(node, "exclusive", [&](auto v) { c.exclusive = r.boolean(v, "exclusive").value_or(false); });
  with(node, "start", [&](auto v) { c.start_us = r.duration(v, "start").value_or(0); });
  with(node, "stop", [&](auto v) { c.stop_us = r.duration(v, "stop"); });
  with(node, "poll", [&](auto v) {
    c.poll_us = r.duration(v, "poll");
    if (c.poll_us && *c.poll_us <= 0) r.error(v, "poll must be longer than 0s: how long the application sleeps when the queue is empty");
  });
  with(node, "stream_offset", [&](auto v) { c.stream_offset = r.field_value(v); });
  with(node, "publish", [&](auto v) {
    Scenario scratch;
    read_producer(r, v, scratch, /*nested=*/true);
    if (scratch.producers.empty()) return;
    c.publishes = std::move(scratch.producers.front());
    c.publishes->name = c.name;
  });
  s.consumers.push_back(std::move(c));
}

void read_rpc_client(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.mapping(node, "an rpc_client",
                 {"name", "exchange", "routing_key", "rate", "count", "reply_queue", "timeout", "retries", "expiration", "body",
                  "start", "stop"})) {
    return;
  }
  RpcClientSpec c;
  c.at = position_of(node);
  if (!node["name"] || !node["routing_key"]) r.error(node, "an rpc_client needs a name and a routing_key");
  with(node, "name", [&](auto v) { c.name = r.string(v, "name").value_or(""); });
  with(node, "exchange", [&](auto v) { c.exchange = r.string(v, "exchange").value_or(""); });
  with(node, "routing_key", [&](auto v) { c.routing_key = r.string(v, "routing_key").value_or(""); });
  with(node, "rate", [&](auto v) { c.rate_per_second = r.rate(v, "rate").value_or(1); });
  with(node, "count", [&](auto v) {
    if (auto n = r.integer(v, "count", 0, 100'000'000)) c.count = static_cast<std::uint64_t>(*n);
  });
  with(node, "reply_queue", [&](auto v) {
    const std::string mode = r.string(v, "reply_queue").value_or("");
    if (mode == "direct_reply_to") {
      c.direct_reply_to = true;
    } else if (mode != "exclusive") {
      r.error(v, "reply_queue must be exclusive (a server-named queue) or direct_reply_to");
    }
  });
  with(node, "timeout", [&](auto v) { c.timeout_us = r.duration(v, "timeout").value_or(c.timeout_us); });
  with(node, "retries", [&](auto v) { c.retries = static_cast<std::uint32_t>(r.integer(v, "retries", 0, 100).value_or(0)); });
  with(node, "expiration", [&](auto v) { c.expiration_us = r.duration(v, "expiration"); });
  with(node, "body", [&](auto v) { c.body = r.string(v, "body").value_or(""); });
  with(node, "start", [&](auto v) { c.start_us = r.duration(v, "start").value_or(0); });
  with(node, "stop", [&](auto v) { c.stop_us = r.duration(v, "stop").value_or(c.stop_us); });
  s.rpc_clients.push_back(std::move(c));
}

void read_actors(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.sequence(node, "actors")) return;
  for (const auto& actor : node) {
    if (!actor.IsMap() || actor.size() != 1) {
      r.error(actor, "each actor is a mapping with one key: producer or consumer");
      continue;
    }
    const auto entry = *actor.begin();
    const std::string kind = entry.first.IsScalar() ? entry.first.Scalar() : "";
    if (kind == "producer") {
      read_producer(r, entry.second, s);
    } else if (kind == "consumer") {
      read_consumer(r, entry.second, s, false);
    } else if (kind == "service") {
      read_consumer(r, entry.second, s, true);
    } else if (kind == "rpc_client") {
      read_rpc_client(r, entry.second, s);
    } else {
      r.error(entry.first, "unknown actor kind '" + kind + "' (expected producer, consumer, service or rpc_client)");
    }
  }
}

void read_timeline(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.sequence(node, "timeline")) return;
  for (const auto& item : node) {
    if (!r.mapping(item, "a timeline event",
                   {"at", "stop_consumer", "start_consumer", "crash_consumer", "set_rate", "rate", "publish",
                    "bind", "unbind", "purge_queue", "delete_queue", "restart_broker", "declare_queue",
                    "declare_exchange", "connect", "disconnect"})) {
      continue;
    }
    TimelineEvent e;
    e.at = position_of(item);
    if (!item["at"]) r.error(item, "a timeline event needs 'at'");
    with(item, "at", [&](auto v) { e.at_us = r.duration(v, "at").value_or(0); });
    int actions = 0;
    auto target = [&](const char* key, TimelineEvent::Kind kind) {
      with(item, key, [&](auto v) {
        ++actions;
        e.kind = kind;
        e.target = r.string(v, key).value_or("");
      });
    };
    target("stop_consumer", TimelineEvent::Kind::kStopConsumer);
    target("start_consumer", TimelineEvent::Kind::kStartConsumer);
    target("crash_consumer", TimelineEvent::Kind::kCrashConsumer);
    target("purge_queue", TimelineEvent::Kind::kPurgeQueue);
    target("delete_queue", TimelineEvent::Kind::kDeleteQueue);
    target("set_rate", TimelineEvent::Kind::kSetRate);
    target("connect", TimelineEvent::Kind::kConnect);
    target("disconnect", TimelineEvent::Kind::kDisconnect);
    if (e.kind == TimelineEvent::Kind::kSetRate && actions > 0) {
      if (!item["rate"]) {
        r.error(item, "set_rate needs 'rate'");
      } else {
        e.rate_per_second = r.rate(item["rate"], "rate").value_or(0);
      }
    }
    with(item, "restart_broker", [&](auto v) {
      ++actions;
      e.kind = TimelineEvent::Kind::kRestartBroker;
      if (!r.boolean(v, "restart_broker").value_or(false)) r.error(v, "restart_broker must be true");
    });
    with(item, "publish", [&](auto v) {
      ++actions;
      e.kind = TimelineEvent::Kind::kPublish;
      if (!r.mapping(v, "publish", {"exchange", "label", "routing_key", "headers", "properties", "body", "mandatory"})) return;
      e.exchange = v["exchange"] ? r.string(v["exchange"], "exchange").value_or("") : "";
      if (v["mandatory"]) e.mandatory = r.boolean(v["mandatory"], "mandatory").value_or(false);
      YAML::Node message(YAML::NodeType::Map);
      for (const char* key : {"label", "routing_key", "headers", "properties", "body"}) {
        if (v[key]) message[key] = v[key];
      }
      e.message = read_message(r, message);
    });
    with(item, "declare_queue", [&](auto v) {
      ++actions;
      e.kind = TimelineEvent::Kind::kDeclareQueue;
      Scenario scratch;
      read_queue(r, v, scratch);
      if (!scratch.queues.empty()) e.queue = std::move(scratch.queues.front());
    });
    with(item, "declare_exchange", [&](auto v) {
      ++actions;
      e.kind = TimelineEvent::Kind::kDeclareExchange;
      Scenario scratch;
      read_exchange(r, v, scratch);
      if (!scratch.exchanges.empty()) e.exchange_spec = std::move(scratch.exchanges.front());
    });
    for (const char* key : {"bind", "unbind"}) {
      with(item, key, [&](auto v) {
        ++actions;
        e.kind = std::string_view(key) == "bind" ? TimelineEvent::Kind::kBind : TimelineEvent::Kind::kUnbind;
        Scenario scratch;
        read_binding(r, v, scratch);
        if (!scratch.bindings.empty()) e.binding = scratch.bindings.front();
      });
    }
    if (actions != 1) r.error(item, "a timeline event needs exactly one action besides 'at'");
    s.timeline.push_back(std::move(e));
  }
}

// Per-name counts: {queues|consumers|exchanges: {name: {metric: value}}}, taken at `at_us`.
void read_counts(Reader& r, const YAML::Node& node, Scenario& s, std::optional<sim::TimeUs> at_us) {
  auto per = [&](const char* key, Expectation::Subject subject, std::span<const std::string_view> metrics) {
    with(node, key, [&](auto group) {
      if (!group.IsMap()) {
        r.error(group, std::string("expect.") + key + " must map names to expected counts");
        return;
      }
      for (const auto& entry : group) {
        const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "";
        if (!r.mapping(entry.second, std::string("the expectations for '") + name + "'", metrics)) continue;
        for (const auto& m : entry.second) {
          const std::string metric = m.first.Scalar();
          if (auto n = r.integer(m.second, metric, 0, INT64_MAX)) {
            s.expectations.push_back({subject, name, metric, *n, at_us, position_of(m.second)});
          }
        }
      }
    });
  };
  per("queues", Expectation::Subject::kQueue, queue_metrics());
  per("consumers", Expectation::Subject::kConsumer, consumer_metrics());
  per("exchanges", Expectation::Subject::kExchange, exchange_metrics());
}

void read_expected_errors(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.sequence(node, "errors")) return;
  for (const auto& item : node) {
    if (!r.mapping(item, "an expected error", {"code", "at", "actor"})) continue;
    ExpectedError e;
    e.at = position_of(item);
    if (!item["code"]) r.error(item, "an expected error needs its reply 'code', such as 404 or 405");
    with(item, "code", [&](auto v) { e.code = static_cast<std::uint16_t>(r.integer(v, "code", 300, 599).value_or(0)); });
    with(item, "at", [&](auto v) { e.at_us = r.duration(v, "at"); });
    with(item, "actor", [&](auto v) { e.actor = r.string(v, "actor").value_or(""); });
    s.expected_errors.push_back(std::move(e));
  }
}

void read_expectations(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.mapping(node, "expect", {"nothing_lost", "published", "unroutable", "queues", "consumers", "exchanges",
                                  "snapshots", "errors"})) {
    return;
  }
  with(node, "nothing_lost", [&](auto v) {
    s.expectations.push_back({Expectation::Subject::kBroker, "", "nothing_lost",
                              r.boolean(v, "nothing_lost").value_or(true) ? 1 : 0, std::nullopt, position_of(v)});
  });
  for (const char* metric : {"published", "unroutable"}) {
    with(node, metric, [&](auto v) {
      s.expectations.push_back({Expectation::Subject::kBroker, "", metric, r.integer(v, metric, 0, INT64_MAX).value_or(0),
                                std::nullopt, position_of(v)});
    });
  }
  read_counts(r, node, s, std::nullopt);
  with(node, "snapshots", [&](auto list) {
    if (!r.sequence(list, "snapshots")) return;
    for (const auto& snapshot : list) {
      if (!r.mapping(snapshot, "a snapshot", {"at", "queues", "consumers", "exchanges"})) continue;
      if (!snapshot["at"]) r.error(snapshot, "a snapshot needs 'at': the time its values hold");
      const auto at_us = snapshot["at"] ? r.duration(snapshot["at"], "at") : std::nullopt;
      if (at_us) read_counts(r, snapshot, s, at_us);
    }
  });
  with(node, "errors", [&](auto v) { read_expected_errors(r, v, s); });
}

// Every name a scenario declares, wherever it declares it.
struct Names {
  std::set<std::string> queues, exchanges = {"", "amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match"};
  std::set<std::string> consumers, producers;  // consumers also holds RPC clients
  bool is_actor(const std::string& name) const { return consumers.count(name) || producers.count(name); }
};

Names collect_names(Reader& r, const Scenario& s) {
  Names n;
  for (const auto& x : s.exchanges) n.exchanges.insert(x.name);
  for (const auto& q : s.queues) n.queues.insert(q.name);
  for (const auto& c : s.consumers) {
    if (!n.consumers.insert(c.name).second) r.error(c.at, "a second actor named '" + c.name + "'");
    if (c.own_queue && !c.own_queue->name.empty()) n.queues.insert(c.own_queue->name);
  }
  for (const auto& c : s.rpc_clients) {
    if (!n.consumers.insert(c.name).second) r.error(c.at, "a second actor named '" + c.name + "'");
  }
  for (const auto& p : s.producers) {
    if (!n.producers.insert(p.name).second || n.consumers.count(p.name)) r.error(p.at, "a second actor named '" + p.name + "'");
  }
  for (const auto& e : s.timeline) {
    if (e.kind == TimelineEvent::Kind::kDeclareQueue) n.queues.insert(e.queue.name);
    if (e.kind == TimelineEvent::Kind::kDeclareExchange) n.exchanges.insert(e.exchange_spec.name);
  }
  return n;
}

// Where a consumer reads from must be a queue it can have: declared, and not exclusive to the
// scenario's own topology connection.
void check_consumer_queue(Reader& r, const Scenario& s, const Names& n, const ConsumerSpec& c) {
  if (c.own_queue) {
    for (const auto& b : c.own_bindings) {
      if (!n.exchanges.count(b.exchange)) r.error(b.at, "no exchange named '" + b.exchange + "'");
    }
    return;
  }
  if (c.queue.empty()) {
    r.error(c.at, "consumer '" + c.name + "' reads queue '', which only names a queue on the connection that "
                  "declared it; let the consumer declare its own: queue: {name: \"\", exclusive: true, bind: [...]}");
    return;
  }
  if (!n.queues.count(c.queue)) {
    r.error(c.at, "consumer '" + c.name + "' reads queue '" + c.queue + "', which is not declared");
    return;
  }
  for (const auto& q : s.queues) {
    if (q.name == c.queue && q.exclusive) {
      r.error(c.at, "queue '" + c.queue + "' is exclusive to the connection that declares it (the scenario's topology), "
                    "so consumer '" + c.name + "' would get 405 RESOURCE_LOCKED; declare it in the consumer instead: "
                    "queue: {name: " + c.queue + ", exclusive: true}");
    }
  }
}

void check_actors(Reader& r, const Scenario& s, const Names& n) {
  auto exchange = [&](const std::string& who, const std::string& how, const std::string& x, Position at) {
    if (!n.exchanges.count(x)) r.error(at, who + " " + how + " exchange '" + x + "', which is not declared");
  };
  for (const auto& c : s.consumers) {
    check_consumer_queue(r, s, n, c);
    for (const auto& f : c.on_ack) exchange("service '" + c.name + "'", "publishes to", f.exchange, c.at);
    if (c.retry) exchange("service '" + c.name + "'", "retries through", c.retry->exchange, c.at);
    if (c.park) exchange("service '" + c.name + "'", "parks messages in", c.park->exchange, c.at);
    if (c.publishes) exchange("consumer '" + c.name + "'", "publishes to", c.publishes->exchange, c.publishes->at);
  }
  for (const auto& c : s.rpc_clients) exchange("rpc_client '" + c.name + "'", "publishes to", c.exchange, c.at);
  for (const auto& p : s.producers) exchange("producer '" + p.name + "'", "publishes to", p.exchange, p.at);
}

void check_timeline(Reader& r, const Scenario& s, const Names& n) {
  using K = TimelineEvent::Kind;
  for (const auto& e : s.timeline) {
    if ((e.kind == K::kStopConsumer || e.kind == K::kStartConsumer || e.kind == K::kCrashConsumer) &&
        !n.consumers.count(e.target)) {
      r.error(e.at, "no consumer named '" + e.target + "'");
    }
    if ((e.kind == K::kConnect || e.kind == K::kDisconnect) && !n.is_actor(e.target)) {
      r.error(e.at, "no actor named '" + e.target + "'");
    }
    if (e.kind == K::kSetRate && !n.producers.count(e.target)) r.error(e.at, "no producer named '" + e.target + "'");
    if ((e.kind == K::kPurgeQueue || e.kind == K::kDeleteQueue) && !n.queues.count(e.target)) {
      r.error(e.at, "no queue named '" + e.target + "'");
    }
    if (e.kind == K::kPublish && !n.exchanges.count(e.exchange)) r.error(e.at, "no exchange named '" + e.exchange + "'");
    if (e.at_us > s.duration_us) r.error(e.at, "this event is after the end of the scenario");
  }
}

void check_question(Reader& r, const Scenario& s, const Names& n, const Question& q) {
  if (q.kind == Question::Kind::kRoute && !n.exchanges.count(q.exchange)) {
    r.error(q.at, "the route question publishes to exchange '" + q.exchange + "', which is never declared");
  }
  if (q.kind == Question::Kind::kCount && !n.queues.count(q.queue)) {
    r.error(q.at, "the count question asks about queue '" + q.queue + "', which is never declared");
  }
  if (q.kind == Question::Kind::kFate && !q.fate_queue.empty() && !n.queues.count(q.fate_queue)) {
    r.error(q.at, "the fate question asks about queue '" + q.fate_queue + "', which is never declared");
  }
  if (q.kind == Question::Kind::kCount && q.count_at_us > s.duration_us) {
    r.error(q.at, "the count question asks about a time after the end of the scenario");
  }
}

void check_expect_and_lesson(Reader& r, const Scenario& s, const Names& n) {
  for (const auto& x : s.expectations) {
    if (x.subject == Expectation::Subject::kQueue && !n.queues.count(x.name)) r.error(x.at, "no queue named '" + x.name + "'");
    if (x.subject == Expectation::Subject::kConsumer && !n.is_actor(x.name)) {
      r.error(x.at, "no actor named '" + x.name + "'");
    }
    if (x.subject == Expectation::Subject::kExchange && !n.exchanges.count(x.name)) {
      r.error(x.at, "no exchange named '" + x.name + "'");
    }
    if (x.at_us && *x.at_us > s.duration_us) r.error(x.at, "this snapshot is after the end of the scenario");
  }
  for (const auto& e : s.expected_errors) {
    if (!e.actor.empty() && e.actor != "timeline" && !n.is_actor(e.actor)) r.error(e.at, "no actor named '" + e.actor + "'");
  }
  for (const auto& step : s.lesson) {
    if (!step.when && step.at_us > s.duration_us) r.error(step.at, "this step is after the end of the scenario, so it never shows");
    if (step.ask) check_question(r, s, n, *step.ask);
    if (!step.when) continue;
    const auto& w = *step.when;
    if (!w.queue.empty() && !n.queues.count(w.queue)) r.error(step.at, "'when' names queue '" + w.queue + "', which is never declared");
    if (!w.exchange.empty() && !n.exchanges.count(w.exchange)) {
      r.error(step.at, "'when' names exchange '" + w.exchange + "', which is never declared");
    }
    if (!w.consumer.empty() && !n.is_actor(w.consumer)) r.error(step.at, "'when' names consumer '" + w.consumer + "', which no actor is");
  }
}

// A refusal, with what an author should do about it where RabbitMQ's text does not say.
std::string with_hint(const broker::Error& e) {
  if (e.text.find("invalid property 'non-durable'") != std::string::npos) {
    return e.text + " (quorum queues and streams must be durable: add durable: true)";
  }
  return e.text;
}

// RabbitMQ's rules give the errors, at the right line. A NOT_FOUND that follows from an
// earlier failed declaration says which one.
void declare_on_scratch(Reader& r, const Scenario& s) {
  std::vector<std::pair<std::string, Position>> failed;  // names whose declaration failed
  declare_on_scratch_broker(s, [&](Position at, const broker::Error& e) {
    std::string text = with_hint(e);
    for (const auto& [name, where] : failed) {
      if (e.code == broker::ReplyCode::kNotFound && e.text.find("'" + name + "'") != std::string::npos) {
        text += " (because its declaration at line " + std::to_string(where.line) + " failed)";
      }
    }
    for (const auto& q : s.queues) {
      if (q.at.line == at.line && q.at.column == at.column) failed.emplace_back(q.name, at);
    }
    for (const auto& x : s.exchanges) {
      if (x.at.line == at.line && x.at.column == at.column) failed.emplace_back(x.name, at);
    }
    r.error(at, text);
  });
}

// Names used must exist; the broker's own rules judge the topology.
void check_references(Reader& r, Scenario& s) {
  const Names names = collect_names(r, s);
  check_actors(r, s, names);
  check_timeline(r, s, names);
  check_expect_and_lesson(r, s, names);
  declare_on_scratch(r, s);
}

}  // namespace

namespace {

void read_broker(Reader& r, const YAML::Node& b, Scenario& s) {
  if (!r.mapping(b, "broker", {"exchanges", "queues", "bindings"})) return;
  with(b, "exchanges", [&](auto v) {
    if (r.sequence(v, "exchanges"))
      for (const auto& x : v) read_exchange(r, x, s);
  });
  with(b, "queues", [&](auto v) {
    if (r.sequence(v, "queues"))
      for (const auto& q : v) read_queue(r, q, s);
  });
  with(b, "bindings", [&](auto v) {
    if (r.sequence(v, "bindings"))
      for (const auto& x : v) read_binding(r, x, s);
  });
}

// The sections a solution may replace, and the exercise's own keys.
constexpr std::string_view kSolutionSections[] = {"broker", "actors", "timeline", "latency", "duration", "seed"};

void read_exercise(Reader& r, const YAML::Node& node, Scenario& s);

void read_verify(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.mapping(node, "verify", {"speed", "timing"})) return;
  with(node, "speed", [&](auto v) {
    s.verify.speed = r.positive_number(v, "speed (2 plays the scenario twice as fast)");
  });
  with(node, "timing", [&](auto v) {
    if (!r.sequence(v, "timing")) return;
    for (const auto& t : v) {
      if (!r.mapping(t, "a timing-dependent quantity", {"quantity", "within", "why"})) continue;
      if (!t["quantity"] || !t["why"]) r.error(t, "a timing-dependent quantity needs 'quantity' and 'why'");
      VerifySpec::Timing timing;
      timing.at = position_of(t);
      with(t, "quantity", [&](auto q) { timing.quantity = r.string(q, "quantity").value_or(""); });
      with(t, "within", [&](auto w) { timing.within = r.integer(w, "within", 0, INT64_MAX).value_or(0); });
      with(t, "why", [&](auto w) { timing.why = r.string(w, "why").value_or(""); });
      s.verify.timing.push_back(std::move(timing));
    }
  });
}

void read_root(Reader& r, const YAML::Node& root, Scenario& s) {
  // `layout` holds node positions for the GUI; the engine has no use for it.
  r.mapping(root, "the scenario",
            {"name", "description", "seed", "duration", "broker", "latency", "actors", "timeline", "expect", "lesson",
             "exercise", "layout", "verify"});
  if (!root["name"]) r.error(Position{1, 1}, "a scenario needs a 'name'");
  with(root, "name", [&](auto v) { s.name = r.string(v, "name").value_or(""); });
  with(root, "description", [&](auto v) { s.description = r.string(v, "description").value_or(""); });
  with(root, "seed", [&](auto v) { s.seed = static_cast<std::uint64_t>(r.integer(v, "seed", 0, INT64_MAX).value_or(1)); });
  with(root, "duration", [&](auto v) {
    s.duration_us = r.duration(v, "duration").value_or(s.duration_us);
    if (s.duration_us > r.limits().max_duration_us) r.error(v, "duration is longer than 24 hours");
  });
  with(root, "broker", [&](auto b) { read_broker(r, b, s); });
  with(root, "latency", [&](auto v) { s.latency = read_distribution(r, v, "latency"); });
  with(root, "actors", [&](auto v) { read_actors(r, v, s); });
  with(root, "timeline", [&](auto v) { read_timeline(r, v, s); });
  with(root, "expect", [&](auto v) {
    if (root["exercise"]) r.error(v, "an exercise keeps its expectations hidden: put them under exercise: checks:");
    read_expectations(r, v, s);
  });
  with(root, "lesson", [&](auto v) { read_lesson(r, v, s); });
  with(root, "exercise", [&](auto v) { read_exercise(r, v, s); });
  with(root, "verify", [&](auto v) { read_verify(r, v, s); });
}

// One check: an expect block and the hint shown when any of it fails.
void read_exercise_check(Reader& r, const YAML::Node& check, Scenario& s) {
  if (!r.mapping(check, "a check", {"expect", "hint"})) return;
  if (!check["expect"] || !check["hint"]) r.error(check, "a check needs 'expect' and 'hint'");
  const std::size_t first = s.expectations.size();
  with(check, "expect", [&](auto v) { read_expectations(r, v, s); });
  const std::string hint = check["hint"] ? r.string(check["hint"], "hint").value_or("") : "";
  for (std::size_t i = first; i < s.expectations.size(); ++i) s.expectations[i].hint = hint;
}

void read_exercise(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.mapping(node, "exercise", {"goal", "hints", "checks", "solution"})) return;
  Exercise x;
  x.at = position_of(node);
  if (!node["goal"] || !node["checks"] || !node["solution"]) r.error(node, "an exercise needs 'goal', 'checks' and 'solution'");
  with(node, "goal", [&](auto v) { x.goal = r.string(v, "goal").value_or(""); });
  with(node, "hints", [&](auto v) {
    if (r.sequence(v, "hints"))
      for (const auto& h : v) x.hints.push_back(r.string(h, "a hint").value_or(""));
  });
  with(node, "checks", [&](auto v) {
    if (r.sequence(v, "checks"))
      for (const auto& c : v) read_exercise_check(r, c, s);
  });
  with(node, "solution", [&](auto v) {
    r.mapping(v, "solution", std::span<const std::string_view>(kSolutionSections));
  });
  s.exercise = std::move(x);
}

// The exercise's solution: the same file with the solution's sections in place of the start's,
// read as a scenario of its own (so its errors point into the solution), with the same checks.
void load_solution(Reader& r, const YAML::Node& root, Scenario& start) {
  YAML::Node merged(YAML::NodeType::Map);
  for (const auto& entry : root) {
    if (entry.first.Scalar() != "exercise") merged[entry.first.Scalar()] = entry.second;
  }
  for (const auto& entry : root["exercise"]["solution"]) merged[entry.first.Scalar()] = entry.second;
  auto solution = std::make_shared<Scenario>();
  solution->file = start.file;
  read_root(r, merged, *solution);
  solution->expectations = start.expectations;
  solution->expected_errors = start.expected_errors;
  check_references(r, *solution);
  start.exercise->solution = std::move(solution);
}

}  // namespace

LoadResult load_scenario_text(const std::string& text, const std::string& file_name, const ScenarioLimits& limits) {
  LoadResult result;
  result.scenario.file = file_name;
  Reader r(file_name, limits, result.errors);
  if (text.size() > limits.max_file_bytes) {
    r.error(Position{1, 1}, "the file is " + std::to_string(text.size()) + " bytes; scenarios are limited to " +
                                std::to_string(limits.max_file_bytes));
    return result;
  }
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) {
      r.error(root.IsDefined() && !root.IsNull() ? position_of(root) : Position{1, 1},
              "a scenario must be a mapping with name, broker, actors, ...");
      return result;
    }
    read_root(r, root, result.scenario);
    if (result.errors.empty()) check_references(r, result.scenario);
    if (result.errors.empty() && result.scenario.exercise) load_solution(r, root, result.scenario);
  } catch (const YAML::Exception& e) {
    r.error(Position{e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1}, yaml_hint(e.msg));
  } catch (const std::exception& e) {
    r.error(Position{1, 1}, std::string("cannot read the scenario: ") + e.what());
  }
  return result;
}

LoadResult load_scenario_file(const std::string& path, const ScenarioLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back({path, {1, 1}, "cannot open the file"});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_scenario_text(text.str(), path, limits);
}

}  // namespace brokersim::scenario
