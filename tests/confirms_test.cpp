// Publisher confirms: sequence numbers from 1 per channel, an ack per publish, and a
// basic.return always before the ack of the same message.
#include <doctest/doctest.h>

#include "broker_fixture.h"
#include "trace/describe.h"

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

namespace {

std::vector<std::string> confirm_frames(const std::vector<Confirm>& confirms) {
  std::vector<std::string> out;
  for (const auto& c : confirms) {
    out.push_back(std::string(c.nack ? "nack " : "ack ") + std::to_string(c.sequence) + (c.multiple ? " multiple" : ""));
  }
  return out;
}

}  // namespace

TEST_CASE("confirms made in one turn leave together: one multiple ack for a run, as RabbitMQ coalesces them") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.broker.confirm_select(ch).ok());
  {
    Broker::Turn turn(w.broker);
    for (int i = 0; i < 37; ++i) REQUIRE(w.publish(ch, "", "q", "m").ok());
    CHECK(c.confirms.empty());  // nothing leaves before the turn ends
  }
  CHECK(confirm_frames(c.confirms) == std::vector<std::string>{"ack 37 multiple"});
  const auto& e = w.recorder.events.back();
  CHECK(e.kind == trace::EventKind::kConfirmed);
  CHECK(e.count == 37);
  CHECK(e.has(trace::kMultiple));
  CHECK(brokersim::trace::describe(e).find("confirmed 37 publishes up to #37 at once") != std::string::npos);

  // A lone confirm in a turn is sent alone, multiple=false (rabbit_channel:send_confirms).
  c.confirms.clear();
  {
    Broker::Turn turn(w.broker);
    REQUIRE(w.publish(ch, "", "q", "m").ok());
  }
  CHECK(confirm_frames(c.confirms) == std::vector<std::string>{"ack 38"});
}

TEST_CASE("a nack in a turn cuts the run: acks below it coalesce, acks above go one by one, then the nacks") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_queue_with(ch, "full", {{"x-max-length", FieldValue(std::int64_t{3})},
                                            {"x-overflow", FieldValue("reject-publish")}})
              .ok());
  w.declare_queue(ch, "open");
  REQUIRE(w.broker.confirm_select(ch).ok());
  {
    Broker::Turn turn(w.broker);
    for (int i = 0; i < 3; ++i) REQUIRE(w.publish(ch, "", "full", "m").ok());  // 1-3 fit
    REQUIRE(w.publish(ch, "", "full", "m").ok());                               // 4 refused
    REQUIRE(w.publish(ch, "", "open", "m").ok());                               // 5
    REQUIRE(w.publish(ch, "", "full", "m").ok());                               // 6 refused
    REQUIRE(w.publish(ch, "", "open", "m").ok());                               // 7
  }
  CHECK(confirm_frames(c.confirms) ==
        std::vector<std::string>{"ack 3 multiple", "ack 5", "ack 7", "nack 4", "nack 6"});

  // Nacks have no lone-confirm case in RabbitMQ: a run of nacks below any ack is one multiple nack.
  c.confirms.clear();
  {
    Broker::Turn turn(w.broker);
    REQUIRE(w.publish(ch, "", "full", "m").ok());
    REQUIRE(w.publish(ch, "", "full", "m").ok());
  }
  CHECK(confirm_frames(c.confirms) == std::vector<std::string>{"nack 9 multiple"});
}

TEST_CASE("outside a turn each confirm leaves at once; a closed channel's unsent confirms are not sent") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.broker.confirm_select(ch).ok());
  REQUIRE(w.publish(ch, "", "q", "m").ok());
  CHECK(confirm_frames(c.confirms) == std::vector<std::string>{"ack 1"});
  c.confirms.clear();
  {
    Broker::Turn turn(w.broker);
    REQUIRE(w.publish(ch, "", "q", "m").ok());
    // A publish to a missing exchange closes the channel (404): nobody is left to confirm to.
    CHECK_FALSE(w.publish(ch, "missing", "q", "m").ok());
  }
  CHECK(c.confirms.empty());
}

TEST_CASE("in a turn a publish that reached no queue is returned and acked at once; routed ones wait for the turn") {
  struct Order final : ConnectionListener {
    std::vector<std::string> seen;
    void on_return(const Return&) override { seen.push_back("return"); }
    void on_confirm(const Confirm& c) override {
      seen.push_back("ack " + std::to_string(c.sequence) + (c.multiple ? " multiple" : ""));
    }
  };
  World w;
  Order order;
  ChannelKey ch{w.broker.open_connection("publisher", &order), 1};
  REQUIRE(w.broker.channel_open(ch).ok());
  w.declare_queue(ch, "q");
  REQUIRE(w.broker.confirm_select(ch).ok());
  {
    Broker::Turn turn(w.broker);
    REQUIRE(w.publish(ch, "amq.direct", "nowhere", "m", true).ok());
    REQUIRE(w.publish(ch, "", "q", "m", true).ok());
    REQUIRE(w.publish(ch, "amq.direct", "nowhere", "m", true).ok());
    REQUIRE(w.publish(ch, "", "q", "m", true).ok());
  }
  // As RabbitMQ: the channel itself confirms what reached no queue, the queue the rest later.
  CHECK(order.seen == std::vector<std::string>{"return", "ack 1", "return", "ack 3", "ack 4 multiple"});
}
