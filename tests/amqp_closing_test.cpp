// Closing as RabbitMQ 3.10.8 does it, checked against it on loopback with raw frames: after a
// close handshake the server keeps reading and drops what the client still sends, until the
// client closes the socket or a timeout; a closing channel drops its methods but still reads
// its content; frames read together with a client's channel.close go to the closing channel.
#include <doctest/doctest.h>

#include "amqp/method_args.h"
#include "amqp_wire_client.h"

using namespace brokersim;
using namespace brokersim::amqp;
using namespace brokersim::testing;

namespace {

constexpr sim::TimeUs kSecondUs = 1'000'000;

std::string client_close(std::uint16_t channel) {
  const Method close = Method::make(channel == 0 ? kConnectionClose : kChannelClose,
                                    {std::uint64_t{200}, std::string("bye"), std::uint64_t{0}, std::uint64_t{0}});
  return client_method(channel, close);
}

std::vector<std::string> names_of(const std::string& output) { return method_names(parse_server_output(output)); }

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("after the client's connection.close, frames in flight are read and dropped until it closes the socket") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  WireWorld::exchange(*c, pending, client_handshake() + client_method(1, channel_open()) + client_method(1, queue_declare("q")));
  // 2,000 publishes written before the close, all in one go: every one is routed, then close-ok.
  std::string burst;
  for (int i = 0; i < 2000; ++i) burst += client_method(1, publish("", "q")) + client_content(1, "sixteen bytes...");
  CHECK(names_of(WireWorld::exchange(*c, pending, burst + client_close(0))) == Names{"connection.close-ok"});
  CHECK(w.broker.find_queue("q")->ready_count() == 2000);
  CHECK_FALSE(c->finished());  // the socket stays open: closing it now would reset the client

  // What follows the close is dropped; another connection.close is answered again.
  const std::string late = client_method(1, publish("", "q")) + client_content(1, "late") +
                           client_method(2, channel_open()) + client_close(0);
  CHECK(names_of(WireWorld::exchange(*c, pending, late)) == Names{"connection.close-ok"});
  CHECK(w.broker.find_queue("q")->ready_count() == 2000);
  CHECK_FALSE(c->finished());
  // A client that never closes its socket is dropped 30 s after close-ok (heartbeat 0).
  w.scheduler.run_until(w.scheduler.now_us() + 29 * kSecondUs);
  CHECK_FALSE(c->finished());
  w.scheduler.run_until(w.scheduler.now_us() + 2 * kSecondUs);
  CHECK(c->finished());
}

TEST_CASE("a closing connection waits the heartbeat interval when under 30 s, and ends at the client's close-ok") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  WireWorld::exchange(*c, pending, client_handshake(/*heartbeat_s=*/5));
  w.scheduler.run_until(w.scheduler.now_us() + 3 * kSecondUs);
  WireWorld::exchange(*c, pending, client_close(0));
  // Heartbeats keep going while closing (one is due 2.5 s after the last frame sent)...
  w.scheduler.run_until(w.scheduler.now_us() + 4900'000);
  CHECK_FALSE(c->finished());
  const auto beats = parse_server_output(std::move(c->output()));
  c->output().clear();
  REQUIRE_FALSE(beats.empty());
  CHECK(beats.back().type == FrameType::kHeartbeat);
  // ...and the connection ends 5 s after close-ok.
  w.scheduler.run_until(w.scheduler.now_us() + 200'000);
  CHECK(c->finished());

  // Server-initiated: a 504 connection.close, then the client's close-ok ends it at once.
  auto d = w.connect();
  pending.clear();
  auto frames = parse_server_output(WireWorld::exchange(*d, pending, client_handshake() + client_method(5, queue_declare("q"))));
  CHECK(frames.back().method->id() == kConnectionClose);
  CHECK(names_of(WireWorld::exchange(*d, pending, client_method(1, queue_declare("dropped")))).empty());
  CHECK_FALSE(d->finished());
  WireWorld::exchange(*d, pending, client_method(0, Method::make(kConnectionCloseOk)));
  CHECK(d->finished());
  CHECK(w.broker.find_queue("dropped") == nullptr);
}

TEST_CASE("once closing, an unreadable frame drops the connection 3 s later without a word") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  WireWorld::exchange(*c, pending, client_handshake() + client_close(0));
  std::string oversized;
  encode_frame(oversized, FrameType::kBody, 1, std::string(200000, 'x'));
  CHECK(WireWorld::exchange(*c, pending, oversized).empty());
  w.scheduler.run_until(w.scheduler.now_us() + 2 * kSecondUs);
  CHECK_FALSE(c->finished());
  w.scheduler.run_until(w.scheduler.now_us() + 2 * kSecondUs);
  CHECK(c->finished());
}

TEST_CASE("a channel the server closed drops methods and content, answers a crossing close, refuses a second open") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  WireWorld::exchange(*c, pending, client_handshake() + client_method(1, channel_open()) + client_method(1, queue_declare("q")));
  auto frames = names_of(WireWorld::exchange(*c, pending, client_method(1, publish("missing", "k")) + client_content(1, "x")));
  CHECK(frames == Names{"channel.close"});
  // A publish with its content, and a declare, are dropped; a crossing channel.close is answered
  // and the channel still waits for close-ok.
  const std::string before_close_ok = client_method(1, publish("", "q")) + client_content(1, "dropped") +
                                      client_method(1, queue_declare("not-made")) + client_close(1);
  CHECK(names_of(WireWorld::exchange(*c, pending, before_close_ok)) == Names{"channel.close-ok"});
  CHECK(w.broker.find_queue("q")->ready_count() == 0);
  CHECK(w.broker.find_queue("not-made") == nullptr);
  // The client's close-ok ends it; the number can then be opened again.
  CHECK(names_of(WireWorld::exchange(*c, pending, client_method(1, Method::make(kChannelCloseOk)) +
                                                      client_method(1, channel_open()))) == Names{"channel.open-ok"});
}

