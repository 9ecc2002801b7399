// Routing through the exchange graph: exchange-to-exchange bindings, cycles, the alternate
// exchange, mandatory returns, internal exchanges and CC/BCC.
#include <doctest/doctest.h>

#include <algorithm>

#include "routing_helpers.h"

using namespace brokersim::testing;

TEST_CASE("exchange-to-exchange: a message follows e2e bindings to queues downstream") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "front", "topic").ok());
  REQUIRE(w.declare_exchange(ch, "eu", "fanout").ok());
  w.declare_queue(ch, "eu-1");
  w.declare_queue(ch, "eu-2");
  REQUIRE(w.broker.exchange_bind(ch, "eu", "front", "*.eu").ok());
  REQUIRE(w.broker.queue_bind(ch, "eu-1", "eu", "").ok());
  REQUIRE(w.broker.queue_bind(ch, "eu-2", "eu", "").ok());
  CHECK(routed_to(w, ch, "front", "order.eu") == Names{"eu-1", "eu-2"});
  CHECK(routed_to(w, ch, "front", "order.us") == Names{});
  REQUIRE(w.broker.exchange_unbind(ch, "eu", "front", "*.eu").ok());
  CHECK(routed_to(w, ch, "front", "order.eu") == Names{});
}

TEST_CASE("exchange-to-exchange: a cycle delivers one copy to each queue and ends") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_exchange(ch, "a", "fanout").ok());
  REQUIRE(w.declare_exchange(ch, "b", "fanout").ok());
  REQUIRE(w.declare_exchange(ch, "c", "fanout").ok());
  w.declare_queue(ch, "qa");
  w.declare_queue(ch, "qc");
  REQUIRE(w.broker.exchange_bind(ch, "b", "a", "").ok());
  REQUIRE(w.broker.exchange_bind(ch, "c", "b", "").ok());
  REQUIRE(w.broker.exchange_bind(ch, "a", "c", "").ok());  // closes the cycle
  REQUIRE(w.broker.queue_bind(ch, "qa", "a", "").ok());
  REQUIRE(w.broker.queue_bind(ch, "qc", "c", "").ok());
  REQUIRE(w.broker.queue_bind(ch, "qc", "a", "").ok());  // a second path to qc
  CHECK(routed_to(w, ch, "b", "") == Names{"qa", "qc"});
  CHECK(w.ready("qa") == 1);
  CHECK(w.ready("qc") == 1);
}

TEST_CASE("exchange-to-exchange: a queue reached by two paths gets one copy, past the router's scan too") {
  // Past 16 queues the router remembers what it reached in a set instead of scanning: both
  // must keep the first-reached order and give each queue one copy.
  for (const int queues : {3, 40}) {
    CAPTURE(queues);
    World w;
    auto ch = w.client().channel();
    REQUIRE(w.declare_exchange(ch, "front", "fanout").ok());
    REQUIRE(w.declare_exchange(ch, "back", "fanout").ok());
    REQUIRE(w.broker.exchange_bind(ch, "back", "front", "").ok());
    Names expected;
    for (int i = 0; i < queues; ++i) {
      const std::string name = "q" + std::to_string(i);
      w.declare_queue(ch, name);
      REQUIRE(w.broker.queue_bind(ch, name, "front", "").ok());
      expected.push_back(name);
    }
    for (int i = queues; i-- > 0;) REQUIRE(w.broker.queue_bind(ch, "q" + std::to_string(i), "back", "").ok());
    REQUIRE(w.publish(ch, "front", "", "x").ok());
    const auto published = std::find_if(w.recorder.events.rbegin(), w.recorder.events.rend(),
                                        [](const auto& e) { return e.kind == trace::EventKind::kPublished; });
    REQUIRE(published != w.recorder.events.rend());
    CHECK(published->queues == expected);  // in the order first reached
    for (int i = 0; i < queues; ++i) CHECK(w.ready("q" + std::to_string(i)) == 1);
  }
}

