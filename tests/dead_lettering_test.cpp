// Dead-lettering: reasons, routing keys, the x-death header and its companions, missing
// dead-letter exchanges and cycles.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

struct DlxWorld {
  World w;
  Client& client = w.client();
  ChannelKey ch = client.channel();

  DlxWorld() {
    REQUIRE(w.declare_exchange(ch, "dlx", "direct").ok());
    w.declare_queue(ch, "dead");
    REQUIRE(w.broker.queue_bind(ch, "dead", "dlx", "k").ok());
    REQUIRE(w.broker.queue_bind(ch, "dead", "dlx", "cc-key").ok());
    REQUIRE(w.broker.queue_bind(ch, "dead", "dlx", "retry").ok());
  }
  // Takes the head of `queue` by basic.get and rejects it without requeue.
  void reject_head(const std::string& queue) {
    auto got = w.broker.basic_get(ch, queue, false);
    REQUIRE(got.ok());
    REQUIRE(got.value().has_value());
    REQUIRE(w.broker.basic_reject(ch, got.value()->delivery_tag, false).ok());
  }
  const FieldTable& death(const FieldTable& headers, std::size_t i) {
    return *(*find_field(headers, "x-death")->as_array())[i].as_table();
  }
};

std::string str(const FieldTable& t, const char* key) {
  const FieldValue* v = find_field(t, key);
  REQUIRE(v != nullptr);
  REQUIRE(v->as_string() != nullptr);
  return *v->as_string();
}

}  // namespace

TEST_CASE("reject without requeue dead-letters with reason rejected and a complete x-death entry") {
  DlxWorld t;
  REQUIRE(t.w.declare_queue_with(t.ch, "work", FieldTable{{"x-dead-letter-exchange", "dlx"}}).ok());
  REQUIRE(t.w.broker.queue_bind(t.ch, "work", "amq.direct", "k").ok());
  BasicProperties props;
  props.headers = FieldTable{{"CC", FieldArray{FieldValue("cc-key")}}};
  props.expiration = "60000";
  REQUIRE(t.w.publish(t.ch, "amq.direct", "k", "m", false, props).ok());
  t.w.advance_ms(3000);
  t.reject_head("work");
  REQUIRE(t.w.ready("dead") == 1);
  const FieldTable headers = t.w.ready_headers("dead")[0];
  const FieldTable& d = t.death(headers, 0);
  CHECK(*find_field(d, "count")->as_integer() == 1);
  CHECK(str(d, "reason") == "rejected");
  CHECK(str(d, "queue") == "work");
  CHECK(str(d, "exchange") == "amq.direct");
  CHECK(std::get<Timestamp>(find_field(d, "time")->value).seconds == 3);
  const FieldArray& keys = *find_field(d, "routing-keys")->as_array();
  REQUIRE(keys.size() == 2);
  CHECK(*keys[0].as_string() == "k");
  CHECK(*keys[1].as_string() == "cc-key");
  CHECK(str(d, "original-expiration") == "60000");
  CHECK(str(headers, "x-first-death-queue") == "work");
  CHECK(str(headers, "x-first-death-reason") == "rejected");
  CHECK(str(headers, "x-first-death-exchange") == "amq.direct");
  CHECK(find_field(headers, "x-last-death-reason") == nullptr);  // not in RabbitMQ 3.10
  // The CC header stays, and the headers come out sorted by key, as RabbitMQ 3.10 sends them.
  std::vector<std::string> keys_in_order;
  for (const auto& [k, v] : headers) keys_in_order.push_back(k);
  CHECK(keys_in_order == std::vector<std::string>{"CC", "x-death", "x-first-death-exchange", "x-first-death-queue",
                                                  "x-first-death-reason"});
  // A fresh x-death entry lists its fields in RabbitMQ's order.
  std::vector<std::string> fields;
  for (const auto& [k, v] : d) fields.push_back(k);
  CHECK(fields == std::vector<std::string>{"count", "reason", "queue", "time", "exchange", "routing-keys",
                                           "original-expiration"});
  // Kept its routing key and CC: one copy in "dead" although two of its bindings match.
  CHECK(t.w.broker.nothing_lost());
}

