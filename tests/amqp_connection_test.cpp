// The AMQP connection state machine, driven through bytes only: handshake, channel and
// content sequencing, RabbitMQ's close codes, heartbeats, frame splitting, and a session fed
// in two pieces at every byte offset giving the same output as fed whole.
#include <doctest/doctest.h>

#include <map>

#include <cstdio>

#include "amqp/byte_io.h"
#include "amqp/method_args.h"
#include "amqp_wire_client.h"

using namespace brokersim;
using namespace brokersim::amqp;
using namespace brokersim::testing;
using broker::FieldTable;

namespace {


// A whole client session: handshake, a consumer, a confirmed publish of a multi-frame body,
// an ack, a mandatory publish that comes back, and a clean close.
std::string captured_session() {
  std::string s = client_handshake();
  s += client_method(1, channel_open());
  s += client_method(1, Method::make(kConfirmSelect, {std::uint64_t{0}}));
  s += client_method(1, queue_declare("work"));
  s += client_method(1, consume("work", false));
  s += client_method(1, publish("", "work"));
  s += client_content(1, std::string(2500, 'b'), 1000);
  s += client_method(1, Method::make(kBasicAck, {std::uint64_t{1}, std::uint64_t{0}}));
  s += client_method(1, publish("", "nowhere", true));
  s += client_content(1, "lost");
  s += client_method(1, Method::make(kChannelClose, {std::uint64_t{200}, std::string("bye"), std::uint64_t{0},
                                                     std::uint64_t{0}}));
  s += client_method(0, Method::make(kConnectionClose, {std::uint64_t{200}, std::string("bye"), std::uint64_t{0},
                                                        std::uint64_t{0}}));
  return s;
}

// What a client learns from a session's output whatever the coalescing of confirms, which
// depends on how the bytes were read (as in RabbitMQ): every other frame, in order, and how
// each publish was confirmed, with multiple acks expanded.
struct SessionMeaning {
  std::vector<std::string> frames;
  std::map<std::pair<std::uint16_t, std::uint64_t>, std::string> confirms;
  bool operator==(const SessionMeaning&) const = default;
};

SessionMeaning meaning_of(const std::string& output) {
  SessionMeaning m;
  for (const auto& f : parse_server_output(output)) {
    const bool ack = f.method && f.method->id() == kBasicAck;
    if (!ack && !(f.method && f.method->id() == kBasicNack)) {
      m.frames.push_back(std::to_string(static_cast<int>(f.type)) + "/" + std::to_string(f.channel) + "/" + f.payload);
      continue;
    }
    const std::uint64_t tag = ack ? args_of<kBasicAck>(*f.method).number<"delivery-tag">()
                                  : args_of<kBasicNack>(*f.method).number<"delivery-tag">();
    const bool multiple = ack ? args_of<kBasicAck>(*f.method).flag<"multiple">() : args_of<kBasicNack>(*f.method).flag<"multiple">();
    const std::uint64_t first = multiple ? 1 : tag;
    for (std::uint64_t t = first; t <= tag; ++t) m.confirms.emplace(std::pair{f.channel, t}, ack ? "ack" : "nack");
  }
  return m;
}

const Method& find_method(const std::vector<ServerFrame>& frames, std::uint32_t id) {
  for (const auto& f : frames)
    if (f.method && f.method->id() == id) return *f.method;
  FAIL("method not sent: " << find_method_spec(id)->name);
  static Method none;
  return none;
}

}  // namespace

TEST_CASE("a client handshake gets start, tune and open-ok, then channels work") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  auto frames = parse_server_output(WireWorld::exchange(*c, pending, client_handshake() + client_method(1, channel_open())));
  CHECK(method_names(frames) ==
        std::vector<std::string>{"connection.start", "connection.tune", "connection.open-ok", "channel.open-ok"});
  const auto start = args_of<kConnectionStart>(find_method(frames, kConnectionStart));
  CHECK(start.text<"mechanisms">() == "PLAIN AMQPLAIN");
  const auto* caps = broker::find_field(start.table<"server-properties">(), "capabilities");
  REQUIRE(caps != nullptr);
  for (const char* cap : {"publisher_confirms", "exchange_exchange_bindings", "basic.nack", "consumer_cancel_notify",
                          "connection.blocked", "per_consumer_qos", "direct_reply_to", "authentication_failure_close"}) {
    CAPTURE(cap);
    CHECK(broker::find_field(*caps->as_table(), cap) != nullptr);
  }
  CHECK(pending.empty());
  CHECK(c->broker_connection().has_value());
}