TEST_CASE("alternate exchange: unroutable messages go to it, and that counts as routed for mandatory") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_exchange(ch, "unrouted", "fanout").ok());
  REQUIRE(w.declare_exchange(ch, "orders", "direct", {{"alternate-exchange", "unrouted"}}).ok());
  w.declare_queue(ch, "created");
  w.declare_queue(ch, "lost-and-found");
  REQUIRE(w.broker.queue_bind(ch, "created", "orders", "created").ok());
  REQUIRE(w.broker.queue_bind(ch, "lost-and-found", "unrouted", "").ok());

  CHECK(routed_to(w, ch, "orders", "created") == Names{"created"});
  REQUIRE(w.publish(ch, "orders", "cancelled", "m", /*mandatory=*/true).ok());
  CHECK(w.ready("lost-and-found") == 1);
  CHECK(c.returns.empty());
  // The explanation shows the alternate-exchange hop.
  const auto& published = w.recorder.events[w.recorder.events.size() - 1];
  bool saw_alternate = false;
  for (const auto& e : w.recorder.events) {
    if (e.kind != trace::EventKind::kPublished || e.routing_key != "cancelled") continue;
    for (const auto& step : e.route_steps()) saw_alternate |= step.alternate && step.matched && step.destination == "unrouted";
  }
  CHECK(saw_alternate);
  (void)published;
}

TEST_CASE("alternate exchange: a chain of alternates that loops stops and the message is returned") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_exchange(ch, "x", "direct", {{"alternate-exchange", "y"}}).ok());
  REQUIRE(w.declare_exchange(ch, "y", "direct", {{"alternate-exchange", "z"}}).ok());
  REQUIRE(w.declare_exchange(ch, "z", "direct", {{"alternate-exchange", "x"}}).ok());
  REQUIRE(w.publish(ch, "x", "nowhere", "m", true).ok());
  REQUIRE(c.returns.size() == 1);
  CHECK(c.returns[0].code == ReplyCode::kNoRoute);
  // Once a queue is bound at the end of the chain, the loop still ends and delivers once.
  w.declare_queue(ch, "end");
  REQUIRE(w.broker.queue_bind(ch, "end", "z", "nowhere").ok());
  CHECK(routed_to(w, ch, "x", "nowhere") == Names{"end"});
}

TEST_CASE("alternate exchange: a missing alternate exchange leaves the message unroutable") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_exchange(ch, "x", "direct", {{"alternate-exchange", "does-not-exist"}}).ok());
  REQUIRE(w.publish(ch, "x", "k", "m", true).ok());
  CHECK(c.returns.size() == 1);
}

TEST_CASE("mandatory: an unroutable mandatory publish is returned with 312 NO_ROUTE") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_exchange(ch, "x", "direct").ok());
  REQUIRE(w.publish(ch, "x", "k", "body-1", true).ok());
  REQUIRE(c.returns.size() == 1);
  CHECK(c.returns[0].code == ReplyCode::kNoRoute);
  CHECK(c.returns[0].text == "NO_ROUTE");
  CHECK(c.returns[0].message->body() == "body-1");
  CHECK(c.returns[0].message->routing_key() == "k");
  // Not mandatory: dropped, with a trace event that says why.
  REQUIRE(w.publish(ch, "x", "k", "body-2", false).ok());
  CHECK(c.returns.size() == 1);
  const auto& last = w.recorder.events.back();
  CHECK(last.kind == trace::EventKind::kDropped);
  CHECK(last.text.find("unroutable") != std::string::npos);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("default exchange: every queue is reachable by its name, and nothing else is") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "tasks");
  CHECK(routed_to(w, ch, "", "tasks") == Names{"tasks"});
  CHECK(routed_to(w, ch, "", "other") == Names{});
  REQUIRE(w.broker.queue_delete(ch, "tasks", false, false).ok());
  CHECK(routed_to(w, ch, "", "tasks") == Names{});
}

