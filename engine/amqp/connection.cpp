#include "amqp/connection.h"

#include <algorithm>

#include "amqp/byte_io.h"
#include "amqp/content_header.h"
#include "amqp/field_codec.h"
#include "amqp/frame.h"
#include "amqp/method_args.h"

namespace brokersim::amqp {
namespace {

using broker::Error;
using broker::FieldTable;
using broker::FieldValue;
using broker::ReplyCode;
using broker::make_error;

constexpr sim::TimeUs kSecondUs = 1'000'000;
// RabbitMQ's reader waits this long for a closing client before dropping it (?CLOSING_TIMEOUT),
// or the heartbeat interval when that is shorter; and after a frame it cannot read, or a refused
// login, it drops the socket this long later without a word (?SILENT_CLOSE_DELAY).
constexpr std::uint16_t kClosingTimeoutS = 30;
constexpr sim::TimeUs kSilentCloseDelayUs = 3 * kSecondUs;

FieldTable server_properties() {
  FieldTable capabilities;
  for (const char* name : {"publisher_confirms", "exchange_exchange_bindings", "basic.nack", "consumer_cancel_notify",
                           "connection.blocked", "consumer_priorities", "authentication_failure_close",
                           "per_consumer_qos", "direct_reply_to"}) {
    capabilities.emplace_back(name, FieldValue(true));
  }
  return {
      {"capabilities", FieldValue(std::move(capabilities))},
      {"cluster_name", FieldValue("brokersim@localhost")},
      {"copyright", FieldValue("brokersim authors")},
      {"information", FieldValue("brokersim: a teaching broker with RabbitMQ's semantics")},
      {"platform", FieldValue("C++20")},
      {"product", FieldValue("brokersim")},
      {"version", FieldValue("3.10.8-brokersim")},
  };
}

std::string table_string(const FieldTable& table, std::string_view key) {
  const FieldValue* v = broker::find_field(table, key);
  if (v == nullptr) return {};
  if (const std::string* s = v->as_string()) return *s;
  if (const auto* b = std::get_if<broker::ByteArray>(&v->value)) return b->bytes;
  return {};
}

// AMQP class and method ids of the method that caused an error, for the close frames.
std::uint16_t cause_class(std::uint32_t cause) { return static_cast<std::uint16_t>(cause >> 16); }
std::uint16_t cause_method(std::uint32_t cause) { return static_cast<std::uint16_t>(cause & 0xffff); }

// Bytes as Erlang's ~w prints a binary, for RabbitMQ's frame error texts: <<0,20,0,10>>.
std::string erlang_binary(std::string_view bytes) {
  std::string out = "<<";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(static_cast<unsigned char>(bytes[i]));
  }
  return out + ">>";
}

// channel.open on a channel that is open or closing: a connection error in RabbitMQ.
Error second_channel_open() { return make_error(ReplyCode::kChannelError, "second 'channel.open' seen"); }

// A reply text is a short string. RabbitMQ cuts a longer one to 252 bytes and appends "...".
std::string short_reply_text(const std::string& text) {
  if (text.size() <= 255) return text;
  return text.substr(0, 252) + "...";
}

}  // namespace

Connection::Connection(broker::Broker& broker, sim::Scheduler& scheduler, const Users& users,
                       ConnectionSettings settings)
    : broker_(broker), scheduler_(scheduler), users_(users), settings_(std::move(settings)) {
  display_name_ = settings_.peer;
  // A client that connects and never completes the handshake is dropped, never kept forever.
  timer_ = scheduler_.schedule_after(settings_.handshake_timeout_us, [this] {
    timer_.reset();
    if (phase_ != Phase::kRunning && phase_ != Phase::kFinished) abort("handshake timeout");
  });
}

Connection::~Connection() {
  if (timer_) scheduler_.cancel(*timer_);
  if (heartbeat_timer_) scheduler_.cancel(*heartbeat_timer_);
  if (broker_id_ && broker_.connection_open(*broker_id_)) {
    broker_.close_connection(*broker_id_, ReplyCode::kConnectionForced, "client unexpectedly closed TCP connection");
  }
}

void Connection::notify_output() {
  if (on_output) on_output();
}

// ---------------------------------------------------------------- [SECTION] bytes and frames

std::size_t Connection::feed(std::string_view bytes) {
  if (discarding_input_) return bytes.size();
  // Frames read together are one turn: their publishes' confirms go out coalesced at its end.
  broker::Broker::Turn turn(broker_);
  answered_request_ = false;
  std::size_t used = 0;
  if (phase_ == Phase::kProtocolHeader) {
    if (bytes.size() < kProtocolHeader.size()) {
      // A prefix that already differs will never become the header.
      if (bytes != kProtocolHeader.substr(0, bytes.size())) abort("bad protocol header");
      return 0;
    }
    if (bytes.substr(0, kProtocolHeader.size()) != kProtocolHeader) {
      // RabbitMQ answers with the header it speaks, then closes.
      output_.append(kProtocolHeader);
      abort("bad protocol header");
      return bytes.size();
    }
    used = kProtocolHeader.size();
    bytes_received_ += used;
    phase_ = Phase::kStartOk;
    send_method(0, Method::make(kConnectionStart, {std::uint64_t{0}, std::uint64_t{9}, server_properties(),
                                                   std::string("PLAIN AMQPLAIN"), std::string("en_US")}));
  }
  while (phase_ != Phase::kFinished) {
    // Before tune-ok the frame size is the spec's minimum; RabbitMQ checks the same way.
    const std::uint32_t limit = frame_max_ != 0 ? frame_max_ : settings_.frame_max;
    FrameDecode decoded = decode_frame(bytes.substr(used), limit);
    if (decoded.status == FrameDecode::Status::kNeedMore) break;
    if (decoded.status == FrameDecode::Status::kError) {
      // Once closing, an unreadable frame ends the connection silently, as RabbitMQ's does.
      if (phase_ == Phase::kClosing) {
        finish_within(kSilentCloseDelayUs);
        discarding_input_ = true;  // where the next frame starts is unknown now
      } else {
        close_connection(decoded.error, 0);
      }
      used = bytes.size();
      break;
    }
    used += decoded.consumed;
    bytes_received_ += decoded.consumed;
    handle_frame(static_cast<std::uint8_t>(decoded.frame.type), decoded.frame.channel, decoded.frame.payload);
  }
  // RabbitMQ's reader forgets a channel the client closed only after the frames read with the
  // close: until then they went to the closing channel.
  std::erase_if(channels_, [](const auto& entry) { return entry.second.forget_after_read; });
  if (phase_ == Phase::kFinished) return bytes.size();
  return used;
}