TEST_CASE("a captured session fed in two pieces at every byte offset gives the same output") {
  const std::string session = captured_session();
  std::string whole_output;
  {
    WireWorld w;
    auto c = w.connect();
    std::string pending;
    whole_output = WireWorld::exchange(*c, pending, session);
    // Closed, and still reading until the client drops the socket (see amqp_closing_test).
    CHECK(c->closing_or_finished());
  }
  // Read at once, the unroutable publish 2 is returned and acked at once, as RabbitMQ's channel
  // does; the queue's confirm of publish 1 follows, before the channel's close-ok.
  const auto names = method_names(parse_server_output(whole_output));
  CHECK(names == std::vector<std::string>{"connection.start", "connection.tune", "connection.open-ok",
                                          "channel.open-ok", "confirm.select-ok", "queue.declare-ok",
                                          "basic.consume-ok", "basic.deliver", "basic.return", "basic.ack",
                                          "basic.ack", "channel.close-ok", "connection.close-ok"});
  const SessionMeaning whole = meaning_of(whole_output);
  CHECK(whole.confirms.size() == 2);
  for (std::size_t split = 0; split <= session.size(); ++split) {
    WireWorld w;
    auto c = w.connect();
    std::string pending;
    std::string output = WireWorld::exchange(*c, pending, session.substr(0, split));
    output += WireWorld::exchange(*c, pending, session.substr(split));
    if (meaning_of(output) != whole) {
      FAIL("output differs when split at byte " << split);
    }
  }
}

TEST_CASE("a wrong protocol header gets AMQP 0-9-1's header back, then the connection ends") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  std::string out = WireWorld::exchange(*c, pending, std::string("AMQP\x00\x00\x09\x00", 8));
  CHECK(out == std::string("AMQP\x00\x00\x09\x01", 8));
  CHECK(c->finished());

  auto http = w.connect();
  pending.clear();
  out = WireWorld::exchange(*http, pending, "GET / HTTP/1.1\r\n");
  CHECK(http->finished());
}

TEST_CASE("a wrong password is refused with 403 ACCESS_REFUSED") {
  // RabbitMQ says so only to a client that announced authentication_failure_close (pika does),
  // with class and method 0; to others it says nothing and closes the socket 3 s later.
  for (bool announced : {true, false}) {
    WireWorld w;
    auto c = w.connect();
    std::string pending;
    FieldTable properties;
    if (announced) {
      properties.emplace_back("capabilities",
                              FieldValue(FieldTable{{"authentication_failure_close", FieldValue(true)}}));
    }
    std::string bytes(kProtocolHeader);
    bytes += client_method(0, Method::make(kConnectionStartOk, {properties, std::string("PLAIN"),
                                                                std::string("\0guest\0nope", 11), std::string("en_US")}));
    auto frames = parse_server_output(WireWorld::exchange(*c, pending, bytes));
    if (announced) {
      const auto close = args_of<kConnectionClose>(find_method(frames, kConnectionClose));
      CHECK(close.number<"reply-code">() == 403);
      CHECK(close.text<"reply-text">() ==
            "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.");
      CHECK(close.number<"class-id">() == 0);
      CHECK(close.number<"method-id">() == 0);
    } else {
      CHECK(frames.size() == 1);  // connection.start only
      CHECK_FALSE(c->finished());
      w.advance_ms(3100);
      CHECK(c->finished());
      CHECK(c->output().empty());  // nothing, not even later
    }
  }
}

TEST_CASE("guest may log in from loopback only") {
  WireWorld w;
  w.settings.peer_is_loopback = false;
  auto c = w.connect();
  std::string pending;
  auto frames = parse_server_output(WireWorld::exchange(*c, pending, client_handshake()));
  // This client did not announce authentication_failure_close: no connection.close, just the end.
  for (const auto& f : frames) CHECK_FALSE((f.method && f.method->id() == kConnectionClose));
  w.advance_ms(3100);
  CHECK(c->finished());
  CHECK_FALSE(c->broker_connection().has_value());
}

TEST_CASE("a method on a channel that was never opened closes the connection with 504") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  auto frames = parse_server_output(WireWorld::exchange(*c, pending, client_handshake() + client_method(5, queue_declare("q"))));
  const auto close = args_of<kConnectionClose>(find_method(frames, kConnectionClose));
  CHECK(close.number<"reply-code">() == 504);
  CHECK(close.text<"reply-text">() == "CHANNEL_ERROR - expected 'channel.open'");
}

