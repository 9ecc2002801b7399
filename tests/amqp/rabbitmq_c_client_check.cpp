// rabbitmq-c (librabbitmq) against the AMQP port: properties and typed headers survive the
// round trip, a 1 MiB body crosses many frames intact, confirms arrive, an unroutable
// mandatory publish comes back as basic.return 312 before its basic.ack, and a redeclare
// with other arguments closes the channel with 406.
// Usage: rabbitmq_c_client_check PORT
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int failures = 0;
int passes = 0;

void expect(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  ok ? ++passes : ++failures;
}

amqp_connection_state_t connect_to(int port) {
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);
  if (!socket || amqp_socket_open(socket, "127.0.0.1", port) != AMQP_STATUS_OK) {
    std::printf("FAIL: cannot connect to port %d\n", port);
    std::exit(1);
  }
  amqp_rpc_reply_t login = amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    std::printf("FAIL: login\n");
    std::exit(1);
  }
  amqp_channel_open(conn, 1);
  return conn;
}

bool rpc_ok(amqp_connection_state_t conn) { return amqp_get_rpc_reply(conn).reply_type == AMQP_RESPONSE_NORMAL; }

std::string as_string(amqp_bytes_t b) { return std::string(static_cast<const char*>(b.bytes), b.len); }

void properties_and_headers(amqp_connection_state_t conn) {
  amqp_queue_declare(conn, 1, amqp_cstring_bytes("rc-props"), 0, 0, 0, 0, amqp_empty_table);
  expect(rpc_ok(conn), "queue.declare");
  amqp_table_entry_t entries[3];
  entries[0].key = amqp_cstring_bytes("int");
  entries[0].value.kind = AMQP_FIELD_KIND_I32;
  entries[0].value.value.i32 = -42;
  entries[1].key = amqp_cstring_bytes("text");
  entries[1].value.kind = AMQP_FIELD_KIND_UTF8;
  entries[1].value.value.bytes = amqp_cstring_bytes("héllo");
  entries[2].key = amqp_cstring_bytes("flag");
  entries[2].value.kind = AMQP_FIELD_KIND_BOOLEAN;
  entries[2].value.value.boolean = 1;
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_HEADERS_FLAG |
                 AMQP_BASIC_CORRELATION_ID_FLAG | AMQP_BASIC_PRIORITY_FLAG | AMQP_BASIC_TIMESTAMP_FLAG |
                 AMQP_BASIC_APP_ID_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = 2;
  props.headers.num_entries = 3;
  props.headers.entries = entries;
  props.correlation_id = amqp_cstring_bytes("corr-7");
  props.priority = 3;
  props.timestamp = 1700000000;
  props.app_id = amqp_cstring_bytes("rabbitmq-c-check");
  amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes("rc-props"), 0, 0, &props,
                     amqp_cstring_bytes("{\"ok\":true}"));

  amqp_basic_consume(conn, 1, amqp_cstring_bytes("rc-props"), amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
  expect(rpc_ok(conn), "basic.consume");
  amqp_envelope_t env;
  amqp_rpc_reply_t r = amqp_consume_message(conn, &env, nullptr, 0);
  expect(r.reply_type == AMQP_RESPONSE_NORMAL, "a delivery arrives");
  const amqp_basic_properties_t& p = env.message.properties;
  expect(as_string(env.message.body) == "{\"ok\":true}", "body intact");
  expect(as_string(p.content_type) == "application/json", "content_type kept");
  expect(p.delivery_mode == 2 && p.priority == 3 && p.timestamp == 1700000000, "delivery_mode, priority, timestamp kept");
  expect(as_string(p.correlation_id) == "corr-7" && as_string(p.app_id) == "rabbitmq-c-check", "correlation_id, app_id kept");
  bool headers_ok = (p._flags & AMQP_BASIC_HEADERS_FLAG) && p.headers.num_entries == 3 &&
                    p.headers.entries[0].value.kind == AMQP_FIELD_KIND_I32 &&
                    p.headers.entries[0].value.value.i32 == -42 &&
                    as_string(p.headers.entries[1].value.value.bytes) == "héllo" &&
                    p.headers.entries[2].value.value.boolean == 1;
  expect(headers_ok, "typed headers kept with their types");
  expect(as_string(env.routing_key) == "rc-props" && env.redelivered == 0, "routing key and redelivered flag");
  amqp_destroy_envelope(&env);
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_channel_open(conn, 1);
}

void large_message(amqp_connection_state_t conn) {
  amqp_queue_declare(conn, 1, amqp_cstring_bytes("rc-large"), 0, 0, 0, 0, amqp_empty_table);
  std::string body(1 << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes("rc-large"), 0, 0, nullptr,
                     amqp_bytes_t{body.size(), body.data()});
  amqp_rpc_reply_t r = amqp_basic_get(conn, 1, amqp_cstring_bytes("rc-large"), 1);
  bool got = r.reply_type == AMQP_RESPONSE_NORMAL && r.reply.id == AMQP_BASIC_GET_OK_METHOD;
  expect(got, "basic.get-ok for the 1 MiB message");
  if (!got) return;
  amqp_message_t message;
  r = amqp_read_message(conn, 1, &message, 0);
  expect(r.reply_type == AMQP_RESPONSE_NORMAL && as_string(message.body) == body, "1 MiB body intact across frames");
  amqp_destroy_message(&message);
}

