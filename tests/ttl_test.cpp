// Message TTL as RabbitMQ does it: queue TTL and per-message expiration (the lower wins),
// expiry only at the head, TTL 0 as "now or never", and requeued messages keep their expiry.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

BasicProperties expiring(const std::string& ms) {
  BasicProperties p;
  p.expiration = ms;
  return p;
}

FieldTable ttl(std::int32_t ms) { return FieldTable{{"x-message-ttl", FieldValue(ms)}}; }

}  // namespace

TEST_CASE("queue TTL: messages expire when x-message-ttl runs out") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_queue_with(ch, "q", ttl(1000)).ok());
  REQUIRE(w.publish(ch, "", "q", "a").ok());
  w.advance_ms(500);
  REQUIRE(w.publish(ch, "", "q", "b").ok());
  w.advance_ms(499);
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"a", "b"});
  w.advance_ms(1);
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"b"});
  w.advance_ms(500);
  CHECK(w.ready("q") == 0);
  CHECK(w.broker.find_queue("q")->counters().expired == 2);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("per-message TTL: the expiration property, and the lower of the two TTLs wins") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_queue_with(ch, "q", ttl(1000)).ok());
  REQUIRE(w.publish(ch, "", "q", "short", false, expiring("200")).ok());
  w.advance_ms(200);
  CHECK(w.ready("q") == 0);
  REQUIRE(w.publish(ch, "", "q", "long", false, expiring("5000")).ok());
  w.advance_ms(1000);  // the queue's 1000 ms wins over the message's 5000
  CHECK(w.ready("q") == 0);
}

TEST_CASE("per-message TTL only expires at the head: an expired message behind a live one waits and counts") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.publish(ch, "", "q", "long", false, expiring("10000")).ok());
  REQUIRE(w.publish(ch, "", "q", "short", false, expiring("100")).ok());
  w.advance_ms(1000);
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"long", "short"});
  auto passive = QueueDeclare{.name = "q", .passive = true};
  CHECK(w.broker.queue_declare(ch, passive).value().message_count == 2);
  // Once the head leaves, the dead message behind it is at the head and expires at once.
  auto got = w.broker.basic_get(ch, "q", true);
  CHECK(got.value()->message->body() == "long");
  CHECK(w.ready("q") == 0);
  CHECK(w.broker.find_queue("q")->counters().expired == 1);
  // The trace says when its TTL really ran out, not just when it left.
  const trace::Event* dropped = nullptr;
  for (const auto& e : w.recorder.events)
    if (e.kind == trace::EventKind::kDropped) dropped = &e;
  REQUIRE(dropped);
  CHECK(dropped->text == "its TTL ran out at 0.100000s while other messages were ahead of it; it left when it reached the head (no dead-letter exchange)");
}

TEST_CASE("TTL 0 expires a message unless a consumer can take it at once") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto ch = producer.channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.publish(ch, "", "q", "nobody-there", false, expiring("0")).ok());
  CHECK(w.ready("q") == 0);
  w.consume(worker.channel(), "q");
  REQUIRE(w.publish(ch, "", "q", "taken", false, expiring("0")).ok());
  CHECK(worker.bodies() == std::vector<std::string>{"taken"});
  // With the consumer at its prefetch limit, a queue TTL of 0 expires what it cannot take.
  REQUIRE(w.declare_queue_with(ch, "q0", ttl(0)).ok());
  auto wch = worker.channel(3);
  REQUIRE(w.broker.basic_qos(wch, 0, 1, false).ok());
  w.consume(wch, "q0");
  REQUIRE(w.publish(ch, "", "q0", "first").ok());
  REQUIRE(w.publish(ch, "", "q0", "second").ok());
  CHECK(worker.bodies().back() == "first");
  CHECK(w.ready("q0") == 0);
  CHECK(w.broker.find_queue("q0")->counters().expired == 1);
}

TEST_CASE("a requeued message keeps its original expiry") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_queue_with(ch, "q", ttl(1000)).ok());
  REQUIRE(w.publish(ch, "", "q", "m").ok());
  w.advance_ms(800);
  auto got = w.broker.basic_get(ch, "q", false);
  REQUIRE(got.value().has_value());
  w.advance_ms(100);
  REQUIRE(w.broker.basic_reject(ch, got.value()->delivery_tag, true).ok());
  CHECK(w.ready("q") == 1);
  w.advance_ms(100);  // 1000 ms after publishing, not after requeueing
  CHECK(w.ready("q") == 0);
}

TEST_CASE("an invalid expiration property closes the channel with 406") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  auto status = w.publish(ch, "", "q", "m", false, expiring("soon"));
  CHECK(status.code() == ReplyCode::kPreconditionFailed);
  CHECK(w.broker.find_channel(ch) == nullptr);
}

TEST_CASE("expired messages are dead-lettered with reason expired and original-expiration") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "dlx", "fanout").ok());
  w.declare_queue(ch, "dead");
  REQUIRE(w.broker.queue_bind(ch, "dead", "dlx", "").ok());
  REQUIRE(w.declare_queue_with(ch, "q", FieldTable{{"x-dead-letter-exchange", "dlx"}}).ok());
  REQUIRE(w.publish(ch, "", "q", "m", false, expiring("250")).ok());
  w.advance_ms(250);
  REQUIRE(w.ready("dead") == 1);
  const FieldTable headers = w.ready_headers("dead")[0];
  const FieldArray* deaths = find_field(headers, "x-death")->as_array();
  REQUIRE(deaths->size() == 1);
  const FieldTable& death = *(*deaths)[0].as_table();
  CHECK(*find_field(death, "reason")->as_string() == "expired");
  CHECK(*find_field(death, "original-expiration")->as_string() == "250");
  // The dead-lettered copy has no expiration of its own any more.
  bool has_expiration = true;
  w.broker.find_queue("dead")->ready().for_each(
      [&](const QueuedMessage& m) { has_expiration = m.message->properties().expiration.has_value(); });
  CHECK_FALSE(has_expiration);
}
