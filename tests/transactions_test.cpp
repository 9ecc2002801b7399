// tx.select / tx.commit / tx.rollback for publishes and acks, and the tx/confirm exclusion.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

TEST_CASE("transactions: publishes are invisible until commit and discarded by rollback") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.broker.tx_select(ch).ok());
  REQUIRE(w.publish(ch, "", "q", "a").ok());
  CHECK(w.ready("q") == 0);
  REQUIRE(w.broker.tx_rollback(ch).ok());
  CHECK(w.ready("q") == 0);
  REQUIRE(w.publish(ch, "", "q", "b").ok());
  REQUIRE(w.publish(ch, "", "q", "c").ok());
  REQUIRE(w.broker.tx_commit(ch).ok());
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"b", "c"});
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("transactions: acks take effect at commit; rollback puts them back as unacked") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "q");
  for (const char* body : {"1", "2"}) REQUIRE(w.publish(ch, "", "q", body).ok());
  REQUIRE(w.broker.basic_get(ch, "q", false).value().has_value());
  REQUIRE(w.broker.basic_get(ch, "q", false).value().has_value());
  REQUIRE(w.broker.tx_select(ch).ok());
  REQUIRE(w.broker.basic_ack(ch, 1, false).ok());
  CHECK(w.broker.find_queue("q")->unacked_count() == 2);  // not yet
  REQUIRE(w.broker.tx_rollback(ch).ok());
  REQUIRE(w.broker.basic_ack(ch, 2, true).ok());  // tag 1 is outstanding again after rollback
  REQUIRE(w.broker.tx_commit(ch).ok());
  CHECK(w.broker.find_queue("q")->unacked_count() == 0);
  CHECK(w.broker.accounting().copies_acked == 2);
}

TEST_CASE("transactions: an ack held by a transaction cannot be acked again (406)") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.publish(ch, "", "q", "m").ok());
  REQUIRE(w.broker.basic_get(ch, "q", false).value().has_value());
  REQUIRE(w.broker.tx_select(ch).ok());
  REQUIRE(w.broker.basic_ack(ch, 1, false).ok());
  CHECK(w.broker.basic_ack(ch, 1, false).code() == ReplyCode::kPreconditionFailed);
}

TEST_CASE("transactions: a nack with requeue inside a transaction requeues at commit") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.publish(ch, "", "q", "m").ok());
  REQUIRE(w.broker.basic_get(ch, "q", false).value().has_value());
  REQUIRE(w.broker.tx_select(ch).ok());
  REQUIRE(w.broker.basic_nack(ch, 1, false, true).ok());
  CHECK(w.ready("q") == 0);
  REQUIRE(w.broker.tx_commit(ch).ok());
  CHECK(w.ready("q") == 1);
}

TEST_CASE("transactions: a channel can't be in both tx and confirm mode (406), nor commit without tx") {
  World w;
  auto& c = w.client();
  REQUIRE(w.broker.tx_select(c.channel(1)).ok());
  auto to_confirm = w.broker.confirm_select(c.channel(1));
  CHECK(to_confirm.error().text == "PRECONDITION_FAILED - cannot switch from tx to confirm mode");
  REQUIRE(w.broker.confirm_select(c.channel(2)).ok());
  auto to_tx = w.broker.tx_select(c.channel(2));
  CHECK(to_tx.error().text == "PRECONDITION_FAILED - cannot switch from confirm to tx mode");
  CHECK(w.broker.tx_commit(c.channel(3)).error().text == "PRECONDITION_FAILED - channel is not transactional");
  CHECK(w.broker.tx_rollback(c.channel(4)).error().text == "PRECONDITION_FAILED - channel is not transactional");
}

TEST_CASE("transactions: closing the channel discards held publishes and requeues everything unacked") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.publish(ch, "", "q", "m").ok());
  REQUIRE(w.broker.basic_get(ch, "q", false).value().has_value());
  REQUIRE(w.broker.tx_select(ch).ok());
  REQUIRE(w.broker.basic_ack(ch, 1, false).ok());
  REQUIRE(w.publish(ch, "", "q", "never").ok());
  REQUIRE(w.broker.channel_close(ch).ok());
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"m"});
  CHECK(w.broker.nothing_lost());
}
