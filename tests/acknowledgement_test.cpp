// ack / nack / reject with multiple and requeue; requeue order and the redelivered flag;
// unknown and double acks; requeue on channel and connection close; basic.recover.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

struct Setup {
  World w;
  Client& producer = w.client("producer");
  Client& worker = w.client("worker");
  ChannelKey pch = producer.channel();
  ChannelKey wch = worker.channel();

  explicit Setup(int messages) {
    w.declare_queue(pch, "q");
    for (int i = 0; i < messages; ++i) REQUIRE(w.publish(pch, "", "q", std::to_string(i)).ok());
  }
  // Takes every ready message by basic.get (manual ack), returning their tags.
  void get_all() {
    while (true) {
      auto got = w.broker.basic_get(wch, "q", false);
      REQUIRE(got.ok());
      if (!got.value()) return;
      taken.emplace_back(got.value()->message->body());
    }
  }
  std::vector<std::string> taken;
};

}  // namespace

TEST_CASE("a requeued message goes back to its original position and comes back redelivered") {
  Setup s(5);
  s.get_all();  // tags 1..5 hold "0".."4"
  REQUIRE(s.w.broker.basic_nack(s.wch, 4, false, true).ok());  // "3"
  REQUIRE(s.w.broker.basic_nack(s.wch, 2, false, true).ok());  // "1"
  CHECK(s.w.ready_bodies("q") == std::vector<std::string>{"1", "3"});
  REQUIRE(s.w.publish(s.pch, "", "q", "5").ok());
  CHECK(s.w.ready_bodies("q") == std::vector<std::string>{"1", "3", "5"});
  auto got = s.w.broker.basic_get(s.wch, "q", true);
  CHECK(got.value()->message->body() == "1");
  CHECK(got.value()->redelivered);
  auto fresh = s.w.broker.basic_get(s.wch, "q", true);
  CHECK(fresh.value()->message->body() == "3");
  CHECK(s.w.broker.basic_get(s.wch, "q", true).value()->redelivered == false);  // "5" was never delivered
}

TEST_CASE("nack with multiple requeues everything up to the tag, in the original order") {
  Setup s(4);
  s.get_all();
  REQUIRE(s.w.broker.basic_nack(s.wch, 3, true, true).ok());
  CHECK(s.w.ready_bodies("q") == std::vector<std::string>{"0", "1", "2"});
  CHECK(s.w.broker.find_channel(s.wch)->unacked_count() == 1);
}

TEST_CASE("reject and nack without requeue drop the message with a trace event") {
  Setup s(3);
  s.get_all();
  REQUIRE(s.w.broker.basic_reject(s.wch, 1, false).ok());
  REQUIRE(s.w.broker.basic_nack(s.wch, 3, true, false).ok());
  CHECK(s.w.ready("q") == 0);
  CHECK(s.w.count_events(trace::EventKind::kDropped) == 3);
  CHECK(s.w.broker.accounting().copies_dropped == 3);
  CHECK(s.w.broker.nothing_lost());
}

TEST_CASE("ack with multiple acks everything up to the tag; tag 0 with multiple acks all") {
  Setup s(5);
  s.get_all();
  REQUIRE(s.w.broker.basic_ack(s.wch, 2, true).ok());
  CHECK(s.w.broker.find_channel(s.wch)->unacked_count() == 3);
  REQUIRE(s.w.broker.basic_ack(s.wch, 0, true).ok());
  CHECK(s.w.broker.find_channel(s.wch)->unacked_count() == 0);
  CHECK(s.w.broker.accounting().copies_acked == 5);
  CHECK(s.w.broker.nothing_lost());
}

TEST_CASE("an unknown delivery tag gets 406 and closes the channel") {
  Setup s(1);
  s.get_all();
  auto status = s.w.broker.basic_ack(s.wch, 7, false);
  CHECK(status.code() == ReplyCode::kPreconditionFailed);
  CHECK(status.error().text == "PRECONDITION_FAILED - unknown delivery tag 7");
  CHECK(s.w.broker.find_channel(s.wch) == nullptr);
  // Closing the channel requeued the unacked message.
  CHECK(s.w.ready("q") == 1);
}