void Connection::handle_frame(std::uint8_t type, std::uint16_t channel, std::string_view payload) {
  const auto frame_type = static_cast<FrameType>(type);
  if (phase_ == Phase::kClosing) {
    // As RabbitMQ's reader once closing: frames off channel 0 are dropped unread; another
    // connection.close is answered again; close-ok ends the connection at once.
    if (frame_type != FrameType::kMethod || channel != 0) return;
    MethodDecode decoded = decode_method(payload);
    if (!decoded.ok) {
      if (decoded.unknown_method) fail_decode(decoded, payload);
      return;
    }
    if (decoded.method.id() == kConnectionClose) send_method(0, Method::make(kConnectionCloseOk));
    if (decoded.method.id() == kConnectionCloseOk) phase_ = Phase::kFinished;
    return;
  }
  if (frame_type == FrameType::kHeartbeat) {
    if (channel != 0) {
      close_connection(make_error(ReplyCode::kUnexpectedFrame, "type 8, all octets = " + erlang_binary(payload)), 0);
    }
    return;
  }
  if (channel > 0 && phase_ == Phase::kRunning) {
    auto it = channels_.find(channel);
    if (frame_type == FrameType::kHeader || frame_type == FrameType::kBody) {
      if (it == channels_.end()) {
        close_connection(make_error(ReplyCode::kChannelError, "expected 'channel.open'"), 0);
      } else if (frame_type == FrameType::kHeader) {
        handle_content_header(channel, it->second, payload);
      } else {
        handle_content_body(channel, it->second, payload);
      }
      return;
    }
    MethodDecode decoded = decode_method(payload);
    if (!decoded.ok) {
      fail_decode(decoded, payload);
      return;
    }
    const Method& method = decoded.method;
    if (it == channels_.end()) {
      if (method.id() == kChannelOpen) {
        // RabbitMQ limits how many channels are open, not their numbers.
        if (channels_.size() >= channel_max_) {
          close_connection(make_error(ReplyCode::kNotAllowed, "number of channels opened (" +
                                                                  std::to_string(channels_.size()) +
                                                                  ") has reached the negotiated channel_max (" +
                                                                  std::to_string(channel_max_) + ")"),
                           0);
          return;
        }
        if (!check(channel, broker_.channel_open(key(channel)), method.id())) return;
        channels_.emplace(channel, ChannelState{});
        send_method(channel, Method::make(kChannelOpenOk));
      } else if (method.id() != kChannelCloseOk) {
        close_connection(make_error(ReplyCode::kChannelError, "expected 'channel.open'"), method.id());
      }
      return;
    }
    handle_channel_method(channel, it->second, method);
    return;
  }
  if (frame_type != FrameType::kMethod) {
    close_connection(make_error(ReplyCode::kUnexpectedFrame, "expected method frame, got non method frame instead"), 0);
    return;
  }
  MethodDecode decoded = decode_method(payload);
  if (!decoded.ok) {
    fail_decode(decoded, payload);
    return;
  }
  if (phase_ != Phase::kRunning) {
    handle_handshake(decoded.method);
  } else if (channel == 0) {
    handle_connection_method(decoded.method);
  }
}

// ---------------------------------------------------------------- [SECTION] handshake

void Connection::handle_handshake(const Method& method) {
  const std::uint32_t expected = phase_ == Phase::kStartOk  ? kConnectionStartOk
                                 : phase_ == Phase::kTuneOk ? kConnectionTuneOk
                                                            : kConnectionOpen;
  if (method.id() == kConnectionClose) {
    send_method(0, Method::make(kConnectionCloseOk));
    phase_ = Phase::kFinished;
    return;
  }
  if (method.id() != expected) {
    const std::string why = "expected '" + std::string(find_method_spec(expected)->name) + "', got '" +
                            std::string(method.spec->name) + "'";
    // Before tune-ok RabbitMQ does not answer errors: it drops the socket 3 s later.
    if (phase_ != Phase::kOpen) {
      close_silently(why);
    } else {
      close_connection(make_error(ReplyCode::kCommandInvalid, why), method.id());
    }
    return;
  }
  if (phase_ == Phase::kStartOk) {
    handle_start_ok(method);
  } else if (phase_ == Phase::kTuneOk) {
    handle_tune_ok(method);
  } else {
    handle_open(method);
  }
}

