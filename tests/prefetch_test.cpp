// Prefetch as RabbitMQ does it: global=false limits each consumer created afterwards,
// global=true limits the whole channel, and both apply together. basic.get ignores both.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

void publish_n(World& w, ChannelKey ch, const std::string& queue, int n) {
  for (int i = 0; i < n; ++i) REQUIRE(w.publish(ch, "", queue, queue + std::to_string(i)).ok());
}

}  // namespace

TEST_CASE("prefetch per consumer (global=false) caps each consumer's unacked messages") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto pch = producer.channel();
  w.declare_queue(pch, "q");
  auto ch = worker.channel();
  REQUIRE(w.broker.basic_qos(ch, 0, 3, false).ok());
  w.consume(ch, "q");
  publish_n(w, pch, "q", 10);
  CHECK(worker.deliveries.size() == 3);
  CHECK(w.ready("q") == 7);
  REQUIRE(w.broker.basic_ack(ch, 2, false).ok());
  CHECK(worker.deliveries.size() == 4);
  // Acking several at once frees several slots.
  REQUIRE(w.broker.basic_ack(ch, 4, true).ok());
  CHECK(worker.deliveries.size() == 7);
}

TEST_CASE("prefetch per consumer applies only to consumers created after basic.qos") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto pch = producer.channel();
  w.declare_queue(pch, "early");
  w.declare_queue(pch, "late");
  auto ch = worker.channel();
  w.consume(ch, "early");
  REQUIRE(w.broker.basic_qos(ch, 0, 1, false).ok());
  w.consume(ch, "late");
  publish_n(w, pch, "early", 4);
  publish_n(w, pch, "late", 4);
  CHECK(w.ready("early") == 0);  // unlimited: created before the qos
  CHECK(w.ready("late") == 3);
}

TEST_CASE("prefetch global=true caps the whole channel across its consumers") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto pch = producer.channel();
  w.declare_queue(pch, "a");
  w.declare_queue(pch, "b");
  auto ch = worker.channel();
  REQUIRE(w.broker.basic_qos(ch, 0, 3, true).ok());
  w.consume(ch, "a");
  w.consume(ch, "b");
  publish_n(w, pch, "a", 5);
  publish_n(w, pch, "b", 5);
  CHECK(worker.deliveries.size() == 3);
  CHECK(w.ready("a") + w.ready("b") == 7);
  REQUIRE(w.broker.basic_ack(ch, 0, true).ok());
  CHECK(worker.deliveries.size() == 6);
}

TEST_CASE("per-consumer and global prefetch are both enforced at once") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto pch = producer.channel();
  w.declare_queue(pch, "a");
  w.declare_queue(pch, "b");
  auto ch = worker.channel();
  REQUIRE(w.broker.basic_qos(ch, 0, 2, false).ok());  // each consumer: 2
  REQUIRE(w.broker.basic_qos(ch, 0, 3, true).ok());   // channel: 3
  w.consume(ch, "a");
  w.consume(ch, "b");
  publish_n(w, pch, "a", 5);
  CHECK(worker.deliveries.size() == 2);  // consumer limit on a
  publish_n(w, pch, "b", 5);
  CHECK(worker.deliveries.size() == 3);  // channel limit reached after one from b
  std::size_t from_a = 0;
  for (const auto& d : worker.deliveries) from_a += d.message->body().starts_with("a");
  CHECK(from_a == 2);
}

TEST_CASE("no-ack consumers ignore prefetch") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto pch = producer.channel();
  w.declare_queue(pch, "q");
  auto ch = worker.channel();
  REQUIRE(w.broker.basic_qos(ch, 0, 1, false).ok());
  REQUIRE(w.broker.basic_qos(ch, 0, 1, true).ok());
  w.consume(ch, "q", /*no_ack=*/true);
  publish_n(w, pch, "q", 5);
  CHECK(worker.deliveries.size() == 5);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("basic.get is not limited by prefetch and does not use up the channel's global prefetch") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto pch = producer.channel();
  w.declare_queue(pch, "q");
  publish_n(w, pch, "q", 4);
  auto ch = worker.channel();
  REQUIRE(w.broker.basic_qos(ch, 0, 1, true).ok());
  REQUIRE(w.broker.basic_get(ch, "q", false).value().has_value());
  REQUIRE(w.broker.basic_get(ch, "q", false).value().has_value());
  w.consume(ch, "q");
  CHECK(worker.deliveries.size() == 1);  // checked against rabbitmq-server 3.10.8
}

TEST_CASE("raising the global prefetch lets waiting messages flow at once") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto pch = producer.channel();
  w.declare_queue(pch, "q");
  auto ch = worker.channel();
  REQUIRE(w.broker.basic_qos(ch, 0, 1, true).ok());
  w.consume(ch, "q");
  publish_n(w, pch, "q", 4);
  CHECK(worker.deliveries.size() == 1);
  REQUIRE(w.broker.basic_qos(ch, 0, 3, true).ok());
  CHECK(worker.deliveries.size() == 3);
}