TEST_CASE("content without a publish, or a method where content belongs, is 505 UNEXPECTED_FRAME") {
  WireWorld w;
  {
    auto c = w.connect();
    std::string pending;
    auto frames = parse_server_output(WireWorld::exchange(
        *c, pending, client_handshake() + client_method(1, channel_open()) + client_content(1, "stray")));
    CHECK(args_of<kConnectionClose>(find_method(frames, kConnectionClose)).number<"reply-code">() == 505);
  }
  {
    auto c = w.connect();
    std::string pending;
    auto frames = parse_server_output(WireWorld::exchange(*c, pending,
                                                          client_handshake() + client_method(1, channel_open()) +
                                                              client_method(1, publish("", "q")) +
                                                              client_method(1, queue_declare("q"))));
    const auto close = args_of<kConnectionClose>(find_method(frames, kConnectionClose));
    CHECK(close.number<"reply-code">() == 505);
    CHECK(close.number<"class-id">() == 50);
  }
}

TEST_CASE("a soft error closes only the channel, with the failing method's ids, and the channel can reopen") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  auto frames = parse_server_output(WireWorld::exchange(
      *c, pending, client_handshake() + client_method(1, channel_open()) + client_method(1, queue_declare("ghost", true)) +
                       client_method(1, queue_declare("ignored-while-closing"))));
  const auto close = args_of<kChannelClose>(find_method(frames, kChannelClose));
  CHECK(close.number<"reply-code">() == 404);
  CHECK(close.text<"reply-text">() == "NOT_FOUND - no queue 'ghost' in vhost '/'");
  CHECK(close.number<"class-id">() == 50);
  CHECK(close.number<"method-id">() == 10);
  CHECK(w.broker.find_queue("ignored-while-closing") == nullptr);

  frames = parse_server_output(WireWorld::exchange(*c, pending,
                                                   client_method(1, Method::make(kChannelCloseOk)) +
                                                       client_method(1, channel_open()) +
                                                       client_method(1, queue_declare("fresh"))));
  CHECK(method_names(frames) == std::vector<std::string>{"channel.open-ok", "queue.declare-ok"});
}

TEST_CASE("a frame over the negotiated frame_max is 501 FRAME_ERROR") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  auto frames = parse_server_output(WireWorld::exchange(*c, pending,
                                                        client_handshake(0, 4096) + client_method(1, channel_open()) +
                                                            client_method(1, publish("", "q")) +
                                                            client_content(1, std::string(6000, 'x'), 6000)));
  CHECK(args_of<kConnectionClose>(find_method(frames, kConnectionClose)).number<"reply-code">() == 501);
}

TEST_CASE("deliveries are split into body frames at the negotiated frame_max") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  const std::string body(10000, 'z');
  auto frames = parse_server_output(WireWorld::exchange(
      *c, pending, client_handshake(0, 4096) + client_method(1, channel_open()) + client_method(1, queue_declare("big")) +
                       client_method(1, publish("", "big")) + client_content(1, body, 4000) +
                       client_method(1, consume("big", true))));
  std::string received;
  int body_frames = 0;
  for (const auto& f : frames) {
    if (f.type != FrameType::kBody) continue;
    CHECK(f.payload.size() + kFrameOverhead <= 4096);
    received += f.payload;
    ++body_frames;
  }
  CHECK(received == body);
  CHECK(body_frames == 3);
  // consume-ok goes before the delivery it triggers.
  const auto names = method_names(frames);
  CHECK(names[names.size() - 2] == "basic.consume-ok");
  CHECK(names.back() == "basic.deliver");
}

TEST_CASE("a message over the size limit is refused with 406 from its content header, before its body") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  std::string header_payload, bytes = client_handshake() + client_method(1, channel_open()) + client_method(1, publish("", "q"));
  ContentHeader h;
  h.body_size = 200ull << 20;
  encode_content_header(header_payload, h);
  encode_frame(bytes, FrameType::kHeader, 1, header_payload);
  auto frames = parse_server_output(WireWorld::exchange(*c, pending, bytes));
  const auto close = args_of<kChannelClose>(find_method(frames, kChannelClose));
  CHECK(close.number<"reply-code">() == 406);
  CHECK(close.text<"reply-text">() == "PRECONDITION_FAILED - message size 209715200 is larger than configured max size 134217728");
}

