// Single active consumer, x-expires, and how exclusive and auto-delete queues end.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

// A single-active-consumer queue "q", its producer's channel, and two consumers' clients.
struct SingleActiveQueue {
  World w;
  Client& first = w.client("first");
  Client& second = w.client("second");
  ChannelKey pch = w.client().channel();
  SingleActiveQueue() { REQUIRE(w.declare_queue_with(pch, "q", FieldTable{{"x-single-active-consumer", true}}).ok()); }
};

TEST_CASE("single active consumer: one consumer receives, and the next takes over when it cancels") {
  SingleActiveQueue s;
  auto& [w, first, second, pch] = s;
  const std::string tag = w.consume(first.channel(), "q", false, 0, "first");
  w.consume(second.channel(), "q", false, 0, "second");
  for (int i = 0; i < 4; ++i) REQUIRE(w.publish(pch, "", "q", std::to_string(i)).ok());
  CHECK(first.deliveries.size() == 4);
  CHECK(second.deliveries.empty());
  REQUIRE(w.broker.basic_cancel(first.channel(), tag).ok());
  REQUIRE(w.publish(pch, "", "q", "4").ok());
  CHECK(second.bodies() == std::vector<std::string>{"4"});
  // The trace shows both activations.
  std::vector<std::string> activated;
  for (const auto& e : w.recorder.events)
    if (e.kind == trace::EventKind::kConsumerActivated) activated.push_back(e.consumer_tag);
  CHECK(activated == std::vector<std::string>{"first", "second"});
}

TEST_CASE("single active consumer: when the active consumer's channel closes, its messages go to the next") {
  SingleActiveQueue s;
  auto& [w, first, second, pch] = s;
  w.consume(first.channel(), "q", false, 0, "first");
  w.consume(second.channel(), "q", false, 0, "second");
  for (int i = 0; i < 2; ++i) REQUIRE(w.publish(pch, "", "q", std::to_string(i)).ok());
  REQUIRE(w.broker.channel_close(first.channel()).ok());
  REQUIRE(second.deliveries.size() == 2);
  CHECK(second.deliveries[0].redelivered);
}

TEST_CASE("deleting a queue cancels its consumers at once, each with basic.cancel, none taking over") {
  SingleActiveQueue s;
  auto& [w, first, second, pch] = s;
  REQUIRE(w.broker.basic_qos(first.channel(), 0, 1, false).ok());  // so one message stays ready
  w.consume(first.channel(), "q", false, 0, "first");
  // A lower priority keeps "second" behind the active "first" in the queue's order, so
  // cancelling them one at a time would hand "first"'s place to "second" on the way out.
  w.consume(second.channel(), "q", false, -1, "second");
  REQUIRE(w.publish(pch, "", "q", "held").ok());
  REQUIRE(w.publish(pch, "", "q", "ready").ok());
  const std::size_t before = w.recorder.events.size();
  REQUIRE(w.broker.queue_delete(pch, "q", false, false).ok());

  CHECK(first.cancelled == std::vector<std::pair<std::uint16_t, std::string>>{{1, "first"}});
  CHECK(second.cancelled == std::vector<std::pair<std::uint16_t, std::string>>{{1, "second"}});
  std::vector<trace::EventKind> kinds;
  for (std::size_t i = before; i < w.recorder.events.size(); ++i) kinds.push_back(w.recorder.events[i].kind);
  // The consumers go first (the queue's Delete lists them as effects before its drops), with
  // no activation between them; then the unacked message, the queue, and the ready one.
  CHECK(kinds == std::vector<trace::EventKind>{trace::EventKind::kConsumerCancelled, trace::EventKind::kConsumerCancelled,
                                               trace::EventKind::kDropped, trace::EventKind::kQueueDeleted,
                                               trace::EventKind::kDropped});
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("x-expires deletes an unused queue, dropping its messages without dead-lettering") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "dlx", "fanout").ok());
  w.declare_queue(ch, "dead");
  REQUIRE(w.broker.queue_bind(ch, "dead", "dlx", "").ok());
  REQUIRE(w.declare_queue_with(ch, "q", FieldTable{{"x-expires", FieldValue(500)}, {"x-dead-letter-exchange", "dlx"}}).ok());
  REQUIRE(w.publish(ch, "", "q", "m").ok());  // publishing is not "use"
  w.advance_ms(499);
  CHECK(w.broker.find_queue("q") != nullptr);
  w.advance_ms(1);
  CHECK(w.broker.find_queue("q") == nullptr);
  CHECK(w.ready("dead") == 0);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("x-expires: consumers, basic.get and redeclares count as use") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  FieldTable args{{"x-expires", FieldValue(1000)}};
  REQUIRE(w.declare_queue_with(ch, "q", args).ok());
  w.advance_ms(800);
  REQUIRE(w.declare_queue_with(ch, "q", args).ok());  // restarts the clock
  w.advance_ms(800);
  REQUIRE(w.broker.basic_get(ch, "q", true).ok());  // so does basic.get
  w.advance_ms(800);
  const std::string tag = w.consume(c.channel(2), "q");
  w.advance_ms(5000);  // a queue with a consumer never expires
  CHECK(w.broker.find_queue("q") != nullptr);
  REQUIRE(w.broker.basic_cancel(c.channel(2), tag).ok());
  w.advance_ms(1000);
  CHECK(w.broker.find_queue("q") == nullptr);
}

TEST_CASE("an auto-delete queue that never had a consumer is never auto-deleted") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "temp", false, true);
  REQUIRE(w.publish(ch, "", "temp", "m").ok());
  REQUIRE(w.broker.basic_get(ch, "temp", true).ok());
  REQUIRE(w.broker.channel_close(ch).ok());
  CHECK(w.broker.find_queue("temp") != nullptr);
}

TEST_CASE("an exclusive queue is deleted when its connection closes") {
  World w;
  auto& c = w.client();
  QueueDeclare d;
  d.exclusive = true;
  auto declared = w.broker.queue_declare(c.channel(), d);
  REQUIRE(declared.ok());
  w.broker.close_connection(c.id);
  CHECK(w.broker.find_queue(declared.value().name) == nullptr);
}
