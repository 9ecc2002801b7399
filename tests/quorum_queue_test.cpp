// Quorum queues: durable and not exclusive, a delivery limit with x-delivery-count, and only
// the arguments RabbitMQ allows.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

FieldTable quorum(FieldTable extra = {}) {
  extra.emplace_back("x-queue-type", "quorum");
  return extra;
}

}  // namespace

TEST_CASE("quorum: the queue must be durable, not exclusive and not auto-delete (406)") {
  World w;
  auto& c = w.client();
  auto r = w.declare_queue_with(c.channel(1), "q", quorum(), /*durable=*/false);
  CHECK(r.code() == ReplyCode::kPreconditionFailed);
  CHECK(r.error().text == "PRECONDITION_FAILED - invalid property 'non-durable' for queue 'q' in vhost '/'");
  QueueDeclare exclusive{.name = "q", .durable = true, .exclusive = true, .arguments = quorum()};
  CHECK(w.broker.queue_declare(c.channel(2), exclusive).error().text ==
        "PRECONDITION_FAILED - invalid property 'exclusive-owner' for queue 'q' in vhost '/'");
  QueueDeclare auto_delete{.name = "q", .durable = true, .auto_delete = true, .arguments = quorum()};
  CHECK(w.broker.queue_declare(c.channel(4), auto_delete).error().text ==
        "PRECONDITION_FAILED - invalid property 'auto-delete' for queue 'q' in vhost '/'");
  QueueDeclare server_named{.name = "", .durable = true, .arguments = quorum()};
  CHECK(w.broker.queue_declare(c.channel(5), server_named).error().text ==
        "PRECONDITION_FAILED - Cannot declare a server-named queue for type rabbit_quorum_queue");
  CHECK(w.declare_queue_with(c.channel(3), "q", quorum(), true).ok());
}

TEST_CASE("quorum: arguments it does not support are refused") {
  World w;
  auto& c = w.client();
  auto r = w.declare_queue_with(c.channel(1), "q", quorum({{"x-max-priority", FieldValue(5)}}), true);
  CHECK(r.code() == ReplyCode::kPreconditionFailed);
  CHECK(r.error().text ==
        "PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue 'q' in vhost '/' of queue type rabbit_quorum_queue");
  // Type-specific arguments are checked before the durable flag, as in RabbitMQ.
  auto both = w.declare_queue_with(c.channel(2), "q", quorum({{"x-queue-mode", "lazy"}}), false);
  CHECK(both.error().text.find("'x-queue-mode'") != std::string::npos);
}

TEST_CASE("quorum: reject-publish lets one message past the limit in, and reject-publish-dlx acts as drop-head") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_queue_with(ch, "rp", quorum({{"x-max-length", FieldValue(2)}, {"x-overflow", "reject-publish"}}), true).ok());
  REQUIRE(w.declare_queue_with(ch, "rpd", quorum({{"x-max-length", FieldValue(2)}, {"x-overflow", "reject-publish-dlx"}}), true).ok());
  REQUIRE(w.broker.confirm_select(ch).ok());
  for (const char* body : {"0", "1", "2", "3"}) REQUIRE(w.publish(ch, "", "rp", body).ok());
  CHECK(w.ready_bodies("rp") == std::vector<std::string>{"0", "1", "2"});
  REQUIRE(c.confirms.size() == 4);
  CHECK(c.confirms[2].nack == false);
  CHECK(c.confirms[3].nack == true);
  for (const char* body : {"0", "1", "2", "3"}) REQUIRE(w.publish(ch, "", "rpd", body).ok());
  CHECK(w.ready_bodies("rpd") == std::vector<std::string>{"2", "3"});
  CHECK_FALSE(c.confirms.back().nack);
}

TEST_CASE("quorum: past x-delivery-limit a message is dead-lettered with reason delivery_limit") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_exchange(ch, "dlx", "fanout").ok());
  w.declare_queue(ch, "dead");
  REQUIRE(w.broker.queue_bind(ch, "dead", "dlx", "").ok());
  REQUIRE(w.declare_queue_with(ch, "q", quorum({{"x-delivery-limit", FieldValue(2)}, {"x-dead-letter-exchange", "dlx"}}), true).ok());
  REQUIRE(w.publish(ch, "", "q", "poison").ok());
  std::vector<std::optional<std::int64_t>> delivery_counts;
  for (int attempt = 0; attempt < 5 && w.ready("q") > 0; ++attempt) {
    auto got = w.broker.basic_get(ch, "q", false);
    REQUIRE(got.value().has_value());
    const FieldTable* headers = got.value()->message->headers();
    const FieldValue* count = headers ? find_field(*headers, "x-delivery-count") : nullptr;
    delivery_counts.push_back(count ? count->as_integer() : std::nullopt);
    REQUIRE(w.broker.basic_nack(ch, got.value()->delivery_tag, false, true).ok());
  }
  // Delivered three times (limit 2: it may come back twice), then dead-lettered. basic.get on
  // a quorum queue always carries x-delivery-count, from 0, as RabbitMQ 3.10 does.
  CHECK(delivery_counts == std::vector<std::optional<std::int64_t>>{0, 1, 2});
  CHECK(w.ready("q") == 0);
  REQUIRE(w.ready("dead") == 1);
  const FieldTable headers = w.ready_headers("dead")[0];
  CHECK(*find_field(headers, "x-first-death-reason")->as_string() == "delivery_limit");
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("quorum: consumers see no x-delivery-count on the first delivery, then 1, 2, ...") {
  World w;
  auto& producer = w.client();
  auto& worker = w.client();
  auto ch = producer.channel();
  REQUIRE(w.declare_queue_with(ch, "q", quorum({{"x-delivery-limit", FieldValue(5)}}), true).ok());
  REQUIRE(w.publish(ch, "", "q", "m").ok());
  auto wch = worker.channel();
  REQUIRE(w.broker.basic_qos(wch, 0, 1, false).ok());
  w.consume(wch, "q");
  for (int i = 0; i < 2; ++i) REQUIRE(w.broker.basic_nack(wch, worker.deliveries.back().delivery_tag, false, true).ok());
  REQUIRE(worker.deliveries.size() == 3);
  auto count_of = [](const Delivery& d) -> std::optional<std::int64_t> {
    const FieldTable* h = d.message->headers();
    const FieldValue* v = h ? find_field(*h, "x-delivery-count") : nullptr;
    return v ? v->as_integer() : std::nullopt;
  };
  CHECK(count_of(worker.deliveries[0]) == std::nullopt);
  CHECK(count_of(worker.deliveries[1]) == 1);
  CHECK(count_of(worker.deliveries[2]) == 2);
  CHECK(worker.deliveries[1].redelivered);
}
