// Simulated clients behave like real ones: one message at a time unless they have workers,
// queues of their own, auto-ack losses on a crash, and every error kept for `check`.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scenario/expectations.h"
#include "scenario/lesson.h"
#include "scenario/loader.h"
#include "scenario_text.h"
#include "scenario/runner.h"
#include "trace/tracer.h"

using namespace brokersim;
using namespace brokersim::scenario;

namespace {

Scenario load(const std::string& yaml) { return testing::load_scenario(yaml); }

std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& e : load_scenario_text(yaml, "s.yaml").errors) out.push_back(e.to_string());
  return out;
}

bool mentions(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors)
    if (e.find(text) != std::string::npos) return true;
  return false;
}

struct Recorder final : trace::Sink {
  std::vector<trace::Event> events;
  void on_event(const trace::Event& e) override { events.push_back(e); }
  std::vector<sim::TimeUs> times_of(trace::EventKind kind) const {
    std::vector<sim::TimeUs> out;
    for (const auto& e : events)
      if (e.kind == kind) out.push_back(e.time_us);
    return out;
  }
};

// Three messages at once into a queue whose consumer holds up to 3 and works 1 s on each.
std::string three_at_once(const std::string& consumer_extra) {
  return R"(name: workers
duration: 10s
broker:
  queues: [{name: q}]
actors:
  - producer: {name: p, exchange: "", schedule: [0s, 0s, 0s], messages: [{routing_key: q}]}
  - consumer: {name: c, queue: q, prefetch: 3, processing: 1s)" +
         consumer_extra + R"(}
)";
}

}  // namespace

TEST_CASE("a consumer with prefetch 3 works on one message at a time: its acks come 1 s apart") {
  const Scenario s = load(three_at_once(""));
  Recorder rec;
  Runner runner(s, {.sinks = {&rec}});
  runner.run();
  CHECK(rec.times_of(trace::EventKind::kAcked) == std::vector<sim::TimeUs>{sim::seconds(1), sim::seconds(2), sim::seconds(3)});
}

TEST_CASE("concurrency: 3 is a pool of three workers: the three acks land together") {
  const Scenario s = load(three_at_once(", concurrency: 3"));
  Recorder rec;
  Runner runner(s, {.sinks = {&rec}});
  runner.run();
  CHECK(rec.times_of(trace::EventKind::kAcked) == std::vector<sim::TimeUs>{sim::seconds(1), sim::seconds(1), sim::seconds(1)});
}

TEST_CASE("a consumer declares its own server-named exclusive queue, bound as it says, gone with it") {
  const Scenario s = load(R"(name: chat
duration: 10s
broker:
  exchanges: [{name: chat, type: fanout}]
actors:
  - consumer:
      name: alice
      queue: {name: "", exclusive: true, auto_delete: true, bind: [{exchange: chat}]}
      ack: auto
      stop: 5s
      publish: {exchange: chat, schedule: [1s, 2s], messages: [{body: hi}]}
  - consumer:
      name: bob
      queue: {name: "", exclusive: true, bind: [{exchange: chat}]}
      ack: auto
expect:
  consumers:
    alice: {received: 2, processed: 2}
    bob: {received: 2}
)");
  Recorder rec;
  Runner runner(s, {.sinks = {&rec}});
  runner.run();
  for (const auto& r : check_expectations(s, runner)) CHECK_MESSAGE(r.passed, r.expectation->name, " ", r.expectation->metric);
  CHECK(runner.errors().empty());
  int server_named = 0, deleted = 0;
  for (const auto& e : rec.events) {
    if (e.kind == trace::EventKind::kQueueDeclared && e.queue.starts_with("amq.gen-")) ++server_named;
    if (e.kind == trace::EventKind::kQueueDeleted && e.time_us == sim::seconds(5)) ++deleted;
  }
  CHECK(server_named == 2);
  CHECK(deleted == 1);  // alice's queue dies with her connection at 5 s; bob's stays
  CHECK(runner.broker().queues().size() == 1);
}

TEST_CASE("an auto-ack consumer that crashes loses what it had in hand, and nothing_lost says so") {
  const Scenario s = load(R"(name: crash
duration: 10s
broker:
  queues: [{name: q}]
actors:
  - producer: {name: p, exchange: "", schedule: [0s, 0s, 0s, 0s, 0s], messages: [{routing_key: q}]}
  - consumer: {name: fast, queue: q, ack: auto, processing: 1s}
timeline:
  - {at: 2500ms, crash_consumer: fast}
expect:
  nothing_lost: false
  consumers:
    fast: {received: 5, processed: 2, lost: 3}
)");
  Recorder rec;
  Runner runner(s, {.sinks = {&rec}});
  runner.run();
  for (const auto& r : check_expectations(s, runner)) CHECK_MESSAGE(r.passed, r.expectation->metric, " got ", r.actual);
  CHECK_FALSE(runner.nothing_lost());
  CHECK(runner.broker().nothing_lost());  // the broker's own copies add up: it handed them over
  REQUIRE(runner.losses().size() == 1);
  CHECK(runner.losses()[0].count == 3);
  CHECK(runner.losses()[0].at_us == sim::millis(2500));
  CHECK(rec.times_of(trace::EventKind::kLostInConsumer).size() == 3);
}

