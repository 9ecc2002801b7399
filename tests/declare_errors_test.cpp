// Declaring, deleting and binding, with RabbitMQ 3.10's reply codes and texts (checked against
// a real rabbitmq-server 3.10.8 on loopback).
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

// Runs `op` on a fresh channel and returns its error (or Success) and whether the channel and
// connection survived.
struct Outcome {
  ReplyCode code = ReplyCode::kSuccess;
  std::string text;
  bool channel_open = true;
  bool connection_open = true;
};

template <typename Op>
Outcome attempt(World& w, Client& c, Op op) {
  static std::uint16_t next_channel = 10;
  auto ch = c.channel(next_channel++);
  Outcome out;
  auto result = op(ch);
  if (!result.ok()) {
    out.code = result.error().code;
    out.text = result.error().text;
  }
  out.channel_open = w.broker.find_channel(ch) != nullptr;
  out.connection_open = w.broker.connection_open(c.id);
  return out;
}

ExchangeDeclare exchange(std::string name, std::string type = "direct") {
  ExchangeDeclare d;
  d.name = std::move(name);
  d.type = std::move(type);
  return d;
}

QueueDeclare queue(std::string name) {
  QueueDeclare d;
  d.name = std::move(name);
  return d;
}

}  // namespace

TEST_CASE("403: names starting with amq. are reserved, but the built-ins may be redeclared as they are") {
  World w;
  auto& c = w.client();
  auto r = attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_declare(ch, exchange("amq.foo")); });
  CHECK(r.code == ReplyCode::kAccessRefused);
  CHECK(r.text == "ACCESS_REFUSED - exchange name 'amq.foo' contains reserved prefix 'amq.*'");
  CHECK_FALSE(r.channel_open);
  CHECK(r.connection_open);

  auto same = exchange("amq.direct");
  same.durable = true;
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_declare(ch, same); }).code == ReplyCode::kSuccess);

  r = attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_declare(ch, queue("amq.q")); });
  CHECK(r.code == ReplyCode::kAccessRefused);
  CHECK(r.text == "ACCESS_REFUSED - queue name 'amq.q' contains reserved prefix 'amq.*'");

  r = attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_delete(ch, "amq.direct", false); });
  CHECK(r.code == ReplyCode::kAccessRefused);
  CHECK(r.text == "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed");
}

TEST_CASE("403: the default exchange cannot be declared, deleted or bound") {
  World w;
  auto& c = w.client();
  w.declare_queue(c.channel(), "q");
  const std::string refused = "ACCESS_REFUSED - operation not permitted on the default exchange";
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_declare(ch, exchange("")); }).text == refused);
  auto passive = exchange("");
  passive.passive = true;
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_declare(ch, passive); }).text == refused);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_delete(ch, "", false); }).text == refused);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_bind(ch, "q", "", "q"); }).text == refused);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_unbind(ch, "q", "", "q"); }).text == refused);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_bind(ch, "", "amq.direct", "k"); }).text == refused);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_bind(ch, "amq.direct", "", "k"); }).text == refused);
}

TEST_CASE("404: missing exchanges and queues, and passive declares of them") {
  World w;
  auto& c = w.client();
  w.declare_queue(c.channel(), "q");
  auto passive_x = exchange("nope-x");
  passive_x.passive = true;
  auto r = attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_declare(ch, passive_x); });
  CHECK(r.code == ReplyCode::kNotFound);
  CHECK(r.text == "NOT_FOUND - no exchange 'nope-x' in vhost '/'");
  CHECK_FALSE(r.channel_open);

  auto passive_q = queue("nope-q");
  passive_q.passive = true;
  r = attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_declare(ch, passive_q); });
  CHECK(r.text == "NOT_FOUND - no queue 'nope-q' in vhost '/'");

  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_bind(ch, "q", "nope-x", "k"); }).text ==
        "NOT_FOUND - no exchange 'nope-x' in vhost '/'");
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_bind(ch, "nope-q", "amq.direct", "k"); }).text ==
        "NOT_FOUND - no queue 'nope-q' in vhost '/'");
  // With both missing, RabbitMQ names the exchange.
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_bind(ch, "nope-q", "nope-x", "k"); }).text ==
        "NOT_FOUND - no exchange 'nope-x' in vhost '/'");
  Consume consume;
  consume.queue = "nope-q";
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.basic_consume(ch, consume); }).code == ReplyCode::kNotFound);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.basic_get(ch, "nope-q", false); }).code == ReplyCode::kNotFound);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_purge(ch, "nope-q"); }).code == ReplyCode::kNotFound);
}