void Connection::handle_start_ok(const Method& method) {
  const auto start_ok = args_of<kConnectionStartOk>(method);
  client_properties_ = start_ok.table<"client-properties">();
  bool wants_auth_failure_close = false;
  if (const FieldValue* caps = broker::find_field(client_properties_, "capabilities")) {
    if (const FieldTable* table = caps->as_table()) {
      const FieldValue* blocked = broker::find_field(*table, "connection.blocked");
      client_wants_blocked_notifications_ = blocked && blocked->as_bool().value_or(false);
      const FieldValue* auth = broker::find_field(*table, "authentication_failure_close");
      wants_auth_failure_close = auth && auth->as_bool().value_or(false);
    }
  }
  // RabbitMQ sends connection.close 403 (class and method 0) for a failed login only to a client
  // that announced authentication_failure_close. Otherwise, and for an unknown mechanism, it says
  // nothing and closes the socket 3 s later.
  auto refuse = [this](bool tell, const std::string& mechanism, std::string reason) {
    if (tell) {
      close_connection(make_error(ReplyCode::kAccessRefused, "Login was refused using authentication mechanism " +
                                                                 mechanism + ". For details see the broker logfile."),
                       0);
      close_reason_ = std::move(reason);
    } else {
      close_silently(std::move(reason));
    }
  };
  const std::string& mechanism = start_ok.text<"mechanism">();
  const std::string& response = start_ok.text<"response">();
  std::string user, password;
  if (mechanism == "PLAIN") {
    // "authzid \0 user \0 password"
    const auto first = response.find('\0');
    const auto second = first == std::string::npos ? std::string::npos : response.find('\0', first + 1);
    if (second != std::string::npos) {
      user = response.substr(first + 1, second - first - 1);
      password = response.substr(second + 1);
    }
  } else if (mechanism == "AMQPLAIN") {
    ByteReader in(response);
    FieldTable table = read_table_entries(in);
    user = table_string(table, "LOGIN");
    password = table_string(table, "PASSWORD");
  } else {
    refuse(false, mechanism, "unknown authentication mechanism '" + mechanism + "'");
    return;
  }
  switch (users_.check(user, password, settings_.peer_is_loopback)) {
    case Users::Verdict::kAccepted: break;
    case Users::Verdict::kWrongCredentials:
      refuse(wants_auth_failure_close, mechanism,
             "Login was refused using authentication mechanism " + mechanism + ". For details see the broker logfile.");
      return;
    case Users::Verdict::kLoopbackOnly:
      refuse(wants_auth_failure_close, mechanism, "user '" + user + "' can only connect via localhost");
      return;
  }
  user_ = user;
  std::string name = table_string(client_properties_, "connection_name");
  if (name.empty()) name = table_string(client_properties_, "product");
  if (!name.empty()) display_name_ = name;
  phase_ = Phase::kTuneOk;
  send_method(0, Method::make(kConnectionTune, {std::uint64_t{settings_.channel_max}, std::uint64_t{settings_.frame_max},
                                                std::uint64_t{settings_.heartbeat_s}}));
}

void Connection::handle_tune_ok(const Method& method) {
  const auto tune_ok = args_of<kConnectionTuneOk>(method);
  const std::uint64_t channel_max = tune_ok.number<"channel-max">();
  const std::uint64_t frame_max = tune_ok.number<"frame-max">();
  // RabbitMQ refuses a bad tune-ok without a word: it drops the socket 3 s later.
  if (frame_max != 0 && frame_max < kFrameMinSize) {
    close_silently("frame_max=" + std::to_string(frame_max) + " < " + std::to_string(kFrameMinSize) + " min size");
    return;
  }
  if (frame_max > settings_.frame_max) {
    close_silently("frame_max=" + std::to_string(frame_max) + " > " + std::to_string(settings_.frame_max) +
                   " max size");
    return;
  }
  if (channel_max > settings_.channel_max) {
    close_silently("channel_max=" + std::to_string(channel_max) + " > " + std::to_string(settings_.channel_max) +
                   " max size");
    return;
  }
  // Zero means "no limit of my own": the server's applies.
  frame_max_ = frame_max == 0 ? settings_.frame_max : static_cast<std::uint32_t>(frame_max);
  channel_max_ = channel_max == 0 ? settings_.channel_max : static_cast<std::uint16_t>(channel_max);
  heartbeat_s_ = static_cast<std::uint16_t>(tune_ok.number<"heartbeat">());
  phase_ = Phase::kOpen;
}

void Connection::handle_open(const Method& method) {
  const std::string& vhost = args_of<kConnectionOpen>(method).text<"virtual-host">();
  if (vhost != broker::Broker::kVhost) {
    close_connection(make_error(ReplyCode::kNotAllowed, "vhost " + vhost + " not found"), method.id());
    return;
  }
  broker_id_ = broker_.open_connection(display_name_, this);
  phase_ = Phase::kRunning;
  if (timer_) {
    scheduler_.cancel(*timer_);
    timer_.reset();
  }
  send_method(0, Method::make(kConnectionOpenOk));
  start_heartbeats();
}

// ---------------------------------------------------------------- [SECTION] connection class

