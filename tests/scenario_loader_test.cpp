// The scenario loader: good files load; bad ones get "file:line:col: message" for every
// problem; no input, however broken or hostile, crashes or hangs it.
#include <doctest/doctest.h>

#include <string>

#include "scenario/lesson.h"
#include "scenario/loader.h"
#include "scenario/units.h"
#include "sim/rng.h"

using namespace brokersim::scenario;

namespace {

std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& e : load_scenario_text(yaml, "s.yaml").errors) out.push_back(e.to_string());
  return out;
}

bool has(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors)
    if (e == text) return true;
  return false;
}

const char* kGood = R"(name: ok
duration: 10s
broker:
  exchanges:
    - {name: logs, type: topic}
  queues:
    - {name: errors, message_ttl: 30s, max_length: 1000}
  bindings:
    - {exchange: logs, queue: errors, key: "*.error"}
actors:
  - producer:
      name: app
      exchange: logs
      rate: 5/s
      messages:
        - {routing_key: api.error, body: "e ${seq}"}
  - consumer: {name: reader, queue: errors, prefetch: 10}
)";

}  // namespace

TEST_CASE("units: durations and rates as scenarios write them") {
  CHECK(parse_duration("150ms") == 150'000);
  CHECK(parse_duration("30s") == 30'000'000);
  CHECK(parse_duration("2m") == 120'000'000);
  CHECK(parse_duration("1.5s") == 1'500'000);
  CHECK_FALSE(parse_duration("30").has_value());
  CHECK_FALSE(parse_duration("-1s").has_value());
  CHECK_FALSE(parse_duration("s").has_value());
  CHECK(parse_rate("5/s") == 5.0);
  CHECK(parse_rate("300/m") == 5.0);
  CHECK_FALSE(parse_rate("5").has_value());
  CHECK_FALSE(parse_rate("5/d").has_value());
}

TEST_CASE("loader: a good scenario loads, with aliases turned into RabbitMQ arguments") {
  auto r = load_scenario_text(kGood, "s.yaml");
  REQUIRE(r.ok());
  REQUIRE(r.scenario.queues.size() == 1);
  const auto& args = r.scenario.queues[0].arguments;
  CHECK(*brokersim::broker::find_field(args, "x-message-ttl")->as_integer() == 30000);
  CHECK(*brokersim::broker::find_field(args, "x-max-length")->as_integer() == 1000);
  CHECK(r.scenario.producers[0].rate_per_second == 5.0);
}

TEST_CASE("loader: unknown keys, wrong types and bad durations are reported with line and column") {
  const auto errors = errors_of(R"(name: bad
duration: soon
broker:
  queues:
    - name: q
      durabel: true
      max_length: lots
actors:
  - producer:
      name: p
      exchange: ""
      rate: fast
      messages: [{routing_key: q}]
)");
  CHECK(has(errors, "s.yaml:2:11: duration must be a duration such as 150ms, 30s or 2m"));
  CHECK(has(errors, "s.yaml:6:7: unknown key 'durabel' in a queue (expected one of: name, durable, exclusive, "
                    "auto_delete, arguments, type, message_ttl, expires, max_length, max_length_bytes, overflow, "
                    "dead_letter_exchange, dead_letter_routing_key, max_priority, single_active_consumer, "
                    "delivery_limit)"));
  CHECK(has(errors, "s.yaml:7:19: max_length must be a whole number"));
  CHECK(has(errors, "s.yaml:12:13: rate must be a rate such as 5/s or 300/m"));
  CHECK(errors.size() == 4);  // every error listed, not just the first
}

TEST_CASE("loader: references to undeclared exchanges, queues and actors are errors") {
  const auto errors = errors_of(R"(name: refs
broker:
  queues: [{name: q}]
actors:
  - producer: {name: p, exchange: nowhere, rate: 1/s, messages: [{routing_key: k}]}
  - consumer: {name: c, queue: missing}
timeline:
  - {at: 1s, stop_consumer: ghost}
)");
  CHECK(has(errors, "s.yaml:6:15: consumer 'c' reads queue 'missing', which is not declared"));
  CHECK(has(errors, "s.yaml:5:15: producer 'p' publishes to exchange 'nowhere', which is not declared"));
  CHECK(has(errors, "s.yaml:8:5: no consumer named 'ghost'"));
}

TEST_CASE("loader: impossible arguments get the broker's own error at the declaration's line") {
  const auto errors = errors_of(R"(name: args
broker:
  exchanges:
    - {name: amq.mine, type: direct}
  queues:
    - name: q
      max_priority: 300
    - name: r
      arguments: {x-overflow: bogus}
  bindings:
    - {exchange: amq.headers, queue: r, arguments: {x-match: some}}
)");
  CHECK(has(errors, "s.yaml:7:21: max_priority must be between 0 and 255, not 300"));
}

TEST_CASE("loader: the broker's rules catch reserved names, bad arguments and bad bindings") {
  const auto errors = errors_of(R"(name: args
broker:
  exchanges:
    - {name: amq.mine, type: direct}
  queues:
    - name: r
      arguments: {x-overflow: bogus}
    - name: s
  bindings:
    - {exchange: amq.headers, queue: s, arguments: {x-match: some}}
)");
  CHECK(has(errors, "s.yaml:4:7: ACCESS_REFUSED - exchange name 'amq.mine' contains reserved prefix 'amq.*'"));
  CHECK(has(errors, "s.yaml:6:7: PRECONDITION_FAILED - invalid arg 'x-overflow' for queue 'r' in vhost '/': invalid_overflow"));
  CHECK(has(errors, "s.yaml:10:7: PRECONDITION_FAILED - Invalid x-match field value <<\"some\">>; expected all, any, "
                    "all-with-x, or any-with-x"));
}

TEST_CASE("loader: YAML syntax errors carry their position") {
  const auto errors = errors_of("name: x\nbroker: [unclosed\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("s.yaml:3:1: "));
}

TEST_CASE("loader: mutated, truncated, deeply nested and binary inputs give errors, never a crash or a hang") {
  brokersim::sim::Rng rng(2024);
  const std::string good = kGood;
  std::size_t rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = good;
    switch (rng.below(6)) {
      case 0:  // truncated
        text.resize(rng.below(text.size()));
        break;
      case 1:  // random bytes, binary included
        for (int k = 0; k < 5; ++k) text[rng.below(text.size())] = static_cast<char>(rng.below(256));
        break;
      case 2:  // swapped types: a list or a map where a scalar was
        text.replace(text.find("5/s"), 3, rng.chance(1, 2) ? "[1, 2]" : "{a: b}");
        break;
      case 3:  // deep nesting
        text = "name: deep\nbroker: " + std::string(5000 + rng.below(5000), '[');
        break;
      case 4:  // huge numbers
        text.replace(text.find("1000"), 4, std::string(40, '9'));
        break;
      case 5:  // duplicated and shuffled lines
        text.insert(rng.below(text.size()), text.substr(0, rng.below(text.size())));
        break;
    }
    const auto result = load_scenario_text(text, "fuzz.yaml");
    for (const auto& e : result.errors) {
      REQUIRE(e.at.line >= 1);
      REQUIRE(e.message.size() > 0);
    }
    rejected += !result.ok();
  }
  CHECK(rejected > 1500);  // most mutations are caught; none crashed
}

TEST_CASE("lessons: steps come due at their time, or at the first event that matches them") {
  auto r = load_scenario_text(R"(name: lessons
broker:
  queues: [{name: q}, {name: dead}]
lesson:
  - {at: 1s, text: one second in}
  - {when: {event: dropped, queue: q}, text: something died in q}
  - {when: {event: published}, text: the first publish}
)", "s.yaml");
  REQUIRE(r.ok());
  LessonFollower follower(r.scenario.lesson);
  brokersim::trace::Event e;
  e.kind = brokersim::trace::EventKind::kPublished;
  e.time_us = 0;
  auto due = follower.on_event(e);
  REQUIRE(due.size() == 1);
  CHECK(due[0]->text == "the first publish");
  CHECK(follower.on_event(e).empty());  // each step once
  e.kind = brokersim::trace::EventKind::kDropped;
  e.queue = "dead";
  e.time_us = 1'000'000;
  due = follower.on_event(e);
  REQUIRE(due.size() == 1);
  CHECK(due[0]->text == "one second in");
  e.queue = "q";
  due = follower.on_event(e);
  REQUIRE(due.size() == 1);
  CHECK(due[0]->text == "something died in q");
}

TEST_CASE("lessons: an unknown event name and a step with both at and when are errors") {
  const auto errors = errors_of(R"(name: bad lesson
lesson:
  - {when: {event: exploded}, text: boom}
  - {at: 1s, when: {event: published}, text: both}
)");
  CHECK(has(errors, "s.yaml:3:20: unknown event 'exploded' (expected one of: connection_opened, connection_closed, "
                    "channel_opened, channel_closed, exchange_declared, exchange_deleted, queue_declared, queue_deleted, "
                    "queue_purged, binding_created, binding_deleted, consumer_added, consumer_cancelled, qos_changed, "
                    "confirm_mode_enabled, published, returned, confirmed, delivered, acked, requeued, dropped, "
                    "dead_lettered, consumer_activated, transaction, broker_restarted, lost_in_consumer)"));
  CHECK(has(errors, "s.yaml:4:5: a lesson step needs exactly one of 'at' or 'when'"));
}