TEST_CASE("a double ack gets 406, even with multiple set") {
  Setup s(3);
  s.get_all();
  REQUIRE(s.w.broker.basic_ack(s.wch, 1, false).ok());
  // RabbitMQ requires the named tag itself to be outstanding, though 2 and 3 are.
  auto status = s.w.broker.basic_ack(s.wch, 1, true);
  CHECK(status.code() == ReplyCode::kPreconditionFailed);
  CHECK(status.error().text == "PRECONDITION_FAILED - unknown delivery tag 1");
}

TEST_CASE("acking a no-ack delivery is an unknown tag") {
  Setup s(1);
  auto got = s.w.broker.basic_get(s.wch, "q", true);
  REQUIRE(got.value().has_value());
  CHECK(s.w.broker.basic_ack(s.wch, got.value()->delivery_tag, false).code() == ReplyCode::kPreconditionFailed);
}

TEST_CASE("closing a channel requeues its unacked messages in order, redelivered, to other consumers") {
  Setup s(4);
  auto& other = s.w.client("other");
  REQUIRE(s.w.broker.basic_qos(s.wch, 0, 2, false).ok());
  s.w.consume(s.wch, "q");
  CHECK(s.worker.bodies() == std::vector<std::string>{"0", "1"});
  REQUIRE(s.w.broker.channel_close(s.wch).ok());
  CHECK(s.w.ready_bodies("q") == std::vector<std::string>{"0", "1", "2", "3"});
  s.w.consume(other.channel(), "q", true);
  REQUIRE(other.deliveries.size() == 4);
  CHECK(other.deliveries[0].redelivered);
  CHECK(other.deliveries[1].redelivered);
  CHECK_FALSE(other.deliveries[2].redelivered);
  CHECK(s.w.broker.nothing_lost());
}

TEST_CASE("a connection that goes away requeues the unacked messages of all its channels") {
  Setup s(3);
  s.w.consume(s.wch, "q");
  s.w.consume(s.worker.channel(2), "q");
  CHECK(s.worker.deliveries.size() == 3);
  s.w.broker.close_connection(s.worker.id, ReplyCode::kConnectionForced, "client vanished");
  CHECK(s.w.ready_bodies("q") == std::vector<std::string>{"0", "1", "2"});
  CHECK(s.w.broker.find_queue("q")->unacked_count() == 0);
  CHECK(s.w.broker.nothing_lost());
}

TEST_CASE("basic.recover requeues every unacked message on the channel") {
  Setup s(3);
  s.get_all();
  REQUIRE(s.w.broker.basic_ack(s.wch, 2, false).ok());
  REQUIRE(s.w.broker.basic_recover(s.wch, true).ok());
  CHECK(s.w.ready_bodies("q") == std::vector<std::string>{"0", "2"});
  CHECK(s.w.broker.find_channel(s.wch)->unacked_count() == 0);
}

TEST_CASE("deleting a queue with unacked messages accounts for them; later acks are harmless") {
  Setup s(2);
  s.get_all();
  REQUIRE(s.w.broker.queue_delete(s.pch, "q", false, false).ok());
  CHECK(s.w.broker.nothing_lost());
  CHECK(s.w.broker.basic_ack(s.wch, 1, false).ok());
  CHECK(s.w.broker.find_channel(s.wch)->unacked_count() == 1);
  CHECK(s.w.broker.channel_close(s.wch).ok());
  CHECK(s.w.broker.nothing_lost());
}

TEST_CASE("pushes to a channel that has closed are not delivered") {
  // A listener that closes its channel on the first delivery: the second delivery, already
  // queued, must not reach it, and the message must be back in the queue.
  struct Closer final : ConnectionListener {
    Broker* broker = nullptr;
    ChannelKey key;
    int deliveries = 0;
    void on_deliver(const Delivery&) override {
      ++deliveries;
      (void)broker->channel_close(key);
    }
  };
  World w;
  Closer closer;
  closer.broker = &w.broker;
  closer.key = {w.broker.open_connection("closer", &closer), 1};
  REQUIRE(w.broker.channel_open(closer.key).ok());
  auto& producer = w.client();
  auto pch = producer.channel();
  w.declare_queue(pch, "q");
  REQUIRE(w.publish(pch, "", "q", "a").ok());
  REQUIRE(w.publish(pch, "", "q", "b").ok());
  w.consume(closer.key, "q");  // both delivered in one go, then the first push closes the channel
  CHECK(closer.deliveries == 1);
  CHECK(w.ready_bodies("q") == std::vector<std::string>{"a", "b"});
  CHECK(w.broker.nothing_lost());
}