void Connection::handle_connection_method(const Method& method) {
  switch (method.id()) {
    case kConnectionClose:
      broker_.send_confirms_now();
      if (broker_id_) broker_.close_connection(*broker_id_, ReplyCode::kSuccess, "closed by client");
      send_method(0, Method::make(kConnectionCloseOk));
      // The client may still have frames in flight: read and drop them until it closes the
      // socket, as RabbitMQ does, rather than reset a connection it is still writing to.
      enter_closing(closing_timeout_us());
      return;
    case kConnectionUpdateSecret:
      send_method(0, Method::make(kConnectionUpdateSecretOk));
      return;
    case kConnectionBlocked:
    case kConnectionUnblocked:
      return;  // a client may tell us it is blocked; nothing to do
    default:
      close_connection(make_error(ReplyCode::kChannelError, "unexpected method in connection state running"),
                       method.id());
  }
}

// ---------------------------------------------------------------- [SECTION] channel methods

void Connection::handle_channel_method(std::uint16_t channel, ChannelState& state, const Method& method) {
  if (state.awaiting_header || state.awaiting_body) {
    close_connection(make_error(ReplyCode::kUnexpectedFrame,
                                state.awaiting_header
                                    ? "expected content header for class 60, got non content header frame instead"
                                    : "expected content body, got non content body frame instead"),
                     method.id());
    return;
  }
  if (state.closing) {
    handle_closing_channel_method(channel, state, method);
    return;
  }
  // One handler per method class; the class id is the high half of a method id.
  switch (method.id() >> 16) {
    case 20:  // channel
    case 30:  // access
      return handle_channel_class(channel, state, method);
    case 40: return handle_exchange_class(channel, method);
    case 50: return handle_queue_class(channel, method);
    case 60:
      if (method.id() == kBasicGet || method.id() == kBasicAck || method.id() == kBasicNack ||
          method.id() == kBasicReject || method.id() == kBasicRecover || method.id() == kBasicRecoverAsync) {
        return handle_basic_settle(channel, method);
      }
      return handle_basic_flow(channel, state, method);
    case 85:  // confirm
    case 90:  // tx
      return handle_confirm_and_tx(channel, method);
    default:
      // Connection methods and anything else are not for a channel.
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), method.id());
  }
}

void Connection::handle_channel_class(std::uint16_t channel, ChannelState& state, const Method& method) {
  const std::uint32_t id = method.id();
  const broker::ChannelKey k = key(channel);
  auto reply = [&](std::uint32_t reply_id) { send_method(channel, Method::make(reply_id)); };
  switch (id) {
    case kChannelOpen:
      close_connection(second_channel_open(), id);
      return;
    case kChannelClose:
      broker_.send_confirms_now();
      (void)broker_.channel_close(k);
      state = ChannelState{.closing = true, .forget_after_read = true};
      reply(kChannelCloseOk);
      return;
    case kChannelCloseOk:  // nothing was pending
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), id);
      return;
    case kChannelFlow:
      // RabbitMQ no longer lets a client pause deliveries with channel.flow.
      if (!args_of<kChannelFlow>(method).flag<"active">()) {
        close_connection(make_error(ReplyCode::kNotImplemented, "active=false"), id);
        return;
      }
      send_method(channel, Method::make(kChannelFlowOk, {std::uint64_t{1}}));
      return;
    case kChannelFlowOk:  // we never send channel.flow
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), id);
      return;
    case kAccessRequest:
      send_method(channel, Method::make(kAccessRequestOk, {std::uint64_t{1}}));
      return;
    default:
      // Server-to-client methods (deliver, return, *-ok...) and connection methods are not for us.
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), id);
  }
}

void Connection::handle_exchange_class(std::uint16_t channel, const Method& method) {
  const std::uint32_t id = method.id();
  const broker::ChannelKey k = key(channel);
  auto reply = [&](std::uint32_t reply_id) { send_method(channel, Method::make(reply_id)); };
  switch (id) {
    case kExchangeDeclare: {
      const auto a = args_of<kExchangeDeclare>(method);
      const broker::ExchangeDeclare d{.name = a.text<"exchange">(), .type = a.text<"type">(), .passive = a.flag<"passive">(),
                                      .durable = a.flag<"durable">(), .auto_delete = a.flag<"auto-delete">(),
                                      .internal = a.flag<"internal">(), .arguments = a.table<"arguments">()};
      if (check(channel, broker_.exchange_declare(k, d), id) && !a.flag<"no-wait">()) reply(kExchangeDeclareOk);
      return;
    }
    case kExchangeDelete: {
      const auto a = args_of<kExchangeDelete>(method);
      if (check(channel, broker_.exchange_delete(k, a.text<"exchange">(), a.flag<"if-unused">()), id) && !a.flag<"no-wait">())
        reply(kExchangeDeleteOk);
      return;
    }
    case kExchangeBind:
    case kExchangeUnbind: {
      const bool bind = id == kExchangeBind;
      const auto a = args_of<kExchangeBind>(method);  // unbind's arguments are bind's
      auto status = bind ? broker_.exchange_bind(k, a.text<"destination">(), a.text<"source">(), a.text<"routing-key">(),
                                                 a.table<"arguments">())
                         : broker_.exchange_unbind(k, a.text<"destination">(), a.text<"source">(),
                                                   a.text<"routing-key">(), a.table<"arguments">());
      if (check(channel, status, id) && !a.flag<"no-wait">()) reply(bind ? kExchangeBindOk : kExchangeUnbindOk);
      return;
    }
    default:
      // Server-to-client methods (deliver, return, *-ok...) and connection methods are not for us.
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), id);
  }
}