TEST_CASE("CC and BCC headers add routing keys, and BCC is removed before delivery") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  for (const char* q : {"a", "b", "c"}) w.declare_queue(ch, q);
  BasicProperties props;
  props.headers = FieldTable{{"CC", FieldArray{FieldValue("b")}}, {"BCC", FieldArray{FieldValue("c")}}};
  CHECK(routed_to(w, ch, "", "a", props) == Names{"a", "b", "c"});
  for (const char* q : {"a", "b", "c"}) {
    const Queue* queue = w.broker.find_queue(q);
    REQUIRE(queue->ready_count() == 1);
    const FieldTable* headers = nullptr;
    queue->ready().for_each([&](const QueuedMessage& m) { headers = m.message->headers(); });
    REQUIRE(headers != nullptr);
    CHECK(find_field(*headers, "CC") != nullptr);
    CHECK(find_field(*headers, "BCC") == nullptr);
  }
  // A CC key that names the same queue as the routing key still gives one copy.
  props.headers = FieldTable{{"CC", FieldArray{FieldValue("a")}}};
  CHECK(routed_to(w, ch, "", "a", props) == Names{"a"});
  CHECK(w.ready("a") == 2);
}

TEST_CASE("CC must be an array: anything else closes the channel with 406") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  BasicProperties props;
  props.headers = FieldTable{{"CC", "b"}};
  auto status = w.publish(ch, "", "a", "m", false, props);
  CHECK(status.code() == ReplyCode::kPreconditionFailed);
  CHECK(w.broker.find_channel(ch) == nullptr);
}

TEST_CASE("internal exchanges refuse publishes with 403 but route from other exchanges") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_exchange(ch, "inner", "fanout", {}, /*internal=*/true).ok());
  REQUIRE(w.declare_exchange(ch, "outer", "fanout").ok());
  w.declare_queue(ch, "q");
  REQUIRE(w.broker.queue_bind(ch, "q", "inner", "").ok());
  REQUIRE(w.broker.exchange_bind(ch, "inner", "outer", "").ok());
  CHECK(routed_to(w, ch, "outer", "") == Names{"q"});
  auto status = w.publish(ch, "inner", "", "m");
  CHECK(status.code() == ReplyCode::kAccessRefused);
  CHECK(status.error().text == "ACCESS_REFUSED - cannot publish to internal exchange 'inner' in vhost '/'");
  CHECK(w.broker.find_channel(ch) == nullptr);
}

TEST_CASE("publishing to a missing exchange closes the channel with 404") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  auto status = w.publish(ch, "nope", "k", "m");
  CHECK(status.code() == ReplyCode::kNotFound);
  CHECK(status.error().text == "NOT_FOUND - no exchange 'nope' in vhost '/'");
  CHECK(w.broker.find_channel(ch) == nullptr);
  CHECK(w.broker.connection_open(c.id));  // a soft error leaves the connection open
}

TEST_CASE("the publish trace explains which bindings matched and which did not") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "orders", "topic").ok());
  w.declare_queue(ch, "eu");
  w.declare_queue(ch, "us");
  REQUIRE(w.broker.queue_bind(ch, "eu", "orders", "order.*.eu").ok());
  REQUIRE(w.broker.queue_bind(ch, "us", "orders", "order.#.us").ok());
  REQUIRE(w.publish(ch, "orders", "order.created.eu", "m").ok());
  const trace::Event* published = nullptr;
  for (const auto& e : w.recorder.events)
    if (e.kind == trace::EventKind::kPublished) published = &e;
  REQUIRE(published != nullptr);
  REQUIRE(published->route_steps().size() == 2);
  CHECK(published->route_steps()[0].binding_key == "order.*.eu");
  CHECK(published->route_steps()[0].matched);
  CHECK(published->route_steps()[1].binding_key == "order.#.us");
  CHECK_FALSE(published->route_steps()[1].matched);
  CHECK(published->queues == Names{"eu"});
}