TEST_CASE("idempotent deletes and unbinds: missing things are not errors, as in RabbitMQ 3.10") {
  World w;
  auto& c = w.client();
  w.declare_queue(c.channel(), "q");
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.exchange_delete(ch, "nope", false); }).code == ReplyCode::kSuccess);
  auto deleted = attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_delete(ch, "nope", false, false); });
  CHECK(deleted.code == ReplyCode::kSuccess);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_unbind(ch, "q", "amq.direct", "never"); }).code == ReplyCode::kSuccess);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_unbind(ch, "nope", "amq.direct", "k"); }).code == ReplyCode::kSuccess);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.queue_unbind(ch, "q", "nope-x", "k"); }).code == ReplyCode::kSuccess);
  CHECK(attempt(w, c, [&](ChannelKey ch) { return w.broker.basic_cancel(ch, "nope-tag"); }).code == ReplyCode::kSuccess);
}

TEST_CASE("406: redeclaring with other properties is refused, naming the argument") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.broker.exchange_declare(ch, exchange("ex1")).ok());
  auto r = attempt(w, c, [&](ChannelKey k) { return w.broker.exchange_declare(k, exchange("ex1", "fanout")); });
  CHECK(r.code == ReplyCode::kPreconditionFailed);
  CHECK(r.text == "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'ex1' in vhost '/': received 'fanout' but current is 'direct'");
  auto durable = exchange("ex1");
  durable.durable = true;
  CHECK(attempt(w, c, [&](ChannelKey k) { return w.broker.exchange_declare(k, durable); }).text ==
        "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'ex1' in vhost '/': received 'true' but current is 'false'");

  auto ttl = [](std::int32_t ms) {
    QueueDeclare d = queue("q1");
    d.arguments.emplace_back("x-message-ttl", FieldValue(ms));
    return d;
  };
  REQUIRE(w.broker.queue_declare(c.channel(2), ttl(1000)).ok());
  CHECK(attempt(w, c, [&](ChannelKey k) { return w.broker.queue_declare(k, ttl(2000)); }).text ==
        "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q1' in vhost '/': received '2000' but current is '1000'");
  // Integer width does not matter: RabbitMQ compares integers as one type class.
  QueueDeclare wide = queue("q1");
  wide.arguments.emplace_back("x-message-ttl", FieldValue(std::int64_t{1000}));
  CHECK(attempt(w, c, [&](ChannelKey k) { return w.broker.queue_declare(k, wide); }).code == ReplyCode::kSuccess);

  REQUIRE(w.broker.queue_declare(c.channel(3), queue("q4")).ok());
  auto added = attempt(w, c, [&](ChannelKey k) { return w.broker.queue_declare(k, [&] { auto d = ttl(1000); d.name = "q4"; return d; }()); });
  CHECK(added.text == "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q4' in vhost '/': received the value '1000' of type 'signedint' but current is none");
  // Arguments RabbitMQ does not know are not compared.
  QueueDeclare unknown = queue("q4");
  unknown.arguments.emplace_back("x-foo", FieldValue(1));
  CHECK(attempt(w, c, [&](ChannelKey k) { return w.broker.queue_declare(k, unknown); }).code == ReplyCode::kSuccess);
  QueueDeclare durable_q = queue("q4");
  durable_q.durable = true;
  CHECK(attempt(w, c, [&](ChannelKey k) { return w.broker.queue_declare(k, durable_q); }).text ==
        "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q4' in vhost '/': received 'true' but current is 'false'");
}