TEST_CASE("check's errors: an undeclared 405 fails, a declared one passes, a declared one that never came fails") {
  const std::string base = R"(name: locked
duration: 5s
broker:
  queues: [{name: q}]
actors:
  - consumer: {name: first, queue: q, exclusive: true}
  - consumer: {name: second, queue: q}
)";
  {
    const Scenario s = load(base);
    Runner runner(s, {});
    runner.run();
    const ErrorCheck check = check_errors(s, runner);
    REQUIRE(check.undeclared.size() == 1);
    CHECK(static_cast<int>(check.undeclared[0]->code) == 403);  // ACCESS_REFUSED: an exclusive consumer holds it
    CHECK(check.undeclared[0]->who == "second");
    CHECK(check.undeclared[0]->at.line == 7);
  }
  {
    const Scenario s = load(base + "expect: {errors: [{code: 403, at: 0s, actor: second}]}\n");
    Runner runner(s, {});
    runner.run();
    const ErrorCheck check = check_errors(s, runner);
    CHECK(check.undeclared.empty());
    CHECK(check.never_happened.empty());
  }
  {
    const Scenario s = load(base + "expect: {errors: [{code: 403}, {code: 404}]}\n");
    Runner runner(s, {});
    runner.run();
    const ErrorCheck check = check_errors(s, runner);
    CHECK(check.undeclared.empty());
    REQUIRE(check.never_happened.size() == 1);
    CHECK(check.never_happened[0]->code == 404);
  }
}

TEST_CASE("a timeline bind to a queue auto-delete removed is a 404 the run keeps, with the timeline's line") {
  const Scenario s = load(R"(name: gone
duration: 20s
broker:
  exchanges: [{name: x, type: fanout}]
  queues: [{name: temp, auto_delete: true}]
actors:
  - consumer: {name: c, queue: temp, stop: 5s}
timeline:
  - {at: 10s, bind: {exchange: x, queue: temp}}
)");
  Runner runner(s, {});
  runner.run();
  REQUIRE(runner.errors().size() == 1);
  CHECK(static_cast<int>(runner.errors()[0].code) == 404);
  CHECK(runner.errors()[0].who == "timeline");
  CHECK(runner.errors()[0].at.line == 9);
  CHECK(runner.errors()[0].time_us == sim::seconds(10));
  // Its counters outlive it.
  REQUIRE(runner.deleted_queues().count("temp"));
  CHECK(runner.deleted_queues().at("temp").deleted_at_us == sim::seconds(5));
}

TEST_CASE("a lesson step whose when never fires is reported") {
  const Scenario s = load(R"(name: quiet
duration: 5s
broker:
  queues: [{name: q}]
lesson:
  - {at: 1s, text: shown}
  - {when: {event: dead_lettered, queue: q}, text: never}
)");
  LessonFollower lesson(s.lesson);
  struct Follow final : trace::Sink {
    LessonFollower& l;
    explicit Follow(LessonFollower& f) : l(f) {}
    void on_event(const trace::Event& e) override { (void)l.on_event(e); }
  } follow(lesson);
  Runner runner(s, {.sinks = {&follow}});
  runner.run();
  const auto missing = lesson.never_shown(runner.end_us());
  REQUIRE(missing.size() == 1);
  CHECK(missing[0]->text == "never");
}

TEST_CASE("validate: when names, consumers on '' or on a topology-exclusive queue") {
  const auto errors = errors_of(R"(name: bad
broker:
  queues: [{name: mine, exclusive: true}]
actors:
  - consumer: {name: a, queue: ""}
  - consumer: {name: b, queue: mine}
lesson:
  - {when: {event: delivered, queue: nope}, text: x}
  - {when: {event: acked, consumer: nobody}, text: y}
)");
  CHECK(mentions(errors, "s.yaml:5:15: consumer 'a' reads queue ''"));
  CHECK(mentions(errors, "s.yaml:6:15: queue 'mine' is exclusive to the connection that declares it"));
  CHECK(mentions(errors, "405 RESOURCE_LOCKED"));
  CHECK(mentions(errors, "s.yaml:8:5: 'when' names queue 'nope', which is never declared"));
  CHECK(mentions(errors, "s.yaml:9:5: 'when' names consumer 'nobody'"));
}

