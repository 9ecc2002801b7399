// x-max-priority: higher priorities first, FIFO within a priority, missing = 0, above the
// maximum = the maximum, and drop-head can drop high-priority messages.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

BasicProperties priority(int p) {
  BasicProperties props;
  props.priority = static_cast<std::uint8_t>(p);
  return props;
}

}  // namespace

TEST_CASE("priority queue: higher priorities are delivered first, FIFO within a priority") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_queue_with(ch, "q", FieldTable{{"x-max-priority", FieldValue(5)}}).ok());
  REQUIRE(w.publish(ch, "", "q", "none").ok());
  REQUIRE(w.publish(ch, "", "q", "3", false, priority(3)).ok());
  REQUIRE(w.publish(ch, "", "q", "9", false, priority(9)).ok());  // above the max: counts as 5
  REQUIRE(w.publish(ch, "", "q", "5", false, priority(5)).ok());
  REQUIRE(w.publish(ch, "", "q", "0", false, priority(0)).ok());
  REQUIRE(w.publish(ch, "", "q", "3b", false, priority(3)).ok());
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"9", "5", "3", "3b", "none", "0"});
  std::vector<std::string> got;
  while (auto m = w.broker.basic_get(ch, "q", true).value()) got.emplace_back(m->message->body());
  CHECK(got == std::vector<std::string>{"9", "5", "3", "3b", "none", "0"});
}

TEST_CASE("priority is ignored by queues without x-max-priority") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.publish(ch, "", "q", "low", false, priority(1)).ok());
  REQUIRE(w.publish(ch, "", "q", "high", false, priority(9)).ok());
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"low", "high"});
}

TEST_CASE("drop-head can drop high-priority messages: the head is the highest priority") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_queue_with(ch, "q", FieldTable{{"x-max-priority", FieldValue(9)}, {"x-max-length", FieldValue(2)}}).ok());
  REQUIRE(w.publish(ch, "", "q", "urgent", false, priority(9)).ok());
  REQUIRE(w.publish(ch, "", "q", "low-1", false, priority(1)).ok());
  REQUIRE(w.publish(ch, "", "q", "low-2", false, priority(1)).ok());
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"low-1", "low-2"});
}

TEST_CASE("a requeued message returns to its place within its priority") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_queue_with(ch, "q", FieldTable{{"x-max-priority", FieldValue(2)}}).ok());
  REQUIRE(w.publish(ch, "", "q", "a2", false, priority(2)).ok());
  REQUIRE(w.publish(ch, "", "q", "b1", false, priority(1)).ok());
  REQUIRE(w.publish(ch, "", "q", "c2", false, priority(2)).ok());
  auto got = w.broker.basic_get(ch, "q", false);
  CHECK(got.value()->message->body() == "a2");
  REQUIRE(w.broker.basic_reject(ch, got.value()->delivery_tag, true).ok());
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"a2", "c2", "b1"});
}