TEST_CASE("406: delete if-unused and if-empty refuse, 406 on exchanges in use") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.broker.exchange_declare(ch, exchange("ex2")).ok());
  w.declare_queue(ch, "q");
  REQUIRE(w.broker.queue_bind(ch, "q", "ex2", "k").ok());
  CHECK(attempt(w, c, [&](ChannelKey k) { return w.broker.exchange_delete(k, "ex2", true); }).text ==
        "PRECONDITION_FAILED - exchange 'ex2' in vhost '/' in use");
  REQUIRE(w.publish(ch, "", "q", "m").ok());
  CHECK(attempt(w, c, [&](ChannelKey k) { return w.broker.queue_delete(k, "q", false, true); }).text ==
        "PRECONDITION_FAILED - queue 'q' in vhost '/' not empty");
  w.consume(c.channel(5), "q");
  CHECK(attempt(w, c, [&](ChannelKey k) { return w.broker.queue_delete(k, "q", true, false); }).text ==
        "PRECONDITION_FAILED - queue 'q' in vhost '/' in use");
  // Unconditional deletes work, and the exchange loses the binding.
  auto deleted = w.broker.queue_delete(c.channel(6), "q", false, false);
  REQUIRE(deleted.ok());
  CHECK(deleted.value() == 0);  // the one message was delivered to the consumer
  CHECK(w.broker.find_exchange("ex2")->bindings().empty());
  CHECK(w.broker.exchange_delete(c.channel(6), "ex2", true).ok());
  CHECK(w.broker.find_exchange("ex2") == nullptr);
}

TEST_CASE("405: another connection's exclusive queue is locked") {
  World w;
  auto& owner = w.client("owner");
  auto& other = w.client("other");
  QueueDeclare excl = queue("mine");
  excl.exclusive = true;
  REQUIRE(w.broker.queue_declare(owner.channel(), excl).ok());
  const std::string locked =
      "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'mine' in vhost '/'. It could be originally "
      "declared on another connection or the exclusive property value does not match that of the original declaration.";
  CHECK(attempt(w, other, [&](ChannelKey k) { return w.broker.queue_declare(k, excl); }).text == locked);
  auto passive = queue("mine");
  passive.passive = true;
  CHECK(attempt(w, other, [&](ChannelKey k) { return w.broker.queue_declare(k, passive); }).code == ReplyCode::kResourceLocked);
  Consume consume;
  consume.queue = "mine";
  CHECK(attempt(w, other, [&](ChannelKey k) { return w.broker.basic_consume(k, consume); }).code == ReplyCode::kResourceLocked);
  CHECK(attempt(w, other, [&](ChannelKey k) { return w.broker.basic_get(k, "mine", true); }).code == ReplyCode::kResourceLocked);
  CHECK(attempt(w, other, [&](ChannelKey k) { return w.broker.queue_bind(k, "mine", "amq.direct", "k"); }).code == ReplyCode::kResourceLocked);
  CHECK(attempt(w, other, [&](ChannelKey k) { return w.broker.queue_purge(k, "mine"); }).code == ReplyCode::kResourceLocked);
  CHECK(attempt(w, other, [&](ChannelKey k) { return w.broker.queue_delete(k, "mine", false, false); }).code == ReplyCode::kResourceLocked);
  // Publishing to it through the default exchange is allowed, as in RabbitMQ.
  CHECK(w.publish(other.channel(40), "", "mine", "hello").ok());
  CHECK(w.ready("mine") == 1);
  // The owner itself may not redeclare it as non-exclusive (RabbitMQ checks strictly).
  CHECK(attempt(w, owner, [&](ChannelKey k) { return w.broker.queue_declare(k, queue("mine")); }).code == ReplyCode::kResourceLocked);
  // Exclusive queues die with their connection, messages and all.
  w.broker.close_connection(owner.id);
  CHECK(w.broker.find_queue("mine") == nullptr);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("hard errors close the connection: unknown exchange type 503, prefetch_size 540, recover without requeue 540") {
  World w;
  {
    auto& c = w.client();
    auto r = attempt(w, c, [&](ChannelKey k) { return w.broker.exchange_declare(k, exchange("x", "weird")); });
    CHECK(r.code == ReplyCode::kCommandInvalid);
    CHECK(r.text == "COMMAND_INVALID - unknown exchange type 'weird'");
    CHECK_FALSE(r.connection_open);
  }
  {
    auto& c = w.client();
    auto r = attempt(w, c, [&](ChannelKey k) { return w.broker.basic_qos(k, 10, 0, false); });
    CHECK(r.text == "NOT_IMPLEMENTED - prefetch_size!=0 (10)");
    CHECK_FALSE(r.connection_open);
  }
  {
    auto& c = w.client();
    auto r = attempt(w, c, [&](ChannelKey k) { return w.broker.basic_recover(k, false); });
    CHECK(r.text == "NOT_IMPLEMENTED - requeue=false");
    CHECK_FALSE(r.connection_open);
  }
  {
    auto& c = w.client();
    auto ch = c.channel();
    w.declare_queue(ch, "q");
    REQUIRE(w.consume(ch, "q", false, 0, "t") == "t");
    Consume again;
    again.queue = "q";
    again.consumer_tag = "t";
    auto r = w.broker.basic_consume(ch, again);
    CHECK(r.code() == ReplyCode::kNotAllowed);
    CHECK_FALSE(w.broker.connection_open(c.id));
  }
}

TEST_CASE("server-named queues are amq.gen-*, unique, and the empty name means the last declared queue") {
  World w;
  auto ch = w.client().channel();
  auto a = w.broker.queue_declare(ch, queue(""));
  auto b = w.broker.queue_declare(ch, queue(""));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.value().name.starts_with("amq.gen-"));
  CHECK(a.value().name.size() == 30);
  CHECK(a.value().name != b.value().name);
  // queue.bind with no queue name binds the last declared queue; an empty key means its name.
  REQUIRE(w.broker.queue_bind(ch, "", "amq.direct", "").ok());
  const auto& bindings = w.broker.find_exchange("amq.direct")->bindings();
  REQUIRE(bindings.size() == 1);
  CHECK(bindings[0]->destination == b.value().name);
  CHECK(bindings[0]->key == b.value().name);
}