TEST_CASE("snapshots, exchange counters, max depth and dead-lettering by reason") {
  const Scenario s = load(R"(name: counts
duration: 20s
broker:
  exchanges: [{name: x, type: direct}, {name: dlx, type: fanout}]
  queues:
    - {name: q, message_ttl: 3s, dead_letter_exchange: dlx}
    - {name: dead}
  bindings:
    - {exchange: x, queue: q, key: k}
    - {exchange: dlx, queue: dead}
actors:
  - producer: {name: p, exchange: x, mandatory: true, schedule: [0s, 1s, 2s, 4s],
               messages: [{routing_key: k}]}
timeline:
  - {at: 5s, publish: {exchange: x, routing_key: nowhere, mandatory: true}}
expect:
  queues:
    q: {max_depth: 3, dead_lettered_expired: 4, depth: 0}
  exchanges:
    x: {published: 5, routed: 4, unroutable: 1, returned: 1}
  snapshots:
    - at: 2500ms
      queues: {q: {depth: 3}, dead: {depth: 0}}
    - at: 6s
      queues: {q: {depth: 1}, dead: {depth: 3}}
)");
  Runner runner(s, {});
  runner.run();
  for (const auto& r : check_expectations(s, runner)) {
    CHECK_MESSAGE(r.passed, r.expectation->name, " ", r.expectation->metric, " expected ", r.expectation->value, " got ", r.actual);
  }
}

TEST_CASE("rules match a header's value; expiration takes AMQP's millisecond string; offset times the first publish") {
  const Scenario s = load(R"(name: rules
duration: 10s
broker:
  queues: [{name: q}]
actors:
  - producer:
      name: p
      exchange: ""
      rate: 1/s
      offset: 0s
      count: 3
      messages: [{routing_key: q, headers: {kind: poison}, properties: {expiration: "2000"}}]
  - consumer:
      name: c
      queue: q
      rules: [{when_header: kind, equals: poison, outcome: reject}, {when_header: kind, outcome: nack}]
expect:
  consumers:
    c: {rejected: 3, nacked: 0}
)");
  REQUIRE(s.producers[0].messages[0].properties.expiration == std::string("2000"));
  Recorder rec;
  Runner runner(s, {.sinks = {&rec}});
  runner.run();
  for (const auto& r : check_expectations(s, runner)) CHECK_MESSAGE(r.passed, r.expectation->metric, " got ", r.actual);
  CHECK(rec.times_of(trace::EventKind::kPublished) == std::vector<sim::TimeUs>{0, sim::seconds(1), sim::seconds(2)});
}

TEST_CASE("hints: quorum queues must be durable, the NOT_FOUND that follows says why, and yaml syntax") {
  const auto errors = errors_of(R"(name: hints
broker:
  exchanges: [{name: x, type: direct}]
  queues:
    - {name: votes, type: quorum}
  bindings:
    - {exchange: x, queue: votes, key: k}
)");
  CHECK(mentions(errors, "s.yaml:5:7: PRECONDITION_FAILED - invalid property 'non-durable' for queue 'votes' in vhost '/' "
                         "(quorum queues and streams must be durable: add durable: true)"));
  CHECK(mentions(errors, "s.yaml:7:7: NOT_FOUND - no queue 'votes' in vhost '/' (because its declaration at line 5 failed)"));
  const auto syntax = errors_of("name: broken\nbroker:\n  queues: [{name: a, durable: true\n");
  REQUIRE(syntax.size() == 1);
  CHECK(mentions(syntax, "a '{' without its closing '}'"));
}

TEST_CASE("timeline: declare an exchange and a queue, disconnect an actor and connect it again") {
  const Scenario s = load(R"(name: late topology
duration: 20s
broker:
  queues: [{name: early}]
actors:
  - producer: {name: p, exchange: "", schedule: [1s, 6s, 11s], messages: [{routing_key: early}]}
  - consumer: {name: c, queue: early}
timeline:
  - {at: 2s, declare_exchange: {name: late.x, type: fanout}}
  - {at: 2s, declare_queue: {name: late.q, message_ttl: 5s}}
  - {at: 3s, bind: {exchange: late.x, queue: late.q}}
  - {at: 4s, publish: {exchange: late.x, routing_key: "", body: hi}}
  - {at: 5s, disconnect: c}
  - {at: 10s, connect: c}
expect:
  queues:
    early: {enqueued: 3, acked: 3}
  snapshots:
    - at: 4500ms
      queues: {late.q: {depth: 1}}
    - at: 9500ms
      queues: {late.q: {depth: 0, expired: 1}, early: {depth: 1}}
  consumers:
    c: {received: 3}
)");
  Recorder rec;
  Runner runner(s, {.sinks = {&rec}});
  runner.run();
  for (const auto& r : check_expectations(s, runner)) {
    CHECK_MESSAGE(r.passed, r.expectation->name, " ", r.expectation->metric, " expected ", r.expectation->value, " got ", r.actual);
  }
  CHECK(runner.errors().empty());
  // The consumer's connection closed at 5 s and a new one opened at 10 s.
  int closed_at_5 = 0, opened_at_10 = 0;
  for (const auto& e : rec.events) {
    closed_at_5 += e.kind == trace::EventKind::kConnectionClosed && e.time_us == sim::seconds(5);
    opened_at_10 += e.kind == trace::EventKind::kConnectionOpened && e.time_us == sim::seconds(10);
  }
  CHECK(closed_at_5 == 1);
  CHECK(opened_at_10 == 1);
}
