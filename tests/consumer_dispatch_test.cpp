// Who gets the next message: round-robin among equals, consumer priority, exclusive consumers.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

TEST_CASE("consumers of equal priority take turns (round-robin)") {
  World w;
  auto& producer = w.client();
  auto& a = w.client("a");
  auto& b = w.client("b");
  auto& c = w.client("c");
  auto ch = producer.channel();
  w.declare_queue(ch, "work");
  w.consume(a.channel(), "work", true);
  w.consume(b.channel(), "work", true);
  w.consume(c.channel(), "work", true);
  for (int i = 0; i < 9; ++i) REQUIRE(w.publish(ch, "", "work", std::to_string(i)).ok());
  CHECK(a.bodies() == std::vector<std::string>{"0", "3", "6"});
  CHECK(b.bodies() == std::vector<std::string>{"1", "4", "7"});
  CHECK(c.bodies() == std::vector<std::string>{"2", "5", "8"});
}

TEST_CASE("consumer priority: higher x-priority consumers are served first while they have room") {
  World w;
  auto& producer = w.client();
  auto& high = w.client("high");
  auto& low = w.client("low");
  auto ch = producer.channel();
  w.declare_queue(ch, "work");
  REQUIRE(w.broker.basic_qos(high.channel(), 0, 2, false).ok());
  w.consume(high.channel(), "work", false, 10);
  w.consume(low.channel(), "work", false, 1);
  for (int i = 0; i < 5; ++i) REQUIRE(w.publish(ch, "", "work", std::to_string(i)).ok());
  // High takes two (its prefetch), the rest spill to low.
  CHECK(high.bodies() == std::vector<std::string>{"0", "1"});
  CHECK(low.bodies() == std::vector<std::string>{"2", "3", "4"});
  // When high frees a slot, the next message goes to high again.
  REQUIRE(w.broker.basic_ack(high.channel(), high.deliveries[0].delivery_tag, false).ok());
  REQUIRE(w.publish(ch, "", "work", "5").ok());
  CHECK(high.bodies().back() == "5");
}

TEST_CASE("an exclusive consumer is the only one: others get 403 either way round") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "q");
  Consume exclusive;
  exclusive.queue = "q";
  exclusive.exclusive = true;
  REQUIRE(w.broker.basic_consume(c.channel(2), exclusive).ok());
  auto second = w.broker.basic_consume(c.channel(3), Consume{.queue = "q"});
  CHECK(second.code() == ReplyCode::kAccessRefused);
  CHECK(second.error().text == "ACCESS_REFUSED - queue 'q' in vhost '/' in exclusive use");

  w.declare_queue(ch, "q2");
  w.consume(c.channel(4), "q2");
  auto late_exclusive = w.broker.basic_consume(c.channel(5), Consume{.queue = "q2", .exclusive = true});
  CHECK(late_exclusive.code() == ReplyCode::kAccessRefused);
}

TEST_CASE("a cancelled consumer gets nothing more, and its unacked messages stay unacked") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto ch = producer.channel();
  w.declare_queue(ch, "q");
  const std::string tag = w.consume(worker.channel(), "q");
  REQUIRE(w.publish(ch, "", "q", "1").ok());
  REQUIRE(w.broker.basic_cancel(worker.channel(), tag).ok());
  REQUIRE(w.publish(ch, "", "q", "2").ok());
  CHECK(worker.bodies() == std::vector<std::string>{"1"});
  CHECK(w.ready("q") == 1);
  CHECK(w.broker.find_queue("q")->unacked_count() == 1);
  // The old delivery can still be acked after cancel.
  CHECK(w.broker.basic_ack(worker.channel(), worker.deliveries[0].delivery_tag, false).ok());
  CHECK(w.broker.find_queue("q")->unacked_count() == 0);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("delivery tags count per channel from 1") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto ch = producer.channel();
  w.declare_queue(ch, "a");
  w.declare_queue(ch, "b");
  w.consume(worker.channel(1), "a");
  w.consume(worker.channel(2), "b");
  for (int i = 0; i < 2; ++i) {
    REQUIRE(w.publish(ch, "", "a", "x").ok());
    REQUIRE(w.publish(ch, "", "b", "y").ok());
  }
  std::vector<std::pair<std::uint16_t, std::uint64_t>> tags;
  for (const auto& d : worker.deliveries) tags.emplace_back(d.channel, d.delivery_tag);
  CHECK(tags == std::vector<std::pair<std::uint16_t, std::uint64_t>>{{1, 1}, {2, 1}, {1, 2}, {2, 2}});
}