TEST_CASE("queue declare-ok reports message and consumer counts, passive too") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "q");
  for (int i = 0; i < 3; ++i) REQUIRE(w.publish(ch, "", "q", "m").ok());
  auto passive = queue("q");
  passive.passive = true;
  auto r = w.broker.queue_declare(ch, passive);
  REQUIRE(r.ok());
  CHECK(r.value().message_count == 3);
  CHECK(r.value().consumer_count == 0);
  w.consume(c.channel(2), "q", false);
  r = w.broker.queue_declare(ch, passive);
  CHECK(r.value().message_count == 0);
  CHECK(r.value().consumer_count == 1);
  auto purged = w.broker.queue_purge(ch, "q");
  CHECK(purged.value() == 0);
}

TEST_CASE("auto-delete: a queue goes when its last consumer does, an exchange when its last binding does") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "temp", false, /*auto_delete=*/true);
  auto ad = exchange("ad", "fanout");
  ad.auto_delete = true;
  REQUIRE(w.broker.exchange_declare(ch, ad).ok());
  REQUIRE(w.broker.queue_bind(ch, "temp", "ad", "").ok());
  const std::string tag = w.consume(c.channel(2), "temp");
  const std::string tag2 = w.consume(c.channel(3), "temp");
  REQUIRE(w.broker.basic_cancel(c.channel(2), tag).ok());
  CHECK(w.broker.find_queue("temp") != nullptr);  // one consumer left
  REQUIRE(w.broker.basic_cancel(c.channel(3), tag2).ok());
  CHECK(w.broker.find_queue("temp") == nullptr);
  // The queue's binding went with it, and that was the exchange's last binding.
  CHECK(w.broker.find_exchange("ad") == nullptr);
}

TEST_CASE("deleting a queue cancels its consumers with a notification") {
  World w;
  auto& owner = w.client();
  auto& consumer = w.client();
  auto ch = owner.channel();
  w.declare_queue(ch, "q");
  const std::string tag = w.consume(consumer.channel(), "q");
  REQUIRE(w.broker.queue_delete(ch, "q", false, false).ok());
  REQUIRE(consumer.cancelled.size() == 1);
  CHECK(consumer.cancelled[0].second == tag);
  CHECK(w.broker.find_channel(consumer.channel())->consumers.empty());
}