TEST_CASE("nack without requeue dead-letters too; nack with requeue does not") {
  DlxWorld t;
  REQUIRE(t.w.declare_queue_with(t.ch, "work", FieldTable{{"x-dead-letter-exchange", "dlx"}, {"x-dead-letter-routing-key", "retry"}}).ok());
  REQUIRE(t.w.publish(t.ch, "", "work", "a").ok());
  REQUIRE(t.w.publish(t.ch, "", "work", "b").ok());
  REQUIRE(t.w.broker.basic_get(t.ch, "work", false).value().has_value());
  REQUIRE(t.w.broker.basic_get(t.ch, "work", false).value().has_value());
  REQUIRE(t.w.broker.basic_nack(t.ch, 1, false, true).ok());
  REQUIRE(t.w.broker.basic_nack(t.ch, 2, false, false).ok());
  CHECK(t.w.ready_bodies("work") == std::vector<std::string>{"a"});
  CHECK(t.w.ready_bodies("dead") == std::vector<std::string>{"b"});
}

TEST_CASE("x-dead-letter-routing-key replaces the routing key and removes CC") {
  DlxWorld t;
  REQUIRE(t.w.declare_queue_with(t.ch, "work", FieldTable{{"x-dead-letter-exchange", "dlx"}, {"x-dead-letter-routing-key", "retry"}}).ok());
  BasicProperties props;
  props.headers = FieldTable{{"CC", FieldArray{FieldValue("cc-key")}}};
  REQUIRE(t.w.publish(t.ch, "", "work", "m", false, props).ok());
  t.reject_head("work");
  REQUIRE(t.w.ready("dead") == 1);
  const Queue* dead = t.w.broker.find_queue("dead");
  dead->ready().for_each([&](const QueuedMessage& m) {
    CHECK(m.message->routing_key() == "retry");
    CHECK(m.message->exchange() == "dlx");
    CHECK(find_field(*m.message->headers(), "CC") == nullptr);
  });
}

TEST_CASE("x-death count increments on the second rejection from the same queue") {
  DlxWorld t;
  REQUIRE(t.w.declare_queue_with(t.ch, "work", FieldTable{{"x-dead-letter-exchange", "dlx"}, {"x-dead-letter-routing-key", "k"}}).ok());
  // "dead" feeds back into "work" through its own dead-lettering, so the message can die twice.
  REQUIRE(t.w.broker.queue_delete(t.ch, "dead", false, false).ok());
  REQUIRE(t.w.declare_queue_with(t.ch, "dead", FieldTable{{"x-dead-letter-exchange", ""}, {"x-dead-letter-routing-key", "work"}}).ok());
  REQUIRE(t.w.broker.queue_bind(t.ch, "dead", "dlx", "k").ok());
  REQUIRE(t.w.publish(t.ch, "", "work", "m").ok());
  t.reject_head("work");   // work -> dead
  t.reject_head("dead");   // dead -> work
  t.reject_head("work");   // work -> dead again
  REQUIRE(t.w.ready("dead") == 1);
  const FieldTable headers = t.w.ready_headers("dead")[0];
  const FieldArray& deaths = *find_field(headers, "x-death")->as_array();
  REQUIRE(deaths.size() == 2);
  const FieldTable& newest = *deaths[0].as_table();
  CHECK(str(newest, "queue") == "work");
  CHECK(*find_field(newest, "count")->as_integer() == 2);
  CHECK(str(*deaths[1].as_table(), "queue") == "dead");
  // The bumped entry keeps its first time, exchange and keys, and its fields come out sorted.
  std::vector<std::string> fields;
  for (const auto& [k, v] : newest) fields.push_back(k);
  CHECK(fields == std::vector<std::string>{"count", "exchange", "queue", "reason", "routing-keys", "time"});
  // First-death headers never change.
  CHECK(str(headers, "x-first-death-queue") == "work");
}