void Connection::handle_queue_class(std::uint16_t channel, const Method& method) {
  const std::uint32_t id = method.id();
  const broker::ChannelKey k = key(channel);
  auto reply = [&](std::uint32_t reply_id) { send_method(channel, Method::make(reply_id)); };
  switch (id) {
    case kQueueDeclare: {
      const auto a = args_of<kQueueDeclare>(method);
      const broker::QueueDeclare d{.name = a.text<"queue">(), .passive = a.flag<"passive">(), .durable = a.flag<"durable">(),
                                   .exclusive = a.flag<"exclusive">(), .auto_delete = a.flag<"auto-delete">(),
                                   .arguments = a.table<"arguments">()};
      auto declared = broker_.queue_declare(k, d);
      if (check(channel, declared, id) && !a.flag<"no-wait">()) {
        send_method(channel, Method::make(kQueueDeclareOk, {declared->name, std::uint64_t{declared->message_count},
                                                            std::uint64_t{declared->consumer_count}}));
      }
      return;
    }
    case kQueueBind: {
      const auto a = args_of<kQueueBind>(method);
      auto status = broker_.queue_bind(k, a.text<"queue">(), a.text<"exchange">(), a.text<"routing-key">(), a.table<"arguments">());
      if (check(channel, status, id) && !a.flag<"no-wait">()) reply(kQueueBindOk);
      return;
    }
    case kQueueUnbind: {
      const auto a = args_of<kQueueUnbind>(method);
      auto status =
          broker_.queue_unbind(k, a.text<"queue">(), a.text<"exchange">(), a.text<"routing-key">(), a.table<"arguments">());
      if (check(channel, status, id)) reply(kQueueUnbindOk);
      return;
    }
    case kQueuePurge: {
      const auto a = args_of<kQueuePurge>(method);
      auto purged = broker_.queue_purge(k, a.text<"queue">());
      if (check(channel, purged, id) && !a.flag<"no-wait">()) {
        send_method(channel, Method::make(kQueuePurgeOk, {std::uint64_t{purged.value()}}));
      }
      return;
    }
    case kQueueDelete: {
      const auto a = args_of<kQueueDelete>(method);
      auto deleted = broker_.queue_delete(k, a.text<"queue">(), a.flag<"if-unused">(), a.flag<"if-empty">());
      if (check(channel, deleted, id) && !a.flag<"no-wait">()) {
        send_method(channel, Method::make(kQueueDeleteOk, {std::uint64_t{deleted.value()}}));
      }
      return;
    }
    default:
      // Server-to-client methods (deliver, return, *-ok...) and connection methods are not for us.
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), id);
  }
}

void Connection::handle_basic_flow(std::uint16_t channel, ChannelState& state, const Method& method) {
  const std::uint32_t id = method.id();
  const broker::ChannelKey k = key(channel);
  auto reply = [&](std::uint32_t reply_id) { send_method(channel, Method::make(reply_id)); };
  switch (id) {
    case kBasicQos: {
      const auto a = args_of<kBasicQos>(method);
      ReplyFirst hold(*this);
      auto status = broker_.basic_qos(k, static_cast<std::uint32_t>(a.number<"prefetch-size">()),
                                      static_cast<std::uint16_t>(a.number<"prefetch-count">()), a.flag<"global">());
      hold.stop_holding();
      if (check(channel, status, id)) reply(kBasicQosOk);
      return;
    }
    case kBasicConsume: {
      const auto a = args_of<kBasicConsume>(method);
      const broker::Consume c{.queue = a.text<"queue">(), .consumer_tag = a.text<"consumer-tag">(),
                              .no_local = a.flag<"no-local">(), .no_ack = a.flag<"no-ack">(),
                              .exclusive = a.flag<"exclusive">(), .arguments = a.table<"arguments">()};
      ReplyFirst hold(*this);
      auto tag = broker_.basic_consume(k, c);
      hold.stop_holding();
      if (check(channel, tag, id) && !a.flag<"no-wait">()) send_method(channel, Method::make(kBasicConsumeOk, {tag.value()}));
      return;
    }
    case kBasicCancel: {
      const auto a = args_of<kBasicCancel>(method);
      const std::string tag = a.text<"consumer-tag">();
      if (check(channel, broker_.basic_cancel(k, tag), id) && !a.flag<"no-wait">()) {
        send_method(channel, Method::make(kBasicCancelOk, {tag}));
      }
      return;
    }
    case kBasicPublish: {
      const auto a = args_of<kBasicPublish>(method);
      state.publish.exchange = a.text<"exchange">();
      state.publish.routing_key = a.text<"routing-key">();
      state.publish.mandatory = a.flag<"mandatory">();
      state.publish.immediate = a.flag<"immediate">();
      state.awaiting_header = true;
      has_published_ = true;
      return;
    }
    default:
      // Server-to-client methods (deliver, return, *-ok...) and connection methods are not for us.
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), id);
  }
}

