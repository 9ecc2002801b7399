// A broker restart: durable exchanges and queues survive with their persistent messages;
// transient ones are lost, and the trace says so.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

TEST_CASE("restart: durable queues keep persistent messages; transient queues and messages are lost") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.broker.exchange_declare(ch, {.name = "durable-x", .type = "fanout", .durable = true}).ok());
  REQUIRE(w.broker.exchange_declare(ch, {.name = "transient-x", .type = "fanout"}).ok());
  REQUIRE(w.broker.queue_declare(ch, {.name = "keep", .durable = true}).ok());
  REQUIRE(w.broker.queue_declare(ch, {.name = "lose"}).ok());
  REQUIRE(w.broker.queue_bind(ch, "keep", "durable-x", "").ok());
  BasicProperties persistent;
  persistent.delivery_mode = 2;
  REQUIRE(w.publish(ch, "", "keep", "persistent", false, persistent).ok());
  REQUIRE(w.publish(ch, "", "keep", "transient").ok());
  REQUIRE(w.publish(ch, "", "lose", "gone").ok());
  // One persistent message is unacked at restart: it goes back to its queue first.
  REQUIRE(w.publish(ch, "", "keep", "in-flight", false, persistent).ok());
  auto got = w.broker.basic_get(ch, "keep", false);
  REQUIRE(got.value()->message->body() == "persistent");

  w.broker.restart();
  CHECK_FALSE(w.broker.connection_open(c.id));
  CHECK(w.broker.find_exchange("durable-x") != nullptr);
  CHECK(w.broker.find_exchange("transient-x") == nullptr);
  CHECK(w.broker.find_queue("lose") == nullptr);
  CHECK(w.ready_bodies("keep") == std::vector<std::string>{"persistent", "in-flight"});
  CHECK(w.broker.find_exchange("durable-x")->bindings().size() == 1);
  CHECK(w.recorder.events.back().kind == trace::EventKind::kBrokerRestarted);
  // The transient message in "keep", and the one that went with the transient queue "lose".
  CHECK(w.recorder.events.back().count == 2);
  CHECK(w.recorder.events.back().text.find("1 transient messages in durable queues were lost, and 1 messages with the queues") !=
        std::string::npos);
  CHECK(w.broker.nothing_lost());
}
