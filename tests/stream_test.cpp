// Streams: an append-only log. Consumers need a prefetch and start from x-stream-offset; acks
// do not remove anything, so a second consumer can replay from the start. This is the
// contrast with classic queues, where consumed means gone.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

struct StreamWorld {
  World w;
  Client& producer = w.client("producer");
  ChannelKey pch = producer.channel();

  StreamWorld() {
    REQUIRE(w.declare_queue_with(pch, "events", FieldTable{{"x-queue-type", "stream"}}, /*durable=*/true).ok());
    for (const char* body : {"m0", "m1", "m2"}) REQUIRE(w.publish(pch, "", "events", body).ok());
  }
  // A new consumer on its own connection, prefetch 10, from `offset`.
  Client& reader(FieldValue offset, std::uint16_t prefetch = 10) {
    Client& c = w.client("reader");
    auto ch = c.channel();
    REQUIRE(w.broker.basic_qos(ch, 0, prefetch, false).ok());
    Consume consume{.queue = "events", .arguments = FieldTable{{"x-stream-offset", std::move(offset)}}};
    REQUIRE(w.broker.basic_consume(ch, consume).ok());
    return c;
  }
};

std::int64_t offset_of(const Delivery& d) { return *find_field(*d.message->headers(), "x-stream-offset")->as_integer(); }

}  // namespace

TEST_CASE("stream: a consumer from 'first' reads everything, and acking removes nothing") {
  StreamWorld s;
  Client& a = s.reader("first");
  CHECK(a.bodies() == std::vector<std::string>{"m0", "m1", "m2"});
  CHECK(offset_of(a.deliveries[2]) == 2);
  REQUIRE(s.w.broker.basic_ack(a.channel(), 0, true).ok());
  // A second consumer replays the same log from the start.
  Client& b = s.reader("first");
  CHECK(b.bodies() == std::vector<std::string>{"m0", "m1", "m2"});
  CHECK(s.w.broker.find_queue("events")->stream_log().size() == 3);
}

TEST_CASE("stream: 'last', 'next', a number and a timestamp choose where reading starts") {
  StreamWorld s;
  CHECK(s.reader("last").bodies() == std::vector<std::string>{"m2"});
  Client& next = s.reader("next");
  CHECK(next.deliveries.empty());
  CHECK(s.reader(FieldValue(1)).bodies() == std::vector<std::string>{"m1", "m2"});
  CHECK(s.reader(FieldValue::of(Timestamp{0})).bodies() == std::vector<std::string>{"m0", "m1", "m2"});
  REQUIRE(s.w.publish(s.pch, "", "events", "m3").ok());
  CHECK(next.bodies() == std::vector<std::string>{"m3"});  // 'next' waits for new messages
}

TEST_CASE("stream: prefetch is credit; each ack lets the next message through") {
  StreamWorld s;
  Client& c = s.reader("first", 2);
  CHECK(c.bodies() == std::vector<std::string>{"m0", "m1"});
  REQUIRE(s.w.broker.basic_ack(c.channel(), 1, false).ok());
  CHECK(c.bodies() == std::vector<std::string>{"m0", "m1", "m2"});
}

TEST_CASE("stream: consumers need a prefetch (406) and cannot use automatic acks (540)") {
  StreamWorld s;
  auto& c = s.w.client();
  auto no_qos = s.w.broker.basic_consume(c.channel(1), Consume{.queue = "events"});
  CHECK(no_qos.error().text ==
        "PRECONDITION_FAILED - consumer prefetch count is not set for 'queue 'events' in vhost '/''");
  REQUIRE(s.w.broker.basic_qos(c.channel(2), 0, 5, false).ok());
  auto auto_ack = s.w.broker.basic_consume(c.channel(2), Consume{.queue = "events", .no_ack = true});
  CHECK(auto_ack.code() == ReplyCode::kNotImplemented);
  CHECK(auto_ack.error().text ==
        "NOT_IMPLEMENTED - automatic acknowledgement not supported by stream queues queue 'events' in vhost '/'");
  CHECK_FALSE(s.w.broker.connection_open(c.id));
}

TEST_CASE("stream: basic.get, purge and nack are not supported (540)") {
  StreamWorld s;
  auto& c = s.w.client();
  CHECK(s.w.broker.basic_get(c.channel(), "events", false).error().text ==
        "NOT_IMPLEMENTED - basic.get not supported by stream queues queue 'events' in vhost '/'");
  auto& d = s.w.client();
  CHECK(s.w.broker.queue_purge(d.channel(), "events").code() == ReplyCode::kNotImplemented);
  Client& reader = s.reader("first");
  CHECK(s.w.broker.basic_nack(reader.channel(), 1, false, true).error().text ==
        "NOT_IMPLEMENTED - basic.nack and basic.reject not supported by stream queues queue 'events' in vhost '/'");
}

TEST_CASE("stream: declaring needs durable, and stream-incompatible arguments are refused") {
  World w;
  auto& c = w.client();
  auto transient = w.declare_queue_with(c.channel(1), "s", FieldTable{{"x-queue-type", "stream"}}, false);
  CHECK(transient.error().text == "PRECONDITION_FAILED - invalid property 'non-durable' for queue 's' in vhost '/'");
  auto ttl = w.declare_queue_with(c.channel(2), "s", FieldTable{{"x-queue-type", "stream"}, {"x-message-ttl", FieldValue(5)}}, true);
  CHECK(ttl.error().text ==
        "PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 's' in vhost '/' of queue type rabbit_stream_queue");
}

TEST_CASE("stream versus classic: consumed is gone from a queue, but not from a stream") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  w.declare_queue(ch, "classic");
  REQUIRE(w.declare_queue_with(ch, "log", FieldTable{{"x-queue-type", "stream"}}, true).ok());
  REQUIRE(w.broker.queue_bind(ch, "classic", "amq.fanout", "").ok());
  REQUIRE(w.broker.queue_bind(ch, "log", "amq.fanout", "").ok());
  REQUIRE(w.publish(ch, "amq.fanout", "", "event").ok());
  REQUIRE(w.broker.basic_get(ch, "classic", true).value().has_value());
  CHECK(w.ready("classic") == 0);
  CHECK(w.broker.find_queue("log")->stream_log().size() == 1);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("stream: queue.declare-ok counts every message the stream holds, read or not (as RabbitMQ 3.10 does)") {
  StreamWorld s;
  Client& a = s.reader("first");
  CHECK(a.bodies().size() == 3);
  auto again = s.w.broker.queue_declare(s.pch, {.name = "events", .passive = true});
  REQUIRE(again.ok());
  CHECK(again.value().message_count == 3);
}

TEST_CASE("stream: queue.declare-ok counts no consumers, even while readers read (as RabbitMQ 3.10 does)") {
  StreamWorld s;
  Client& a = s.reader("first");
  REQUIRE(a.bodies().size() == 3);
  auto again = s.w.broker.queue_declare(s.pch, {.name = "events", .passive = true});
  REQUIRE(again.ok());
  CHECK(again.value().consumer_count == 0);
  // A classic queue with a consumer does count it.
  auto ch = s.w.client().channel();
  s.w.declare_queue(ch, "plain");
  REQUIRE(s.w.broker.basic_consume(ch, {.queue = "plain", .consumer_tag = "c"}).ok());
  CHECK(s.w.broker.queue_declare(ch, {.name = "plain", .passive = true}).value().consumer_count == 1);
}
