// The actors the course's later lessons need: polling with basic.get, stream consumers that
// choose where to start, RPC clients that resend and notice late and duplicate replies, and
// publishers that wait for their confirms.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scenario/expectations.h"
#include "scenario/loader.h"
#include "scenario_text.h"
#include "scenario/runner.h"
#include "trace/tracer.h"

using namespace brokersim;
using namespace brokersim::scenario;

namespace {

Scenario load(const std::string& yaml) { return testing::load_scenario(yaml); }

struct Recorder final : trace::Sink {
  std::vector<trace::Event> events;
  void on_event(const trace::Event& e) override { events.push_back(e); }
};

ActorStats stats_of(const Runner& runner, const std::string& name) {
  for (const auto& [n, s] : runner.consumer_stats())
    if (n == name) return s;
  for (const auto& [n, s] : runner.producer_stats())
    if (n == name) return s;
  FAIL("no actor " << name);
  return {};
}

// One RPC server that takes `processing` per request, and a client `c` with these settings.
std::string rpc_scenario(const std::string& processing, const std::string& client) {
  return R"(name: rpc
duration: 20s
latency: 1ms
broker:
  queues: [{name: rpc_queue}]
actors:
  - service: {name: server, queue: rpc_queue, prefetch: 1, processing: )" +
         processing + R"(, reply: true}
  - rpc_client: {name: c, routing_key: rpc_queue, )" +
         client + "}\n";
}

}  // namespace

TEST_CASE("a polling consumer takes messages with basic.get, and an empty queue costs it a sleep") {
  const Scenario s = load(R"(name: poll
duration: 10s
latency: 1ms
broker:
  queues: [{name: jobs}]
actors:
  - producer: {name: p, exchange: "", schedule: [1s, 1.1s, 5s], messages: [{routing_key: jobs}]}
  - consumer: {name: poller, queue: jobs, poll: 2s, processing: 100ms}
)");
  Recorder rec;
  Runner runner(s, {.sinks = {&rec}});
  runner.run();
  std::vector<sim::TimeUs> gets;
  for (const auto& e : rec.events)
    if (e.kind == trace::EventKind::kDelivered) {
      CHECK(e.has(trace::kBasicGet));
      gets.push_back(e.time_us);
    }
  // The first get at 0 s finds nothing and sleeps 2 s; then both waiting jobs one after the
  // other; the 5 s job waits for the poll after the next sleep.
  REQUIRE(gets.size() == 3);
  CHECK(gets[0] == sim::millis(2002));
  CHECK(gets[1] > gets[0]);
  CHECK(gets[1] < gets[0] + sim::millis(200));
  CHECK(gets[2] > sim::seconds(5));
  CHECK(stats_of(runner, "poller").acked == 3);
}

TEST_CASE("a late stream consumer replays from the first offset; with next it sees only new messages") {
  const Scenario s = load(R"(name: stream
duration: 10s
broker:
  queues: [{name: events, durable: true, type: stream}]
actors:
  - producer: {name: p, exchange: "", schedule: [1s, 2s, 6s], messages: [{routing_key: events}]}
  - consumer: {name: replayer, queue: events, prefetch: 10, stream_offset: first, start: 3s}
  - consumer: {name: newcomer, queue: events, prefetch: 10, stream_offset: next, start: 3s}
)");
  Runner runner(s, {});
  runner.run();
  CHECK(stats_of(runner, "replayer").received == 3);
  CHECK(stats_of(runner, "newcomer").received == 1);
}

TEST_CASE("an RPC client resends after a timeout, then counts the late reply and the duplicate") {
  const Scenario s = load(rpc_scenario("1500ms", "rate: 1/s, count: 1, timeout: 1s, retries: 1"));
  Runner runner(s, {});
  runner.run();
  const ActorStats c = stats_of(runner, "c");
  CHECK(c.requests == 1);
  CHECK(c.resent == 1);        // at 2 s, the first reply not yet in
  CHECK(c.replies == 1);       // the first attempt's reply, at about 2.5 s, answers it
  CHECK(c.duplicate_replies == 1);  // the retry's reply comes too
  CHECK(c.timeouts == 0);
}

TEST_CASE("an RPC request with an expiration dies in the queue instead of being answered late") {
  const Scenario s = load(rpc_scenario("3s", "rate: 10/s, count: 3, timeout: 2s, expiration: 1s"));
  Runner runner(s, {});
  runner.run();
  const ActorStats c = stats_of(runner, "c");
  CHECK(c.replies == 0);
  CHECK(c.timeouts == 3);
  CHECK(c.late_replies == 1);  // only the first was taken before it expired
  CHECK(runner.broker().find_queue("rpc_queue")->counters().expired == 2);
}

TEST_CASE("a publisher that waits for each confirm is slower than one that waits per batch, which is slower than async") {
  const Scenario s = load(R"(name: confirms
duration: 10s
latency: 5ms
broker:
  queues: [{name: q}]
actors:
  - producer: {name: each, exchange: "", rate: 1000/s, count: 50, confirms: each, messages: [{routing_key: q}]}
  - producer: {name: batch, exchange: "", rate: 1000/s, count: 50, confirms: {batch: 10}, messages: [{routing_key: q}]}
  - producer: {name: async, exchange: "", rate: 1000/s, count: 50, confirms: true, messages: [{routing_key: q}]}
expect:
  snapshots:
    - at: 200ms
      consumers: {each: {confirmed: 18}, batch: {confirmed: 50}, async: {confirmed: 50}}
)");
  Runner runner(s, {});
  runner.run();
  for (const char* name : {"each", "batch", "async"}) {
    CAPTURE(name);
    CHECK(stats_of(runner, name).published == 50);
    CHECK(stats_of(runner, name).confirmed == 50);
  }
  for (const auto& r : check_expectations(s, runner)) {
    CAPTURE(r.expectation->name);
    CHECK(r.actual == r.expectation->value);
  }
}

TEST_CASE("a confirming publisher counts nacks from a full reject-publish queue and returns of mandatory messages") {
  const Scenario s = load(R"(name: nacks
duration: 5s
broker:
  queues: [{name: q, max_length: 2, overflow: reject-publish}]
actors:
  - producer: {name: p, exchange: "", schedule: [1s, 1s, 1s, 1s, 2s], confirms: each, mandatory: true,
               messages: [{routing_key: q}]}
  - producer: {name: lost, exchange: "", schedule: [1s], confirms: true, mandatory: true, messages: [{routing_key: nowhere}]}
)");
  Runner runner(s, {});
  runner.run();
  const ActorStats p = stats_of(runner, "p");
  CHECK(p.published == 5);
  CHECK(p.confirmed == 2);
  CHECK(p.nacked == 3);
  const ActorStats lost = stats_of(runner, "lost");
  CHECK(lost.returned == 1);
  CHECK(lost.confirmed == 1);  // an unroutable message is confirmed once returned
}