TEST_CASE("basic.get takes the head message, reports what is left, and says empty when empty") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.publish(ch, "", "q", "first").ok());
  REQUIRE(w.publish(ch, "", "q", "second").ok());
  auto got = w.broker.basic_get(ch, "q", false);
  REQUIRE(got.ok());
  REQUIRE(got.value().has_value());
  CHECK(got.value()->message->body() == "first");
  CHECK(got.value()->message_count == 1);
  CHECK(got.value()->delivery_tag == 1);
  CHECK_FALSE(got.value()->redelivered);
  // Rejected with requeue, it comes back first, flagged redelivered.
  REQUIRE(w.broker.basic_reject(ch, 1, true).ok());
  auto again = w.broker.basic_get(ch, "q", true);
  CHECK(again.value()->message->body() == "first");
  CHECK(again.value()->redelivered);
  CHECK(w.broker.basic_get(ch, "q", true).value()->message->body() == "second");
  auto empty = w.broker.basic_get(ch, "q", true);
  REQUIRE(empty.ok());
  CHECK_FALSE(empty.value().has_value());
  CHECK(w.broker.nothing_lost());
}

// Checked against RabbitMQ 3.10.8 with pika (and its rabbit_queue_consumers): a consumer that is
// offered a message while its prefetch is full leaves the rotation, and rejoins at the back
// once it acks. One that was full but never offered anything keeps its place.
TEST_CASE("a consumer passed over while full rejoins the rotation at the back when it acks") {
  World w;
  auto& producer = w.client();
  auto& slow = w.client("slow");
  auto& fast = w.client("fast");
  auto ch = producer.channel();
  w.declare_queue(ch, "work");
  REQUIRE(w.broker.basic_qos(slow.channel(), 0, 1, false).ok());
  REQUIRE(w.broker.basic_qos(fast.channel(), 0, 1, false).ok());
  w.consume(slow.channel(), "work", false);
  w.consume(fast.channel(), "work", false);
  REQUIRE(w.publish(ch, "", "work", "m1").ok());  // slow, now full
  REQUIRE(w.publish(ch, "", "work", "m2").ok());  // fast
  REQUIRE(w.broker.basic_ack(fast.channel(), fast.deliveries.back().delivery_tag, false).ok());
  REQUIRE(w.publish(ch, "", "work", "m3").ok());  // slow is next but full: passed over, fast takes it
  REQUIRE(w.broker.basic_ack(fast.channel(), fast.deliveries.back().delivery_tag, false).ok());
  REQUIRE(w.broker.basic_ack(slow.channel(), slow.deliveries.back().delivery_tag, false).ok());  // slow rejoins last
  REQUIRE(w.publish(ch, "", "work", "m4").ok());
  REQUIRE(w.publish(ch, "", "work", "m5").ok());
  CHECK(fast.bodies() == std::vector<std::string>{"m2", "m3", "m4"});
  CHECK(slow.bodies() == std::vector<std::string>{"m1", "m5"});
}

TEST_CASE("a consumer that was full but never passed over keeps its place in the rotation") {
  World w;
  auto& producer = w.client();
  auto& a = w.client("a");
  auto& b = w.client("b");
  auto ch = producer.channel();
  w.declare_queue(ch, "work");
  REQUIRE(w.broker.basic_qos(a.channel(), 0, 1, false).ok());
  w.consume(a.channel(), "work", false);
  w.consume(b.channel(), "work", true);
  REQUIRE(w.publish(ch, "", "work", "m1").ok());  // a, now full; b is next
  REQUIRE(w.broker.basic_ack(a.channel(), a.deliveries.back().delivery_tag, false).ok());  // nothing was offered to a
  REQUIRE(w.publish(ch, "", "work", "m2").ok());
  REQUIRE(w.publish(ch, "", "work", "m3").ok());
  CHECK(b.bodies() == std::vector<std::string>{"m2"});
  CHECK(a.bodies() == std::vector<std::string>{"m1", "m3"});
}
