// Publisher confirms: sequence numbers from 1 per channel, an ack per publish, and a
// basic.return always before the ack of the same message.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

TEST_CASE("confirms number publishes from 1 on each channel and ack each one") {
  World w;
  auto& c = w.client();
  auto ch1 = c.channel(1);
  auto ch2 = c.channel(2);
  w.declare_queue(ch1, "q");
  REQUIRE(w.broker.confirm_select(ch1).ok());
  REQUIRE(w.broker.confirm_select(ch2).ok());
  for (int i = 0; i < 3; ++i) REQUIRE(w.publish(ch1, "", "q", "m").ok());
  REQUIRE(w.publish(ch2, "", "q", "m").ok());
  REQUIRE(c.confirms.size() == 4);
  CHECK(c.confirms[0].sequence == 1);
  CHECK(c.confirms[1].sequence == 2);
  CHECK(c.confirms[2].sequence == 3);
  CHECK(c.confirms[3].channel == 2);
  CHECK(c.confirms[3].sequence == 1);
  for (const auto& confirm : c.confirms) CHECK_FALSE(confirm.nack);
}

TEST_CASE("confirms: an unroutable mandatory message is returned first, then acked") {
  struct Order final : ConnectionListener {
    std::vector<std::string> seen;
    void on_return(const Return&) override { seen.push_back("return"); }
    void on_confirm(const Confirm& c) override { seen.push_back("ack " + std::to_string(c.sequence)); }
  };
  World w;
  Order order;
  ChannelKey ch{w.broker.open_connection("publisher", &order), 1};
  REQUIRE(w.broker.channel_open(ch).ok());
  REQUIRE(w.broker.confirm_select(ch).ok());
  REQUIRE(w.publish(ch, "amq.direct", "nowhere", "m", true).ok());
  REQUIRE(w.publish(ch, "amq.direct", "nowhere", "m", false).ok());
  CHECK(order.seen == std::vector<std::string>{"return", "ack 1", "ack 2"});
}

TEST_CASE("without confirm mode there are no confirms, and the channel counts nothing") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.publish(ch, "amq.direct", "k", "m").ok());
  CHECK(c.confirms.empty());
  CHECK(w.broker.find_channel(ch)->next_publish_sequence == 1);
}
