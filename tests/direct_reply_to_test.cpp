// Direct reply-to: RPC replies go straight to the requester's channel, with no queue.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

TEST_CASE("direct reply-to: the request's reply_to is rewritten and the reply reaches the requester") {
  World w;
  auto& client = w.client("rpc-client");
  auto& server = w.client("rpc-server");
  auto cch = client.channel();
  auto sch = server.channel();
  w.declare_queue(sch, "rpc");
  w.consume(sch, "rpc", true);
  REQUIRE(w.consume(cch, "amq.rabbitmq.reply-to", true, 0, "replies") == "replies");
  BasicProperties request;
  request.reply_to = "amq.rabbitmq.reply-to";
  request.correlation_id = "42";
  REQUIRE(w.publish(cch, "", "rpc", "2+2?", false, request).ok());
  REQUIRE(server.deliveries.size() == 1);
  const std::string address = *server.deliveries[0].message->properties().reply_to;
  CHECK(address.starts_with("amq.rabbitmq.reply-to."));
  CHECK(address.size() > std::string("amq.rabbitmq.reply-to.").size());

  BasicProperties reply;
  reply.correlation_id = "42";
  REQUIRE(w.publish(sch, "", address, "4", false, reply).ok());
  REQUIRE(client.deliveries.size() == 1);
  CHECK(*client.deliveries[0].consumer_tag == "replies");
  CHECK(client.deliveries[0].message->body() == "4");
  CHECK(*client.deliveries[0].message->properties().correlation_id == "42");
  CHECK(w.broker.find_queue(address) == nullptr);  // there is no real queue
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("direct reply-to: the consumer must be no-ack and there is at most one per channel") {
  World w;
  auto& c = w.client();
  auto manual = w.broker.basic_consume(c.channel(1), Consume{.queue = "amq.rabbitmq.reply-to"});
  CHECK(manual.error().text == "PRECONDITION_FAILED - reply consumer cannot acknowledge");
  REQUIRE(w.broker.basic_consume(c.channel(2), Consume{.queue = "amq.rabbitmq.reply-to", .no_ack = true}).ok());
  auto second = w.broker.basic_consume(c.channel(2), Consume{.queue = "amq.rabbitmq.reply-to", .no_ack = true});
  CHECK(second.error().text == "PRECONDITION_FAILED - reply consumer already set");
}

TEST_CASE("direct reply-to: publishing with reply_to from a channel without the consumer is refused") {
  World w;
  auto& c = w.client();
  w.declare_queue(c.channel(1), "rpc");
  REQUIRE(w.broker.basic_consume(c.channel(2), Consume{.queue = "amq.rabbitmq.reply-to", .no_ack = true}).ok());
  BasicProperties request;
  request.reply_to = "amq.rabbitmq.reply-to";
  // Channel 1 is not the reply consumer, even though channel 2 on the same connection is.
  auto status = w.publish(c.channel(1), "", "rpc", "q", false, request);
  CHECK(status.error().text == "PRECONDITION_FAILED - fast reply consumer does not exist");
  CHECK(w.ready("rpc") == 0);
}

TEST_CASE("direct reply-to: a reply to a requester that has gone is unroutable (returned when mandatory)") {
  World w;
  auto& client = w.client();
  auto& server = w.client();
  auto cch = client.channel();
  w.declare_queue(cch, "rpc");
  REQUIRE(w.consume(cch, "amq.rabbitmq.reply-to", true, 0, "replies") == "replies");
  BasicProperties request;
  request.reply_to = "amq.rabbitmq.reply-to";
  REQUIRE(w.publish(cch, "", "rpc", "q", false, request).ok());
  auto got = w.broker.basic_get(server.channel(), "rpc", true);
  const std::string address = *got.value()->message->properties().reply_to;
  REQUIRE(w.broker.basic_cancel(cch, "replies").ok());
  REQUIRE(w.publish(server.channel(), "", address, "late", true).ok());
  REQUIRE(server.returns.size() == 1);
  CHECK(server.returns[0].code == ReplyCode::kNoRoute);
}