TEST_CASE("x-death: with two or more older entries, RabbitMQ 3.10 reverses them behind the newest") {
  // Observed on 3.10.8: deaths in q1, q2, q3 give [q3, q1, q2]; q2 again gives [q2, q1, q3].
  World w;
  auto ch = w.client().channel();
  for (const char* q : {"q1", "q2", "q3"}) {
    REQUIRE(w.declare_queue_with(ch, q, FieldTable{{"x-dead-letter-exchange", ""}, {"x-dead-letter-routing-key", "hold"}}).ok());
  }
  w.declare_queue(ch, "hold");
  auto die_in = [&](const std::string& queue) {
    // Move the held message into `queue` (headers and all), then reject it back to "hold".
    auto held = w.broker.basic_get(ch, "hold", true);
    Publish p;
    p.routing_key = queue;
    p.body = "m";
    if (held.value()) p.properties = held.value()->message->properties();
    REQUIRE(w.broker.basic_publish(ch, p).ok());
    auto got = w.broker.basic_get(ch, queue, false);
    REQUIRE(w.broker.basic_reject(ch, got.value()->delivery_tag, false).ok());
  };
  auto order = [&] {
    std::vector<std::string> queues;
    const FieldTable h = w.ready_headers("hold").at(0);
    for (const auto& d : *find_field(h, "x-death")->as_array()) queues.push_back(str(*d.as_table(), "queue"));
    return queues;
  };
  REQUIRE(w.publish(ch, "", "hold", "m").ok());
  die_in("q1");
  CHECK(order() == std::vector<std::string>{"q1"});
  die_in("q2");
  CHECK(order() == std::vector<std::string>{"q2", "q1"});
  die_in("q3");
  CHECK(order() == std::vector<std::string>{"q3", "q1", "q2"});
  die_in("q2");
  CHECK(order() == std::vector<std::string>{"q2", "q1", "q3"});
  // The trace event carries the same x-death as data, in the same order, for readers such as
  // the GUI's inspector: no one rebuilds it from text.
  const brokersim::trace::Event* last = nullptr;
  for (const auto& e : w.recorder.events)
    if (e.kind == brokersim::trace::EventKind::kDeadLettered) last = &e;
  REQUIRE(last != nullptr);
  REQUIRE(last->x_death.size() == 3);
  CHECK(last->x_death[0].queue == "q2");
  CHECK(last->x_death[0].count == 2);
  CHECK(last->x_death[0].reason == brokersim::trace::Reason::kRejected);
  CHECK(last->x_death[1].queue == "q1");
  CHECK(last->x_death[2].queue == "q3");
  CHECK(last->x_death[0].routing_keys == std::vector<std::string>{"q2"});
}