TEST_CASE("on a closing channel a body with no publish is still 505, and a second open is 504") {
  WireWorld w;
  {
    auto c = w.connect();
    std::string pending;
    WireWorld::exchange(*c, pending, client_handshake() + client_method(1, channel_open()));
    WireWorld::exchange(*c, pending, client_method(1, publish("missing", "k")) + client_content(1, "x"));
    std::string stray;
    encode_frame(stray, FrameType::kBody, 1, "stray");
    auto frames = parse_server_output(WireWorld::exchange(*c, pending, stray));
    REQUIRE(frames.size() == 1);
    CHECK(args_of<kConnectionClose>(*frames[0].method).number<"reply-code">() == 505);
  }
  {
    auto c = w.connect();
    std::string pending;
    WireWorld::exchange(*c, pending, client_handshake() + client_method(1, channel_open()));
    WireWorld::exchange(*c, pending, client_method(1, publish("missing", "k")) + client_content(1, "x"));
    auto frames = parse_server_output(WireWorld::exchange(*c, pending, client_method(1, channel_open())));
    REQUIRE(frames.size() == 1);
    CHECK(args_of<kConnectionClose>(*frames[0].method).number<"reply-code">() == 504);
    CHECK(args_of<kConnectionClose>(*frames[0].method).text<"reply-text">() == "CHANNEL_ERROR - second 'channel.open' seen");
    CHECK(args_of<kConnectionClose>(*frames[0].method).number<"class-id">() == 20);
    CHECK(args_of<kConnectionClose>(*frames[0].method).number<"method-id">() == 10);
  }
}

TEST_CASE("frames read with a client's channel.close go to the closing channel; after close-ok the number is free") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  WireWorld::exchange(*c, pending, client_handshake() + client_method(1, channel_open()) + client_method(1, queue_declare("q")));
  // In the same read: the publish after the close is dropped.
  auto out = WireWorld::exchange(*c, pending, client_close(1) + client_method(1, publish("", "q")) + client_content(1, "x"));
  CHECK(names_of(out) == Names{"channel.close-ok"});
  CHECK(w.broker.find_queue("q")->ready_count() == 0);
  // In a later read the channel is gone: a method without channel.open is 504, an open works.
  CHECK(names_of(WireWorld::exchange(*c, pending, client_method(1, channel_open()))) == Names{"channel.open-ok"});

  // channel.close then channel.open in one read: the open reaches the closing channel.
  out = WireWorld::exchange(*c, pending, client_close(1) + client_method(1, channel_open()));
  auto frames = parse_server_output(out);
  REQUIRE(frames.size() == 2);
  CHECK(args_of<kConnectionClose>(*frames[1].method).text<"reply-text">() == "CHANNEL_ERROR - second 'channel.open' seen");
}

TEST_CASE("a nack from the server has requeue set, as RabbitMQ's basic.nack record default") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  FieldTable args{{"x-max-length", FieldValue(std::int64_t{0})}, {"x-overflow", FieldValue("reject-publish")}};
  const Method declare = Method::make(kQueueDeclare, {std::uint64_t{0}, std::string("full"), std::uint64_t{0},
                                                      std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{0},
                                                      std::uint64_t{0}, args});
  auto frames = parse_server_output(WireWorld::exchange(
      *c, pending, client_handshake() + client_method(1, channel_open()) +
                       client_method(1, Method::make(kConfirmSelect, {std::uint64_t{0}})) + client_method(1, declare) +
                       client_method(1, publish("", "full")) + client_content(1, "refused")));
  REQUIRE(frames.back().method->id() == kBasicNack);
  CHECK(args_of<kBasicNack>(*frames.back().method).flag<"requeue">());
  CHECK(args_of<kBasicNack>(*frames.back().method).flag<"multiple">());  // a lone nack: RabbitMQ has no single case for nacks
}

TEST_CASE("before tune-ok a refused login waits RabbitMQ's normal 3 s for close-ok, not the 30 s closing timeout") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  std::string bytes(kProtocolHeader);
  FieldTable caps{{"authentication_failure_close", FieldValue(true)}};
  bytes += client_method(0, Method::make(kConnectionStartOk,
                                         {FieldTable{{"capabilities", FieldValue(caps)}}, std::string("PLAIN"),
                                          std::string("\0guest\0wrong", 12), std::string("en_US")}));
  auto frames = parse_server_output(WireWorld::exchange(*c, pending, bytes));
  REQUIRE(frames.back().method->id() == kConnectionClose);
  CHECK(args_of<kConnectionClose>(*frames.back().method).number<"reply-code">() == 403);
  w.scheduler.run_until(w.scheduler.now_us() + 2900'000);
  CHECK_FALSE(c->finished());
  w.scheduler.run_until(w.scheduler.now_us() + 200'000);
  CHECK(c->finished());
}
