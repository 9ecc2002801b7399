// The trace: sequence numbers and times, the JSONL form, the fingerprint and plain words.
#include <doctest/doctest.h>

#include <sstream>

#include "broker_fixture.h"
#include "trace/describe.h"
#include "trace/fingerprint.h"
#include "trace/jsonl_writer.h"
#include "trace/trace_log.h"

using namespace brokersim::testing;

TEST_CASE("trace: events carry increasing sequence numbers and the simulated time") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  w.scheduler.schedule_at(brokersim::sim::millis(250), [&] { REQUIRE(w.publish(ch, "", "q", "m").ok()); });
  w.scheduler.run_next();
  const auto& events = w.recorder.events;
  for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i].seq == events[i - 1].seq + 1);
  CHECK(events.back().kind == trace::EventKind::kPublished);
  CHECK(events.back().time_us == 250000);
}

TEST_CASE("trace: JSONL has one object per event with the fields that are set") {
  World w;
  std::ostringstream out;
  brokersim::trace::JsonlWriter writer(out);
  w.tracer.add_sink(&writer);
  auto ch = w.client().channel();
  w.declare_queue(ch, "q\"uoted");
  REQUIRE(w.publish(ch, "", "q\"uoted", "m", true).ok());
  std::string line, last;
  int lines = 0;
  std::istringstream in(out.str());
  while (std::getline(in, line)) {
    ++lines;
    CHECK(line.front() == '{');
    CHECK(line.back() == '}');
    last = line;
  }
  CHECK(lines == 4);  // channel opened, queue declared, published... and the connection
  CHECK(last.find(R"("kind":"published")") != std::string::npos);
  CHECK(last.find(R"("routing_key":"q\"uoted")") != std::string::npos);
  CHECK(last.find(R"("mandatory":true)") != std::string::npos);
  CHECK(last.find(R"("queues":["q\"uoted"])") != std::string::npos);
}

TEST_CASE("trace: the fingerprint changes when any event changes") {
  auto fingerprint_of = [](const std::string& key) {
    World w;
    brokersim::trace::Fingerprint fp;
    w.tracer.add_sink(&fp);
    auto ch = w.client().channel();
    w.declare_queue(ch, "q");
    REQUIRE(w.publish(ch, "", key, "m").ok());
    return fp.hex();
  };
  CHECK(fingerprint_of("q") == fingerprint_of("q"));
  CHECK(fingerprint_of("q") != fingerprint_of("r"));
}

TEST_CASE("trace: a publish explains itself in plain words") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "orders", "topic").ok());
  w.declare_queue(ch, "eu");
  w.declare_queue(ch, "us");
  REQUIRE(w.broker.queue_bind(ch, "eu", "orders", "order.*.eu").ok());
  REQUIRE(w.broker.queue_bind(ch, "us", "orders", "order.#.us").ok());
  REQUIRE(w.publish(ch, "orders", "order.created.eu", "m").ok());
  const std::string text = brokersim::trace::describe(w.recorder.events.back());
  CHECK(text ==
        "published message #1 to exchange 'orders' with key 'order.created.eu': matched binding 'order.*.eu' -> "
        "queue 'eu'; did not match binding 'order.#.us' -> queue 'us'; copies to 'eu'");
}

TEST_CASE("trace: large exchanges list their matches and count the rest") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "big", "direct").ok());
  w.declare_queue(ch, "q");
  for (int i = 0; i < 100; ++i) REQUIRE(w.broker.queue_bind(ch, "q", "big", "k" + std::to_string(i)).ok());
  REQUIRE(w.publish(ch, "big", "k42", "m").ok());
  const auto& e = w.recorder.events.back();
  REQUIRE(e.kind == trace::EventKind::kPublished);
  CHECK(e.route_steps().size() == 1);
  CHECK(e.route_steps_omitted() == 99);
  CHECK(brokersim::trace::describe(e).find("99 other bindings did not match") != std::string::npos);
}