void Connection::handle_basic_settle(std::uint16_t channel, const Method& method) {
  const std::uint32_t id = method.id();
  const broker::ChannelKey k = key(channel);
  auto reply = [&](std::uint32_t reply_id) { send_method(channel, Method::make(reply_id)); };
  switch (id) {
    case kBasicGet: {
      const auto a = args_of<kBasicGet>(method);
      auto got = broker_.basic_get(k, a.text<"queue">(), a.flag<"no-ack">());
      if (!check(channel, got, id)) return;
      if (!got.value()) {
        send_method(channel, Method::make(kBasicGetEmpty));
        return;
      }
      const broker::GetOk& ok = *got.value();
      answered_request_ = true;
      std::string payload;
      encode_method(payload, Method::make(kBasicGetOk, {ok.delivery_tag, std::uint64_t{ok.redelivered},
                                                        ok.message->exchange(), std::string(ok.message->routing_key()),
                                                        std::uint64_t{ok.message_count}}));
      send_content(channel, payload, *ok.message);
      return;
    }
    case kBasicAck: {
      const auto a = args_of<kBasicAck>(method);
      check(channel, broker_.basic_ack(k, a.number<"delivery-tag">(), a.flag<"multiple">()), id);
      return;
    }
    case kBasicNack: {
      const auto a = args_of<kBasicNack>(method);
      check(channel, broker_.basic_nack(k, a.number<"delivery-tag">(), a.flag<"multiple">(), a.flag<"requeue">()), id);
      return;
    }
    case kBasicReject: {
      const auto a = args_of<kBasicReject>(method);
      check(channel, broker_.basic_reject(k, a.number<"delivery-tag">(), a.flag<"requeue">()), id);
      return;
    }
    case kBasicRecover:
    case kBasicRecoverAsync: {
      ReplyFirst hold(*this);
      auto status = broker_.basic_recover(k, args_of<kBasicRecover>(method).flag<"requeue">());  // async's are the same
      hold.stop_holding();
      if (check(channel, status, id) && id == kBasicRecover) reply(kBasicRecoverOk);
      return;
    }
    default:
      // Server-to-client methods (deliver, return, *-ok...) and connection methods are not for us.
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), id);
  }
}

void Connection::handle_confirm_and_tx(std::uint16_t channel, const Method& method) {
  const std::uint32_t id = method.id();
  const broker::ChannelKey k = key(channel);
  auto reply = [&](std::uint32_t reply_id) { send_method(channel, Method::make(reply_id)); };
  switch (id) {
    case kConfirmSelect:
      if (check(channel, broker_.confirm_select(k), id) && !args_of<kConfirmSelect>(method).flag<"nowait">())
        reply(kConfirmSelectOk);
      return;
    case kTxSelect:
      if (check(channel, broker_.tx_select(k), id)) reply(kTxSelectOk);
      return;
    case kTxCommit:
      if (check(channel, broker_.tx_commit(k), id)) reply(kTxCommitOk);
      return;
    case kTxRollback:
      if (check(channel, broker_.tx_rollback(k), id)) reply(kTxRollbackOk);
      return;
    default:
      // Server-to-client methods (deliver, return, *-ok...) and connection methods are not for us.
      close_connection(make_error(ReplyCode::kCommandInvalid, "unimplemented method"), id);
  }
}