TEST_CASE("heartbeats: the server sends them when quiet and drops a silent client after two intervals") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  (void)WireWorld::exchange(*c, pending, client_handshake(/*heartbeat_s=*/2));
  w.advance_ms(1100);
  auto frames = parse_server_output(c->output());
  c->output().clear();
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].type == FrameType::kHeartbeat);
  CHECK_FALSE(c->finished());
  // A client heartbeat keeps the connection alive.
  std::string beat;
  encode_heartbeat(beat);
  w.advance_ms(2000);
  (void)WireWorld::exchange(*c, pending, beat);
  w.advance_ms(2500);
  CHECK_FALSE(c->finished());
  // Two whole intervals (and at most one tick more) after the last byte, it is gone.
  w.advance_ms(3000);
  CHECK(c->finished());
  CHECK(c->close_reason() == "missed heartbeats from client, timeout: 2s");
  CHECK_FALSE(w.broker.connection_open(*c->broker_connection()));
}

TEST_CASE("a client that vanishes mid-delivery has its unacked messages requeued as redelivered") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  (void)WireWorld::exchange(*c, pending,
                            client_handshake() + client_method(1, channel_open()) + client_method(1, queue_declare("jobs")) +
                                client_method(1, consume("jobs", false)) + client_method(1, publish("", "jobs")) +
                                client_content(1, "job-1"));
  REQUIRE(w.broker.find_queue("jobs")->unacked_count() == 1);
  c.reset();  // the socket is gone, no close handshake
  const auto* q = w.broker.find_queue("jobs");
  REQUIRE(q != nullptr);
  CHECK(q->ready_count() == 1);
  bool redelivered = false;
  q->ready().for_each([&](const broker::QueuedMessage& m) { redelivered = m.redelivered; });
  CHECK(redelivered);
  CHECK(w.broker.nothing_lost());
}

TEST_CASE("a client that never finishes the handshake is dropped after the handshake timeout") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  (void)WireWorld::exchange(*c, pending, std::string(kProtocolHeader));
  w.advance_ms(9000);
  CHECK_FALSE(c->finished());
  w.advance_ms(2000);
  CHECK(c->finished());
  CHECK(c->close_reason() == "handshake timeout");
}

TEST_CASE("AMQPLAIN logs in too, and users from a file may connect from anywhere") {
  WireWorld w;
  const std::string path = "/tmp/brokersim-users-test.txt";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("# teaching accounts\nalice:wonderland\n", f);
    std::fclose(f);
  }
  REQUIRE_FALSE(w.users.load_file(path).has_value());
  w.settings.peer_is_loopback = false;
  auto c = w.connect();
  std::string pending;
  // AMQPLAIN's response is a field table without its length prefix.
  std::string response;
  ByteWriter out(response);
  out.short_string("LOGIN");
  out.u8('S');
  out.long_string("alice");
  out.short_string("PASSWORD");
  out.u8('S');
  out.long_string("wonderland");
  std::string bytes(kProtocolHeader);
  bytes += client_method(0, Method::make(kConnectionStartOk, {FieldTable{}, std::string("AMQPLAIN"), response,
                                                              std::string("en_US")}));
  bytes += client_method(0, Method::make(kConnectionTuneOk, {std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{0}}));
  bytes += client_method(0, Method::make(kConnectionOpen, {std::string("/"), std::string(), std::uint64_t{0}}));
  auto frames = parse_server_output(WireWorld::exchange(*c, pending, bytes));
  CHECK(method_names(frames) == std::vector<std::string>{"connection.start", "connection.tune", "connection.open-ok"});

  std::FILE* bad = std::fopen(path.c_str(), "w");
  std::fputs("nocolon\n", bad);
  std::fclose(bad);
  amqp::Users users;
  CHECK(users.load_file(path) == path + ":1: expected name:password");
  std::remove(path.c_str());
}

TEST_CASE("a vhost other than / is refused with 530 NOT_ALLOWED") {
  WireWorld w;
  auto c = w.connect();
  std::string pending;
  std::string bytes = client_handshake();
  // Replace the handshake's connection.open with one for another vhost.
  bytes = std::string(kProtocolHeader) +
          client_method(0, Method::make(kConnectionStartOk, {FieldTable{}, std::string("PLAIN"),
                                                              std::string("\0guest\0guest", 12), std::string("en_US")})) +
          client_method(0, Method::make(kConnectionTuneOk, {std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{0}})) +
          client_method(0, Method::make(kConnectionOpen, {std::string("/shop"), std::string(), std::uint64_t{0}}));
  auto frames = parse_server_output(WireWorld::exchange(*c, pending, bytes));
  const auto close = args_of<kConnectionClose>(find_method(frames, kConnectionClose));
  CHECK(close.number<"reply-code">() == 530);
}