TEST_CASE("a dead-letter exchange that does not exist drops the message with a reason") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_queue_with(ch, "work", FieldTable{{"x-dead-letter-exchange", "missing"}}).ok());
  REQUIRE(w.publish(ch, "", "work", "m").ok());
  auto got = w.broker.basic_get(ch, "work", false);
  REQUIRE(w.broker.basic_reject(ch, got.value()->delivery_tag, false).ok());
  const auto& last = w.recorder.events.back();
  CHECK(last.kind == trace::EventKind::kDropped);
  CHECK(last.text.find("'missing' does not exist") != std::string::npos);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("a dead-letter cycle with no rejection in it is dropped") {
  World w;
  auto ch = w.client().channel();
  // a expires into b, b expires into a.
  REQUIRE(w.declare_queue_with(ch, "a", FieldTable{{"x-message-ttl", FieldValue(100)}, {"x-dead-letter-exchange", ""}, {"x-dead-letter-routing-key", "b"}}).ok());
  REQUIRE(w.declare_queue_with(ch, "b", FieldTable{{"x-message-ttl", FieldValue(100)}, {"x-dead-letter-exchange", ""}, {"x-dead-letter-routing-key", "a"}}).ok());
  REQUIRE(w.publish(ch, "", "a", "m").ok());
  w.advance_ms(100);
  CHECK(w.ready("b") == 1);
  w.advance_ms(100);
  CHECK(w.ready("a") == 0);
  CHECK(w.ready("b") == 0);
  CHECK(w.recorder.events.back().text.find("dead-letter cycle") != std::string::npos);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("a dead-letter cycle with a rejection in it keeps going") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_queue_with(ch, "a", FieldTable{{"x-dead-letter-exchange", ""}, {"x-dead-letter-routing-key", "b"}}).ok());
  REQUIRE(w.declare_queue_with(ch, "b", FieldTable{{"x-message-ttl", FieldValue(100)}, {"x-dead-letter-exchange", ""}, {"x-dead-letter-routing-key", "a"}}).ok());
  REQUIRE(w.publish(ch, "", "a", "m").ok());
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    auto got = w.broker.basic_get(ch, "a", false);
    REQUIRE(got.value().has_value());
    REQUIRE(w.broker.basic_reject(ch, got.value()->delivery_tag, false).ok());  // a -> b, rejected
    CHECK(w.ready("b") == 1);
    w.advance_ms(100);  // b -> a, expired: the rejection in a keeps this from being a cycle
    CHECK(w.ready("a") == 1);
  }
}

TEST_CASE("dead-lettering through a topic DLX uses the original routing key") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "retry", "topic").ok());
  w.declare_queue(ch, "eu-retry");
  REQUIRE(w.broker.queue_bind(ch, "eu-retry", "retry", "*.eu").ok());
  REQUIRE(w.declare_queue_with(ch, "work", FieldTable{{"x-dead-letter-exchange", "retry"}}).ok());
  REQUIRE(w.broker.queue_bind(ch, "work", "amq.topic", "#").ok());
  REQUIRE(w.publish(ch, "amq.topic", "order.eu", "m").ok());
  auto got = w.broker.basic_get(ch, "work", false);
  REQUIRE(w.broker.basic_reject(ch, got.value()->delivery_tag, false).ok());
  CHECK(w.ready("eu-retry") == 1);
  // The trace explains the dead-lettering hop like a publish.
  bool explained = false;
  for (const auto& e : w.recorder.events)
    if (e.kind == trace::EventKind::kDeadLettered) explained = e.queues == std::vector<std::string>{"eu-retry"};
  CHECK(explained);
}

TEST_CASE("a dead-letter chain through 40 queues reaches its end: no hop limit, as in RabbitMQ") {
  // Each queue expires its message at once (TTL 0, no consumer) into the next through the
  // default exchange. The chain is a loop in the broker, not a recursion, so it has no depth.
  World w;
  Client& client = w.client();
  const ChannelKey ch = client.channel();
  constexpr int kHops = 40;
  for (int i = 0; i <= kHops; ++i) {
    FieldTable args;
    if (i < kHops) {
      args = {{"x-message-ttl", FieldValue(0)},
              {"x-dead-letter-exchange", std::string("")},
              {"x-dead-letter-routing-key", "q" + std::to_string(i + 1)}};
    }
    REQUIRE(w.declare_queue_with(ch, "q" + std::to_string(i), args).ok());
  }
  REQUIRE(w.publish(ch, "", "q0", "travels").ok());
  CHECK(w.ready_bodies("q" + std::to_string(kHops)) == std::vector<std::string>{"travels"});
  const FieldTable headers = w.ready_headers("q" + std::to_string(kHops)).at(0);
  CHECK(find_field(headers, "x-death")->as_array()->size() == kHops);
  CHECK(*find_field(headers, "x-first-death-queue")->as_string() == "q0");
  CHECK(w.broker.nothing_lost());
}
