// x-max-length and x-max-length-bytes with each x-overflow behaviour.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

struct LimitWorld {
  World w;
  Client& client = w.client();
  ChannelKey ch = client.channel();

  explicit LimitWorld(FieldTable args) {
    REQUIRE(w.declare_exchange(ch, "dlx", "fanout").ok());
    w.declare_queue(ch, "dead");
    REQUIRE(w.broker.queue_bind(ch, "dead", "dlx", "").ok());
    REQUIRE(w.declare_queue_with(ch, "q", std::move(args)).ok());
  }
  std::string death_reason(std::size_t i) {
    const FieldTable headers = w.ready_headers("dead").at(i);
    return *find_field(headers, "x-first-death-reason")->as_string();
  }
};

}  // namespace

TEST_CASE("drop-head dead-letters the oldest message with reason maxlen") {
  LimitWorld t({{"x-max-length", FieldValue(2)}, {"x-dead-letter-exchange", "dlx"}});
  for (const char* body : {"1", "2", "3"}) REQUIRE(t.w.publish(t.ch, "", "q", body).ok());
  CHECK(t.w.ready_bodies("q") == std::vector<std::string>{"2", "3"});
  CHECK(t.w.ready_bodies("dead") == std::vector<std::string>{"1"});
  CHECK(t.death_reason(0) == "maxlen");
  CHECK(t.w.broker.nothing_lost());
}

TEST_CASE("the largest depth is counted after overflow: a queue limited to 2 never reports 3") {
  LimitWorld t({{"x-max-length", FieldValue(2)}, {"x-dead-letter-exchange", "dlx"}});
  for (const char* body : {"1", "2", "3", "4"}) REQUIRE(t.w.publish(t.ch, "", "q", body).ok());
  CHECK(t.w.broker.find_queue("q")->counters().max_depth == 2);
  CHECK(t.w.broker.find_queue("dead")->counters().max_depth == 2);
}

TEST_CASE("drop-head without a dead-letter exchange drops the oldest with a trace event") {
  LimitWorld t({{"x-max-length", FieldValue(1)}});
  REQUIRE(t.w.publish(t.ch, "", "q", "1").ok());
  REQUIRE(t.w.publish(t.ch, "", "q", "2").ok());
  CHECK(t.w.ready_bodies("q") == std::vector<std::string>{"2"});
  CHECK(t.w.recorder.events.back().kind == trace::EventKind::kDropped);
}

TEST_CASE("max-length counts ready messages only: unacked ones do not count") {
  LimitWorld t({{"x-max-length", FieldValue(2)}});
  for (const char* body : {"1", "2"}) REQUIRE(t.w.publish(t.ch, "", "q", body).ok());
  REQUIRE(t.w.broker.basic_get(t.ch, "q", false).value().has_value());  // "1" now unacked
  REQUIRE(t.w.publish(t.ch, "", "q", "3").ok());
  CHECK(t.w.ready_bodies("q") == std::vector<std::string>{"2", "3"});
}

TEST_CASE("max-length-bytes counts body bytes of ready messages") {
  LimitWorld t({{"x-max-length-bytes", FieldValue(10)}});
  for (const char* body : {"aaaaaa", "bbbbbb", "cc"}) REQUIRE(t.w.publish(t.ch, "", "q", body).ok());
  // 6 + 6 > 10 drops the first; 6 + 2 fits.
  CHECK(t.w.ready_bodies("q") == std::vector<std::string>{"bbbbbb", "cc"});
}

TEST_CASE("reject-publish refuses the new message, nacks it under confirms, and other queues still get it") {
  LimitWorld t({{"x-max-length", FieldValue(2)}, {"x-overflow", "reject-publish"}});
  t.w.declare_queue(t.ch, "copy");
  REQUIRE(t.w.broker.queue_bind(t.ch, "q", "amq.fanout", "").ok());
  REQUIRE(t.w.broker.queue_bind(t.ch, "copy", "amq.fanout", "").ok());
  REQUIRE(t.w.broker.confirm_select(t.ch).ok());
  for (const char* body : {"1", "2", "3"}) REQUIRE(t.w.publish(t.ch, "amq.fanout", "", body).ok());
  CHECK(t.w.ready_bodies("q") == std::vector<std::string>{"1", "2"});
  CHECK(t.w.ready_bodies("copy") == std::vector<std::string>{"1", "2", "3"});
  REQUIRE(t.client.confirms.size() == 3);
  CHECK_FALSE(t.client.confirms[0].nack);
  CHECK_FALSE(t.client.confirms[1].nack);
  CHECK(t.client.confirms[2].nack);
  CHECK(t.w.ready("dead") == 0);
  CHECK(t.w.broker.nothing_lost());
}

TEST_CASE("reject-publish-dlx refuses the new message and dead-letters it with reason maxlen") {
  LimitWorld t({{"x-max-length", FieldValue(1)}, {"x-overflow", "reject-publish-dlx"}, {"x-dead-letter-exchange", "dlx"}});
  REQUIRE(t.w.broker.confirm_select(t.ch).ok());
  REQUIRE(t.w.publish(t.ch, "", "q", "kept").ok());
  REQUIRE(t.w.publish(t.ch, "", "q", "refused").ok());
  CHECK(t.w.ready_bodies("q") == std::vector<std::string>{"kept"});
  CHECK(t.w.ready_bodies("dead") == std::vector<std::string>{"refused"});
  CHECK(t.death_reason(0) == "maxlen");
  CHECK(t.client.confirms.back().nack);
}