TEST_CASE("trace: the compact trace log gives back every event exactly as emitted") {
  World w;
  brokersim::trace::TraceLog log;
  w.tracer.add_sink(&log);
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "orders", "topic").ok());
  w.declare_queue(ch, "eu");
  REQUIRE(w.broker.queue_bind(ch, "eu", "orders", "order.*.eu").ok());
  REQUIRE(w.publish(ch, "orders", "order.created.eu", "m", true).ok());
  REQUIRE(w.publish(ch, "orders", "order.created.us", "m", true).ok());
  REQUIRE(w.broker.basic_get(ch, "eu", false).value().has_value());
  REQUIRE(w.broker.basic_ack(ch, 1, false).ok());
  REQUIRE(w.publish(ch, "orders", "order.refused.eu", "m", true).ok());
  REQUIRE(w.broker.basic_get(ch, "eu", false).value().has_value());
  REQUIRE(w.broker.basic_reject(ch, 2, false).ok());  // dropped, reason rejected: typed, not in the JSON
  const auto& recorded = w.recorder.events;
  REQUIRE(log.size() == recorded.size());
  bool saw_reason = false;
  for (std::size_t i = 0; i < log.size(); ++i) {
    CHECK(brokersim::trace::to_json(log.at(i)) == brokersim::trace::to_json(recorded[i]));
    CHECK(log.at(i).reason == recorded[i].reason);
    CHECK(log.at(i).x_death == recorded[i].x_death);
    saw_reason = saw_reason || recorded[i].reason == brokersim::trace::Reason::kRejected;
  }
  CHECK(saw_reason);
  CHECK(log.distinct_strings() < 20);  // names are stored once
}

namespace {
// The steps of the last publish, as "source>destination:key=matched" lines.
std::string last_route(const World& w) {
  for (auto it = w.recorder.events.rbegin(); it != w.recorder.events.rend(); ++it) {
    if (it->kind != trace::EventKind::kPublished) continue;
    std::string out;
    for (const auto& s : it->route_steps()) {
      out += s.source + ">" + s.destination + ":" + s.binding_key + (s.alternate ? "(alternate)" : "") + "=" +
             (s.matched ? "1" : "0") + "\n";
    }
    return out;
  }
  return "no publish";
}
}  // namespace

TEST_CASE("trace: publishes down the same path share one explanation, and a topology change gives a new one") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "orders", "direct", {{"alternate-exchange", "unrouted"}}).ok());
  w.declare_queue(ch, "a");
  w.declare_queue(ch, "b");
  REQUIRE(w.broker.queue_bind(ch, "a", "orders", "k").ok());

  REQUIRE(w.publish(ch, "orders", "k", "m").ok());
  const auto first = w.recorder.events.back().route;
  REQUIRE(w.publish(ch, "orders", "k", "m").ok());
  CHECK(w.recorder.events.back().route == first);  // shared, not rebuilt
  CHECK(last_route(w) == "orders>a:k=1\n");

  // A new binding must be listed at once, matched or not.
  REQUIRE(w.broker.queue_bind(ch, "b", "orders", "other").ok());
  REQUIRE(w.publish(ch, "orders", "k", "m").ok());
  CHECK(w.recorder.events.back().route != first);
  CHECK(last_route(w) == "orders>a:k=1\norders>b:other=0\n");

  // The alternate exchange is missing, then declared: the same unmatched path now hops to it.
  REQUIRE(w.publish(ch, "orders", "none", "m").ok());
  CHECK(last_route(w) == "orders>a:k=0\norders>b:other=0\norders>unrouted:(alternate)=0\n");
  REQUIRE(w.declare_exchange(ch, "unrouted", "fanout").ok());
  w.declare_queue(ch, "lost");
  REQUIRE(w.broker.queue_bind(ch, "lost", "unrouted", "").ok());
  REQUIRE(w.publish(ch, "orders", "none", "m").ok());
  CHECK(last_route(w) == "orders>a:k=0\norders>b:other=0\norders>unrouted:(alternate)=1\nunrouted>lost:=1\n");

  // Unbinding and deleting the alternate again take effect too.
  REQUIRE(w.broker.queue_unbind(ch, "b", "orders", "other", {}).ok());
  REQUIRE(w.broker.exchange_delete(ch, "unrouted", false).ok());
  REQUIRE(w.publish(ch, "orders", "none", "m").ok());
  CHECK(last_route(w) == "orders>a:k=0\norders>unrouted:(alternate)=0\n");
}

TEST_CASE("trace: a binding is made to an exchange and removed from it") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.broker.queue_bind(ch, "q", "amq.topic", "k").ok());
  REQUIRE(w.broker.queue_unbind(ch, "q", "amq.topic", "k").ok());
  std::vector<std::string> lines;
  for (const auto& e : w.recorder.events) {
    if (e.kind == trace::EventKind::kBindingCreated || e.kind == trace::EventKind::kBindingDeleted) {
      lines.push_back(trace::describe(e));
    }
  }
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("bound queue 'q' to exchange 'amq.topic'") != std::string::npos);
  CHECK(lines[1].find("unbound queue 'q' from exchange 'amq.topic'") != std::string::npos);
}