// As a closing channel in RabbitMQ: it waits for close-ok, answers a crossing close (and still
// waits), refuses a second open, and drops everything else. Content is still assembled (see the
// content handlers), so framing errors stay errors.
void Connection::handle_closing_channel_method(std::uint16_t channel, ChannelState& state, const Method& method) {
  switch (method.id()) {
    case kChannelCloseOk:
      channels_.erase(channel);
      return;
    case kChannelClose:
      send_method(channel, Method::make(kChannelCloseOk));
      return;
    case kChannelOpen:
      close_connection(second_channel_open(), method.id());
      return;
    case kBasicPublish:
      state.awaiting_header = true;  // its content is read, then dropped
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------- [SECTION] content

void Connection::handle_content_header(std::uint16_t channel, ChannelState& state, std::string_view payload) {
  if (!state.awaiting_header) {
    close_connection(make_error(ReplyCode::kUnexpectedFrame, "expected method frame, got non method frame instead"),
                     0);
    return;
  }
  ContentHeaderDecode decoded = decode_content_header(payload);
  if (!decoded.ok) {
    close_connection(make_error(ReplyCode::kFrameError, "malformed content header"), kBasicPublish);
    return;
  }
  if (decoded.header.class_id != 60) {
    close_connection(make_error(ReplyCode::kUnexpectedFrame, "expected content header for class 60, got one for class " +
                                                                 std::to_string(decoded.header.class_id) + " instead"),
                     kBasicPublish);
    return;
  }
  state.awaiting_header = false;
  state.body_remaining = decoded.header.body_size;
  state.awaiting_body = state.body_remaining > 0;
  state.publish.body.clear();
  if (state.closing) {
    if (!state.awaiting_body) finish_publish(channel, state);
    return;
  }
  // Refuse an oversized message before buffering its body; the body is then read and dropped.
  if (!check(channel, broker_.check_message_size(key(channel), decoded.header.body_size), kBasicPublish)) return;
  state.publish.properties = std::move(decoded.header.properties);
  if (state.awaiting_body) {
    state.publish.body.reserve(std::min<std::uint64_t>(state.body_remaining, 64u << 20));
  } else {
    finish_publish(channel, state);
  }
}

void Connection::handle_content_body(std::uint16_t channel, ChannelState& state, std::string_view payload) {
  if (!state.awaiting_body) {
    close_connection(make_error(ReplyCode::kUnexpectedFrame, state.awaiting_header
                                                                 ? "expected content header for class 60, got non "
                                                                   "content header frame instead"
                                                                 : "expected method frame, got non method frame instead"),
                     state.awaiting_header ? std::uint32_t{kBasicPublish} : 0u);
    return;
  }
  if (payload.size() > state.body_remaining) {
    close_connection(make_error(ReplyCode::kFrameError, "content body larger than its header announced"),
                     kBasicPublish);
    return;
  }
  if (!state.closing) state.publish.body.append(payload);
  state.body_remaining -= payload.size();
  if (state.body_remaining == 0) {
    state.awaiting_body = false;
    finish_publish(channel, state);
  }
}

void Connection::finish_publish(std::uint16_t channel, ChannelState& state) {
  state.awaiting_header = false;
  state.awaiting_body = false;
  if (state.closing) return;  // a closing channel drops what is published on it
  // RabbitMQ refuses a user_id that is not the authenticated user's, before routing.
  if (const auto& user_id = state.publish.properties.user_id; user_id && *user_id != user_) {
    check(channel,
          broker_.refuse(key(channel), make_error(ReplyCode::kPreconditionFailed, "user_id property set to '" + *user_id +
                                                                                  "' but authenticated user was '" +
                                                                                  user_ + "'")),
          kBasicPublish);
    return;
  }
  check(channel, broker_.basic_publish(key(channel), state.publish), kBasicPublish);
}

// ---------------------------------------------------------------- [SECTION] what the broker pushes

void Connection::send_method(std::uint16_t channel, const Method& method) {
  // Everything but what the broker pushes unasked is a reply to the client's request.
  const std::uint32_t id = method.id();
  if (id != kBasicAck && id != kBasicNack && id != kBasicCancel && id != kConnectionBlocked &&
      id != kConnectionUnblocked) {
    answered_request_ = true;
  }
  std::string payload;
  encode_method(payload, method);
  std::string& out = holding_output_ ? held_output_ : output_;
  const std::size_t before = out.size();
  encode_frame(out, FrameType::kMethod, channel, payload);
  bytes_sent_total_ += out.size() - before;
}

void Connection::send_content(std::uint16_t channel, std::string_view method_payload, const broker::Message& message) {
  std::string& out = holding_output_ ? held_output_ : output_;
  const std::size_t before = out.size();
  encode_frame(out, FrameType::kMethod, channel, method_payload);
  ContentHeader header;
  header.body_size = message.body_size();
  header.properties = message.properties();
  std::string header_payload;
  encode_content_header(header_payload, header);
  encode_frame(out, FrameType::kHeader, channel, header_payload);
  const std::string_view body = message.body();
  const std::size_t chunk = (frame_max_ != 0 ? frame_max_ : settings_.frame_max) - kFrameOverhead;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    encode_frame(out, FrameType::kBody, channel, body.substr(at, chunk));
  }
  bytes_sent_total_ += out.size() - before;
}

void Connection::on_deliver(const broker::Delivery& delivery) {
  if (phase_ != Phase::kRunning) return;
  const broker::Message& m = *delivery.message;
  std::string payload;
  encode_method(payload, Method::make(kBasicDeliver, {*delivery.consumer_tag, delivery.delivery_tag,
                                                      std::uint64_t{delivery.redelivered}, m.exchange(),
                                                      std::string(m.routing_key())}));
  send_content(delivery.channel, payload, m);
  if (!holding_output_) notify_output();
}

void Connection::on_return(const broker::Return& ret) {
  if (phase_ != Phase::kRunning) return;
  const broker::Message& m = *ret.message;
  std::string payload;
  encode_method(payload, Method::make(kBasicReturn, {std::uint64_t{static_cast<std::uint16_t>(ret.code)}, short_reply_text(ret.text),
                                                     m.exchange(), std::string(m.routing_key())}));
  send_content(ret.channel, payload, m);
  notify_output();
}

void Connection::on_confirm(const broker::Confirm& confirm) {
  if (phase_ != Phase::kRunning) return;
  if (confirm.nack) {
    // RabbitMQ's basic.nack keeps the record's default, requeue=true.
    send_method(confirm.channel, Method::make(kBasicNack, {confirm.sequence, std::uint64_t{confirm.multiple},
                                                           std::uint64_t{1}}));
  } else {
    send_method(confirm.channel, Method::make(kBasicAck, {confirm.sequence, std::uint64_t{confirm.multiple}}));
  }
  notify_output();
}

void Connection::on_consumer_cancelled(std::uint16_t channel, const std::string& consumer_tag) {
  if (phase_ != Phase::kRunning) return;
  send_method(channel, Method::make(kBasicCancel, {consumer_tag, std::uint64_t{0}}));
  notify_output();
}

// ---------------------------------------------------------------- [SECTION] errors and closing

bool Connection::check(std::uint16_t channel, const broker::Status& status, std::uint32_t cause) {
  if (status.ok()) return true;
  if (broker::closes_connection(status.error().code)) {
    close_connection(status.error(), cause);
  } else {
    close_channel(channel, status.error(), cause);
  }
  return false;
}

template <typename T>
bool Connection::check(std::uint16_t channel, const broker::Result<T>& result, std::uint32_t cause) {
  if (result.ok()) return true;
  return check(channel, broker::Status(result.error()), cause);
}

void Connection::close_channel(std::uint16_t channel, const Error& error, std::uint32_t cause) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) {
    // The channel failed while opening; there is no channel state to keep.
    it = channels_.emplace(channel, ChannelState{}).first;
  }
  // Content already announced is still read (and dropped), as RabbitMQ's reader assembles it.
  ChannelState& state = it->second;
  state.closing = true;
  state.publish.body.clear();
  send_method(channel, Method::make(kChannelClose, {std::uint64_t{static_cast<std::uint16_t>(error.code)},
                                                    short_reply_text(error.text),
                                                    std::uint64_t{cause_class(cause)},
                                                    std::uint64_t{cause_method(cause)}}));
}

