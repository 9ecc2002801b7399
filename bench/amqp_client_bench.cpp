// A rabbitmq-c client that measures an AMQP broker on loopback: publish-only throughput,
// publish + consume (manual acks, prefetch 100) with end-to-end latency, and publishing with
// confirms with publish-to-confirm latency. bench/amqp_vs_rabbitmq.sh runs it against
// brokersim and RabbitMQ in the same run and prints the ratios.
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_amqp_client: %s\n", what);
  std::exit(1);
}

void check_rpc(amqp_connection_state_t conn, const char* what) {
  amqp_rpc_reply_t r = amqp_get_rpc_reply(conn);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) die(what);
}

amqp_connection_state_t connect_to(int port) {
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);
  if (!socket || amqp_socket_open(socket, "127.0.0.1", port) != AMQP_STATUS_OK) die("cannot connect");
  amqp_rpc_reply_t login = amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
  if (login.reply_type != AMQP_RESPONSE_NORMAL) die("login failed");
  amqp_channel_open(conn, 1);
  check_rpc(conn, "channel.open failed");
  return conn;
}

void disconnect(amqp_connection_state_t conn) {
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
}

void fresh_queue(amqp_connection_state_t conn, const char* name) {
  amqp_queue_delete(conn, 1, amqp_cstring_bytes(name), 0, 0);
  check_rpc(conn, "queue.delete failed");
  amqp_queue_declare(conn, 1, amqp_cstring_bytes(name), 0, 0, 0, 0, amqp_empty_table);
  check_rpc(conn, "queue.declare failed");
}

std::uint32_t queue_depth(amqp_connection_state_t conn, const char* name) {
  amqp_queue_declare_ok_t* ok = amqp_queue_declare(conn, 1, amqp_cstring_bytes(name), 1, 0, 0, 0, amqp_empty_table);
  check_rpc(conn, "passive queue.declare failed");
  return ok->message_count;
}

void publish(amqp_connection_state_t conn, const char* queue, std::string& body) {
  const std::int64_t t = now_ns();
  std::memcpy(body.data(), &t, sizeof t);
  amqp_bytes_t bytes{body.size(), body.data()};
  if (amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, nullptr, bytes) != AMQP_STATUS_OK) {
    die("publish failed");
  }
}

struct Result {
  double seconds = 0;
  std::vector<double> latencies_us;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1)))];
}

// Publishes `count` messages and waits until the broker has them all in the queue.
Result publish_only(int port, int count, std::size_t size) {
  amqp_connection_state_t conn = connect_to(port);
  fresh_queue(conn, "bench-publish");
  std::string body(size, 'p');
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) publish(conn, "bench-publish", body);
  while (queue_depth(conn, "bench-publish") < static_cast<std::uint32_t>(count)) std::this_thread::sleep_for(std::chrono::microseconds(200));
  Result r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  amqp_queue_delete(conn, 1, amqp_cstring_bytes("bench-publish"), 0, 0);
  disconnect(conn);
  return r;
}

// One connection publishes while another consumes with prefetch 100 and acks each message;
// latency is from publish to delivery, read from the timestamp in the body.
Result publish_and_consume(int port, int count, std::size_t size) {
  amqp_connection_state_t consumer = connect_to(port);
  fresh_queue(consumer, "bench-pubsub");
  amqp_basic_qos(consumer, 1, 0, 100, 0);
  check_rpc(consumer, "basic.qos failed");
  amqp_basic_consume(consumer, 1, amqp_cstring_bytes("bench-pubsub"), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  check_rpc(consumer, "basic.consume failed");
  amqp_connection_state_t publisher = connect_to(port);

  Result r;
  r.latencies_us.reserve(count);
  const auto start = Clock::now();
  std::thread publishing([&] {
    std::string body(size, 'c');
    for (int i = 0; i < count; ++i) publish(publisher, "bench-pubsub", body);
  });
  for (int received = 0; received < count; ++received) {
    amqp_maybe_release_buffers(consumer);
    amqp_envelope_t envelope;
    amqp_rpc_reply_t reply = amqp_consume_message(consumer, &envelope, nullptr, 0);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) die("consume failed");
    std::int64_t sent = 0;
    if (envelope.message.body.len >= sizeof sent) std::memcpy(&sent, envelope.message.body.bytes, sizeof sent);
    r.latencies_us.push_back((now_ns() - sent) / 1000.0);
    amqp_basic_ack(consumer, 1, envelope.delivery_tag, 0);
    amqp_destroy_envelope(&envelope);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  publishing.join();
  amqp_queue_delete(consumer, 1, amqp_cstring_bytes("bench-pubsub"), 0, 0);
  disconnect(publisher);
  disconnect(consumer);
  return r;
}

// Publishes with confirms, keeping up to `window` unconfirmed; latency is publish to confirm.
Result publish_with_confirms(int port, int count, std::size_t size, int window) {
  amqp_connection_state_t conn = connect_to(port);
  fresh_queue(conn, "bench-confirms");
  amqp_confirm_select(conn, 1);
  check_rpc(conn, "confirm.select failed");
  std::string body(size, 'f');
  std::vector<std::int64_t> sent_at(count + 1);
  Result r;
  r.latencies_us.reserve(count);
  std::uint64_t confirmed = 0;
  auto take_confirm = [&](bool block) {
    amqp_frame_t frame;
    timeval zero{0, 0};
    int status = amqp_simple_wait_frame_noblock(conn, &frame, block ? nullptr : &zero);
    if (status == AMQP_STATUS_TIMEOUT) return false;
    if (status != AMQP_STATUS_OK) die("waiting for confirms failed");
    if (frame.frame_type != AMQP_FRAME_METHOD) return true;
    if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
      auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
      const std::uint64_t upto = ack->multiple ? ack->delivery_tag : ack->delivery_tag;
      const std::int64_t t = now_ns();
      for (std::uint64_t tag = ack->multiple ? confirmed + 1 : ack->delivery_tag; tag <= upto; ++tag) {
        r.latencies_us.push_back((t - sent_at[tag]) / 1000.0);
      }
      confirmed = std::max(confirmed, upto);
    } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
      die("a publish was nacked");
    }
    return true;
  };
  const auto start = Clock::now();
  for (int i = 1; i <= count; ++i) {
    sent_at[i] = now_ns();
    publish(conn, "bench-confirms", body);
    while (static_cast<std::uint64_t>(i) - confirmed >= static_cast<std::uint64_t>(window)) take_confirm(true);
    while (take_confirm(false)) {
    }
  }
  while (confirmed < static_cast<std::uint64_t>(count)) take_confirm(true);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  amqp_queue_delete(conn, 1, amqp_cstring_bytes("bench-confirms"), 0, 0);
  disconnect(conn);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_amqp_client PORT publish|pubsub|confirms [COUNT] [SIZE]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string mode = argv[2];
  const int count = argc > 3 ? std::atoi(argv[3]) : 100000;
  const std::size_t size = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 1024;
  Result r;
  if (mode == "publish") {
    r = publish_only(port, count, size);
  } else if (mode == "pubsub") {
    r = publish_and_consume(port, count, size);
  } else if (mode == "confirms") {
    r = publish_with_confirms(port, count, size, 1000);
  } else {
    std::fprintf(stderr, "bench_amqp_client: unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  std::printf("%s msgs=%d size=%zu seconds=%.3f rate=%.0f p50_us=%.0f p99_us=%.0f\n", mode.c_str(), count, size,
              r.seconds, count / r.seconds, percentile(r.latencies_us, 0.50), percentile(r.latencies_us, 0.99));
  return 0;
}