void confirms_and_return(amqp_connection_state_t conn) {
  amqp_confirm_select(conn, 1);
  expect(rpc_ok(conn), "confirm.select");
  amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes("rc-no-such-queue"), 1, 0, nullptr,
                     amqp_cstring_bytes("nobody"));
  // Expect basic.return (with its content) and then basic.ack for sequence 1.
  amqp_frame_t frame;
  bool saw_return = false, ack_after_return = false;
  for (int frames = 0; frames < 6 && !ack_after_return; ++frames) {
    if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) break;
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    if (frame.payload.method.id == AMQP_BASIC_RETURN_METHOD) {
      auto* ret = static_cast<amqp_basic_return_t*>(frame.payload.method.decoded);
      saw_return = ret->reply_code == 312 && as_string(ret->reply_text) == "NO_ROUTE";
      amqp_message_t returned;
      amqp_read_message(conn, 1, &returned, 0);
      amqp_destroy_message(&returned);
    } else if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
      auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
      ack_after_return = saw_return && ack->delivery_tag == 1;
    }
  }
  expect(saw_return, "unroutable mandatory publish returned with 312 NO_ROUTE");
  expect(ack_after_return, "basic.ack follows the basic.return");
}

// A burst of 1,000 confirmed publishes, written without reading: as RabbitMQ, the acks come
// coalesced (fewer frames than messages, runs with multiple=true) and cover every tag once.
// Runs on a channel already in confirm mode whose last sequence number was `before`.
void confirm_burst(amqp_connection_state_t conn, std::uint64_t before) {
  amqp_queue_declare(conn, 1, amqp_cstring_bytes("rc-burst"), 0, 0, 0, 0, amqp_empty_table);
  expect(rpc_ok(conn), "queue.declare rc-burst");
  const int count = 1000;
  for (int i = 0; i < count; ++i) {
    amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes("rc-burst"), 0, 0, nullptr,
                       amqp_cstring_bytes("burst"));
  }
  std::vector<int> confirmed(count + 1, 0);
  std::uint64_t highest = before;
  int ack_frames = 0, multiple_frames = 0;
  while (highest < before + count) {
    amqp_frame_t frame;
    if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) break;
    if (frame.frame_type != AMQP_FRAME_METHOD || frame.payload.method.id != AMQP_BASIC_ACK_METHOD) continue;
    auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
    ++ack_frames;
    const std::uint64_t from = ack->multiple ? highest + 1 : ack->delivery_tag;
    multiple_frames += ack->multiple ? 1 : 0;
    for (std::uint64_t tag = from; tag <= ack->delivery_tag; ++tag) {
      if (tag > before && tag <= before + count) ++confirmed[tag - before];
    }
    highest = std::max<std::uint64_t>(highest, ack->delivery_tag);
  }
  std::printf("rabbitmq-c: 1000 publishes confirmed by %d ack frames, %d with multiple=true\n", ack_frames,
              multiple_frames);
  expect(ack_frames < count && multiple_frames > 0, "a burst's acks are coalesced, with multiple=true");
  expect(std::count(confirmed.begin() + 1, confirmed.end(), 1) == count, "every tag of the burst confirmed exactly once");
  amqp_queue_delete(conn, 1, amqp_cstring_bytes("rc-burst"), 0, 0);
}

void channel_error(amqp_connection_state_t conn) {
  amqp_channel_open(conn, 2);
  amqp_queue_declare(conn, 2, amqp_cstring_bytes("rc-props"), 0, 1, 0, 0, amqp_empty_table);  // durable now
  amqp_rpc_reply_t r = amqp_get_rpc_reply(conn);
  bool closed = r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD;
  expect(closed, "redeclare with other properties closes the channel");
  if (closed) {
    auto* close = static_cast<amqp_channel_close_t*>(r.reply.decoded);
    expect(close->reply_code == 406 &&
               as_string(close->reply_text).rfind("PRECONDITION_FAILED - inequivalent arg 'durable'", 0) == 0,
           "it is 406 PRECONDITION_FAILED - inequivalent arg 'durable'");
    amqp_channel_close_ok_t ok{};
    amqp_send_method(conn, 2, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: rabbitmq_c_client_check PORT\n");
    return 2;
  }
  amqp_connection_state_t conn = connect_to(std::atoi(argv[1]));
  properties_and_headers(conn);
  large_message(conn);
  channel_error(conn);
  confirms_and_return(conn);
  confirm_burst(conn, /*before=*/1);
  amqp_queue_delete(conn, 1, amqp_cstring_bytes("rc-props"), 0, 0);
  amqp_queue_delete(conn, 1, amqp_cstring_bytes("rc-large"), 0, 0);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  std::printf("rabbitmq-c: %d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