void Connection::close_connection(const Error& error, std::uint32_t cause) {
  if (phase_ == Phase::kClosing || phase_ == Phase::kFinished) return;
  if (broker_id_ && broker_.connection_open(*broker_id_)) broker_.close_connection(*broker_id_, error.code, error.text);
  close_reason_ = error.text;
  send_method(0, Method::make(kConnectionClose, {std::uint64_t{static_cast<std::uint16_t>(error.code)},
                                                 short_reply_text(error.text),
                                                 std::uint64_t{cause_class(cause)}, std::uint64_t{cause_method(cause)}}));
  channels_.clear();
  enter_closing(closing_timeout_us());
}

sim::TimeUs Connection::closing_timeout_us() const {
  // Until tune-ok RabbitMQ's reader waits its normal 3 s, then the client's heartbeat applies.
  if (phase_ != Phase::kRunning && phase_ != Phase::kOpen) return kSilentCloseDelayUs;
  const std::uint16_t seconds = heartbeat_s_ > 0 && heartbeat_s_ < kClosingTimeoutS ? heartbeat_s_ : kClosingTimeoutS;
  return seconds * kSecondUs;
}

void Connection::enter_closing(sim::TimeUs timeout_us) {
  phase_ = Phase::kClosing;
  close_deadline_us_ = std::nullopt;
  finish_within(timeout_us);
}

void Connection::finish_within(sim::TimeUs timeout_us) {
  const sim::TimeUs deadline = scheduler_.now_us() + timeout_us;
  if (close_deadline_us_ && *close_deadline_us_ <= deadline) return;
  close_deadline_us_ = deadline;
  // A client that never answers, or never closes its socket, is dropped, as RabbitMQ does.
  if (timer_) scheduler_.cancel(*timer_);
  timer_ = scheduler_.schedule_after(timeout_us, [this] {
    timer_.reset();
    phase_ = Phase::kFinished;
    notify_output();
  });
}

void Connection::abort(std::string reason) {
  if (broker_id_ && broker_.connection_open(*broker_id_)) {
    broker_.close_connection(*broker_id_, ReplyCode::kConnectionForced, reason);
  }
  close_reason_ = std::move(reason);
  phase_ = Phase::kFinished;
  notify_output();
}

void Connection::close_silently(std::string reason) {
  close_reason_ = std::move(reason);
  enter_closing(kSilentCloseDelayUs);
}

void Connection::fail_decode(const MethodDecode& decoded, std::string_view payload) {
  if (decoded.unknown_method) {
    // RabbitMQ's reader crashes on a class or method it does not know: the socket just closes.
    abort("unknown method " + std::to_string(decoded.class_id) + "." + std::to_string(decoded.method_index));
    return;
  }
  close_connection(make_error(ReplyCode::kFrameError, "cannot decode " + erlang_binary(payload.size() > 4 ? payload.substr(4) : std::string_view())),
                   method_id(decoded.class_id, decoded.method_index));
}

void Connection::set_blocked(bool blocked) {
  if (blocked == blocked_) return;
  blocked_ = blocked;
  if (phase_ != Phase::kRunning || !client_wants_blocked_notifications_) return;
  if (blocked && !blocked_sent_) {
    send_method(0, Method::make(kConnectionBlocked, {std::string("low on memory")}));
    blocked_sent_ = true;
  } else if (!blocked && blocked_sent_) {
    send_method(0, Method::make(kConnectionUnblocked));
    blocked_sent_ = false;
  }
  notify_output();
}

// ---------------------------------------------------------------- [SECTION] heartbeats

void Connection::start_heartbeats() {
  if (heartbeat_s_ == 0) return;
  received_at_last_tick_ = bytes_received_;
  sent_at_last_tick_ = bytes_sent_total_;
  heartbeat_timer_ = scheduler_.schedule_after(heartbeat_s_ * kSecondUs / 2, [this] { heartbeat_tick(); });
}

// As RabbitMQ 3.10's rabbit_heartbeat: we send a heartbeat after half an interval with nothing
// sent, and check for input once per whole interval, giving up at the second check in a row that
// saw none (so between two and three intervals after the last byte). RabbitMQ starts watching at
// tune-ok, so the open counts as input at the first check: a client silent from open goes after
// exactly three intervals. While closing, heartbeats are still sent but no longer expected.
void Connection::heartbeat_tick() {
  heartbeat_timer_.reset();
  if (phase_ != Phase::kRunning && phase_ != Phase::kClosing) return;
  if (++heartbeat_ticks_ % 2 == 0 && phase_ == Phase::kRunning) {
    if (bytes_received_ != received_at_last_tick_ || heartbeat_ticks_ == 2) {
      silent_ticks_ = 0;
      received_at_last_tick_ = bytes_received_;
    } else if (++silent_ticks_ >= 2) {
      abort("missed heartbeats from client, timeout: " + std::to_string(heartbeat_s_) + "s");
      return;
    }
  }
  if (bytes_sent_total_ == sent_at_last_tick_) {
    encode_heartbeat(output_);
    bytes_sent_total_ += kFrameOverhead;
    notify_output();
  }
  sent_at_last_tick_ = bytes_sent_total_;
  heartbeat_timer_ = scheduler_.schedule_after(heartbeat_s_ * kSecondUs / 2, [this] { heartbeat_tick(); });
}

}  // namespace brokersim::amqp
