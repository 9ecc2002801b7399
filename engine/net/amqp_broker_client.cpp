#include "net/amqp_broker_client.h"

#include <poll.h>

#include <cmath>
#include <cstdlib>

#include "amqp/method_args.h"

namespace brokersim::net {
namespace {

using amqp::Method;
using broker::ChannelKey;
using broker::Error;
using broker::ReplyCode;
using U = std::uint64_t;

constexpr std::string_view kTimeArguments[] = {"x-message-ttl", "x-expires"};

Error closed_channel() { return Error{ReplyCode::kChannelError, "CHANNEL_ERROR - the channel is closed"}; }

// channel.close or connection.close, whose arguments are the same.
Error error_of(const Method& close) {
  const auto a = amqp::args_of<amqp::kChannelClose>(close);
  return Error{static_cast<ReplyCode>(a.number<"reply-code">()), a.text<"reply-text">()};
}

}  // namespace

AmqpBrokerClient::AmqpBrokerClient(Options options)
    : options_(std::move(options)), opened_per_url_(options_.urls.size(), 0) {}
AmqpBrokerClient::~AmqpBrokerClient() = default;

std::int64_t AmqpBrokerClient::scaled_ms(std::int64_t scenario_ms) const {
  if (scenario_ms <= 0) return scenario_ms;
  return std::max<std::int64_t>(1, std::llround(static_cast<double>(scenario_ms) / options_.speed));
}

sim::TimeUs AmqpBrokerClient::wall_now_us() const {
  if (!started_) return 0;
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - *started_);
  return static_cast<sim::TimeUs>(static_cast<double>(elapsed.count()) * options_.speed);
}

std::size_t AmqpBrokerClient::open_connections() const {
  std::size_t n = 0;
  for (const auto& [id, c] : connections_) n += c.wire && c.wire->alive();
  return n;
}

void AmqpBrokerClient::close_all() {
  for (auto& [id, c] : connections_) close_connection(id, ReplyCode::kSuccess, "the run is over");
}

AmqpBrokerClient::Connection* AmqpBrokerClient::find(broker::ConnectionId id) {
  const auto it = connections_.find(id);
  return it == connections_.end() || !it->second.wire || !it->second.wire->alive() ? nullptr : &it->second;
}

const AmqpBrokerClient::Connection* AmqpBrokerClient::find(broker::ConnectionId id) const {
  return const_cast<AmqpBrokerClient*>(this)->find(id);
}

// --- connections and channels

broker::ConnectionId AmqpBrokerClient::open_connection(std::string name, broker::ConnectionListener* listener,
                                                       trace::ConnectionRole /*role*/) {
  const broker::ConnectionId id = next_id_++;
  Connection& c = connections_[id];
  c.name = std::move(name);
  c.listener = listener;
  if (lost_) return id;
  const std::size_t index = next_url_++ % options_.urls.size();
  const AmqpUrl& url = options_.urls[index];
  ++opened_per_url_[index];
  c.wire = std::make_unique<AmqpClientConnection>();
  if (auto why = c.wire->open(url, c.name, options_.timeout)) lost_ = "connecting '" + c.name + "' to " + url.display() + ": " + *why;
  return id;
}

bool AmqpBrokerClient::connection_open(broker::ConnectionId id) const { return find(id) != nullptr; }

void AmqpBrokerClient::close_connection(broker::ConnectionId id, ReplyCode code, std::string_view text) {
  Connection* c = find(id);
  if (!c) return;
  if (code == ReplyCode::kSuccess) {
    // A clean close: what the broker sent before its close-ok is still the client's.
    c->wire->send(0, Method::make(amqp::kConnectionClose, {U{200}, std::string(text), U{0}, U{0}}));
    (void)call({id, 0}, {}, {amqp::kConnectionCloseOk});
  }
  c->wire->drop();  // or the process died: the broker sees the socket go
  c->channels.clear();
  c->pushes.clear();
}

broker::Status AmqpBrokerClient::channel_open(ChannelKey key) {
  Connection* c = find(key.connection);
  if (!c) return Error{ReplyCode::kConnectionForced, "CONNECTION_FORCED - the connection is closed"};
  c->channels.erase(key.channel);
  c->wire->send(key.channel, Method::make(amqp::kChannelOpen, {std::string()}));
  auto reply = call({key.connection, 0}, {}, {amqp::kChannelOpenOk});
  if (!reply.ok()) return reply.error();
  c->channels[key.channel];
  return broker::ok_status();
}

bool AmqpBrokerClient::channel_is_open(ChannelKey key) const {
  const Connection* c = find(key.connection);
  return c && c->channels.count(key.channel);
}

bool AmqpBrokerClient::has_consumer(ChannelKey key, const std::string& consumer_tag) const {
  const Connection* c = find(key.connection);
  if (!c) return false;
  const auto it = c->channels.find(key.channel);
  return it != c->channels.end() && it->second.count(consumer_tag);
}

// --- the exchange between a synchronous call and the pushes around it

broker::Result<IncomingMethod> AmqpBrokerClient::call(ChannelKey key, const Method& method,
                                                      std::initializer_list<std::uint32_t> replies) {
  Connection* c = find(key.connection);
  if (!c) return Error{ReplyCode::kConnectionForced, "CONNECTION_FORCED - the connection is closed"};
  // Channel 0 as the key: the caller sent the method itself (connection.close, channel.open).
  const std::uint16_t channel = key.channel;
  if (method.spec) {
    if (!c->channels.count(channel)) return closed_channel();
    c->wire->send(channel, method);
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  std::vector<IncomingMethod> batch;
  std::optional<broker::Result<IncomingMethod>> result;
  while (!result) {
    batch.clear();
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !c->wire->alive()) break;
    c->wire->receive(batch, left);
    for (IncomingMethod& in : batch) {
      const bool wanted = std::find(replies.begin(), replies.end(), in.method.id()) != replies.end();
      if (!result && wanted && (in.channel == channel || in.channel == 0 || channel == 0)) {
        result.emplace(std::move(in));
      } else if (auto error = take(*c, std::move(in), channel); error && !result) {
        result.emplace(*error);
      }
    }
  }
  if (result) return std::move(*result);
  const std::string what = method.spec ? std::string(method.spec->name) : std::string("the broker");
  if (!lost_) lost_ = c->wire->alive() ? "no reply to " + what + " within " + std::to_string(options_.timeout.count()) + " ms"
                                       : "the broker went away during " + what + " (" + c->wire->failure() + ")";
  connection_closed(*c, *lost_);
  return Error{ReplyCode::kConnectionForced, *lost_};
}

broker::Status AmqpBrokerClient::call_status(ChannelKey key, const Method& method, std::uint32_t reply) {
  auto result = call(key, method, {reply});
  if (!result.ok()) return result.error();
  return broker::ok_status();
}

broker::Status AmqpBrokerClient::cast(ChannelKey key, const Method& method) {
  Connection* c = find(key.connection);
  if (!c || !c->channels.count(key.channel)) return closed_channel();
  c->wire->send(key.channel, method);
  return broker::ok_status();
}

// Deliveries, returns and confirms wait for the pacer; a close ends the channel (or connection)
// at once, and what was still waiting on it is void, as it would be in the application.
std::optional<Error> AmqpBrokerClient::take(Connection& c, IncomingMethod in, std::optional<std::uint16_t> waiting) {
  const std::uint32_t id = in.method.id();
  if (id == amqp::kChannelClose) {
    const Error error = error_of(in.method);
    c.wire->send(in.channel, Method::make(amqp::kChannelCloseOk));
    c.channels.erase(in.channel);
    std::erase_if(c.pushes, [&](const IncomingMethod& p) { return p.channel == in.channel; });
    if (waiting && (in.channel == *waiting || *waiting == 0)) return error;
    async_errors_.push_back({clock_now_us_, c.name, error});
    return std::nullopt;
  }
  if (id == amqp::kConnectionClose) {
    const Error error = error_of(in.method);
    c.wire->send(0, Method::make(amqp::kConnectionCloseOk));
    connection_closed(c, error.text);
    if (waiting) return error;
    // 320 with nothing asked: the node is shutting down under us.
    if (error.code == ReplyCode::kConnectionForced && !lost_) lost_ = "the broker closed '" + c.name + "': " + error.text;
    async_errors_.push_back({clock_now_us_, c.name, error});
    return std::nullopt;
  }
  if (id == amqp::kBasicDeliver || id == amqp::kBasicReturn || id == amqp::kBasicAck || id == amqp::kBasicNack ||
      id == amqp::kBasicCancel) {
    c.pushes.push_back(std::move(in));
  }
  return std::nullopt;  // channel.flow, connection.blocked and the like change nothing here
}

void AmqpBrokerClient::connection_closed(Connection& c, const std::string&) {
  c.wire->drop();
  c.channels.clear();
  c.pushes.clear();
}

// --- exchanges and queues

broker::FieldTable AmqpBrokerClient::scaled_arguments(const broker::FieldTable& arguments) const {
  broker::FieldTable out = arguments;
  for (auto& [name, value] : out) {
    const bool is_time = std::find(std::begin(kTimeArguments), std::end(kTimeArguments), name) != std::end(kTimeArguments);
    if (is_time && value.as_integer()) value = broker::FieldValue(static_cast<std::int64_t>(scaled_ms(*value.as_integer())));
  }
  return out;
}

broker::Status AmqpBrokerClient::exchange_declare(ChannelKey key, const broker::ExchangeDeclare& d) {
  return call_status(key, Method::make(amqp::kExchangeDeclare, {U{0}, d.name, d.type, U{d.passive}, U{d.durable},
                                                                U{d.auto_delete}, U{d.internal}, U{0}, d.arguments}),
                     amqp::kExchangeDeclareOk);
}

broker::Status AmqpBrokerClient::exchange_delete(ChannelKey key, const std::string& name) {
  return call_status(key, Method::make(amqp::kExchangeDelete, {U{0}, name, U{0}, U{0}}), amqp::kExchangeDeleteOk);
}

broker::Status AmqpBrokerClient::exchange_bind(ChannelKey key, const std::string& destination, const std::string& source,
                                               const std::string& routing_key, const broker::FieldTable& arguments) {
  return call_status(key, Method::make(amqp::kExchangeBind, {U{0}, destination, source, routing_key, U{0}, arguments}),
                     amqp::kExchangeBindOk);
}

broker::Status AmqpBrokerClient::exchange_unbind(ChannelKey key, const std::string& destination, const std::string& source,
                                                 const std::string& routing_key, const broker::FieldTable& arguments) {
  return call_status(key, Method::make(amqp::kExchangeUnbind, {U{0}, destination, source, routing_key, U{0}, arguments}),
                     amqp::kExchangeUnbindOk);
}

broker::Result<broker::QueueDeclareOk> AmqpBrokerClient::queue_declare(ChannelKey key, const broker::QueueDeclare& d) {
  auto reply = call(key, Method::make(amqp::kQueueDeclare, {U{0}, d.name, U{d.passive}, U{d.durable}, U{d.exclusive},
                                                            U{d.auto_delete}, U{0}, scaled_arguments(d.arguments)}),
                    {amqp::kQueueDeclareOk});
  if (!reply.ok()) return reply.error();
  const auto ok = amqp::args_of<amqp::kQueueDeclareOk>(reply.value().method);
  return broker::QueueDeclareOk{ok.text<"queue">(), static_cast<std::uint32_t>(ok.number<"message-count">()),
                                static_cast<std::uint32_t>(ok.number<"consumer-count">())};
}

broker::Status AmqpBrokerClient::queue_bind(ChannelKey key, const std::string& queue, const std::string& exchange,
                                            const std::string& routing_key, const broker::FieldTable& arguments) {
  return call_status(key, Method::make(amqp::kQueueBind, {U{0}, queue, exchange, routing_key, U{0}, arguments}),
                     amqp::kQueueBindOk);
}

broker::Status AmqpBrokerClient::queue_unbind(ChannelKey key, const std::string& queue, const std::string& exchange,
                                              const std::string& routing_key, const broker::FieldTable& arguments) {
  return call_status(key, Method::make(amqp::kQueueUnbind, {U{0}, queue, exchange, routing_key, arguments}),
                     amqp::kQueueUnbindOk);
}

broker::Result<std::uint32_t> AmqpBrokerClient::queue_purge(ChannelKey key, const std::string& queue) {
  auto reply = call(key, Method::make(amqp::kQueuePurge, {U{0}, queue, U{0}}), {amqp::kQueuePurgeOk});
  if (!reply.ok()) return reply.error();
  return static_cast<std::uint32_t>(amqp::args_of<amqp::kQueuePurgeOk>(reply.value().method).number<"message-count">());
}

broker::Result<std::uint32_t> AmqpBrokerClient::queue_delete(ChannelKey key, const std::string& queue) {
  auto reply = call(key, Method::make(amqp::kQueueDelete, {U{0}, queue, U{0}, U{0}, U{0}}), {amqp::kQueueDeleteOk});
  if (!reply.ok()) return reply.error();
  return static_cast<std::uint32_t>(amqp::args_of<amqp::kQueueDeleteOk>(reply.value().method).number<"message-count">());
}

// --- basic

broker::Status AmqpBrokerClient::basic_qos(ChannelKey key, std::uint16_t prefetch_count) {
  return call_status(key, Method::make(amqp::kBasicQos, {U{0}, U{prefetch_count}, U{0}}), amqp::kBasicQosOk);
}

broker::Result<std::string> AmqpBrokerClient::basic_consume(ChannelKey key, const broker::Consume& c) {
  auto reply = call(key, Method::make(amqp::kBasicConsume, {U{0}, c.queue, c.consumer_tag, U{c.no_local}, U{c.no_ack},
                                                            U{c.exclusive}, U{0}, c.arguments}),
                    {amqp::kBasicConsumeOk});
  if (!reply.ok()) return reply.error();
  std::string tag = amqp::args_of<amqp::kBasicConsumeOk>(reply.value().method).text<"consumer-tag">();
  if (Connection* conn = find(key.connection)) conn->channels[key.channel].insert(tag);
  return tag;
}

broker::Status AmqpBrokerClient::basic_cancel(ChannelKey key, const std::string& consumer_tag) {
  auto status = call_status(key, Method::make(amqp::kBasicCancel, {consumer_tag, U{0}}), amqp::kBasicCancelOk);
  if (Connection* conn = find(key.connection); conn && conn->channels.count(key.channel)) {
    conn->channels[key.channel].erase(consumer_tag);
  }
  return status;
}

broker::Status AmqpBrokerClient::basic_publish(ChannelKey key, const broker::Publish& p) {
  Connection* c = find(key.connection);
  if (!c || !c->channels.count(key.channel)) return closed_channel();
  broker::BasicProperties properties = p.properties;
  if (properties.expiration) {
    char* end = nullptr;
    const long long ms = std::strtoll(properties.expiration->c_str(), &end, 10);
    if (end && *end == '\0' && !properties.expiration->empty()) properties.expiration = std::to_string(scaled_ms(ms));
  }
  c->wire->send_with_content(key.channel,
                             Method::make(amqp::kBasicPublish, {U{0}, p.exchange, p.routing_key, U{p.mandatory}, U{p.immediate}}),
                             properties, p.body);
  return broker::ok_status();
}

broker::Result<std::optional<broker::GetOk>> AmqpBrokerClient::basic_get(ChannelKey key, const std::string& queue, bool no_ack) {
  auto reply = call(key, Method::make(amqp::kBasicGet, {U{0}, queue, U{no_ack}}), {amqp::kBasicGetOk, amqp::kBasicGetEmpty});
  if (!reply.ok()) return reply.error();
  const IncomingMethod& in = reply.value();
  if (in.method.id() == amqp::kBasicGetEmpty) return std::optional<broker::GetOk>{};
  broker::GetOk ok;
  const auto a = amqp::args_of<amqp::kBasicGetOk>(in.method);
  ok.delivery_tag = a.number<"delivery-tag">();
  ok.redelivered = a.flag<"redelivered">();
  ok.message_count = static_cast<std::uint32_t>(a.number<"message-count">());
  ok.message = message_of(in, a.text<"exchange">(), a.text<"routing-key">());
  return std::optional<broker::GetOk>(std::move(ok));
}

broker::Status AmqpBrokerClient::basic_ack(ChannelKey key, std::uint64_t tag) {
  return cast(key, Method::make(amqp::kBasicAck, {tag, U{0}}));
}

broker::Status AmqpBrokerClient::basic_nack(ChannelKey key, std::uint64_t tag, bool requeue) {
  return cast(key, Method::make(amqp::kBasicNack, {tag, U{0}, U{requeue}}));
}

broker::Status AmqpBrokerClient::basic_reject(ChannelKey key, std::uint64_t tag, bool requeue) {
  return cast(key, Method::make(amqp::kBasicReject, {tag, U{requeue}}));
}

broker::Status AmqpBrokerClient::confirm_select(ChannelKey key) {
  return call_status(key, Method::make(amqp::kConfirmSelect, {U{0}}), amqp::kConfirmSelectOk);
}

// The operator's restart: every connection dies with the node, as in the simulation, and the
// actors reconnect when they next need their channel.
bool AmqpBrokerClient::restart_broker() {
  if (options_.restart_command.empty()) return false;
  for (auto& [id, c] : connections_) {
    if (c.wire) connection_closed(c, "restart");
  }
  const auto began = std::chrono::steady_clock::now();
  if (std::system(options_.restart_command.c_str()) != 0) lost_ = "the restart command failed: " + options_.restart_command;
  // The scenario's restart is instant: its clock stands still while the node restarts.
  if (started_) *started_ += std::chrono::steady_clock::now() - began;
  return true;
}

// --- the pacer

broker::MessageRef AmqpBrokerClient::message_of(const IncomingMethod& in, const std::string& exchange,
                                                const std::string& routing_key) {
  return broker::Message::create(next_message_id_++, std::make_shared<const std::string>(exchange), routing_key,
                                 in.header.properties, in.body, clock_now_us_);
}

void AmqpBrokerClient::dispatch(Connection& c, const IncomingMethod& in) {
  if (!c.listener) return;
  const Method& m = in.method;
  switch (m.id()) {
    case amqp::kBasicDeliver: {
      const auto a = amqp::args_of<amqp::kBasicDeliver>(m);
      const auto tag = std::make_shared<const std::string>(a.text<"consumer-tag">());
      return c.listener->on_deliver({in.channel, tag, a.number<"delivery-tag">(), a.flag<"redelivered">(),
                                     message_of(in, a.text<"exchange">(), a.text<"routing-key">())});
    }
    case amqp::kBasicReturn: {
      const auto a = amqp::args_of<amqp::kBasicReturn>(m);
      return c.listener->on_return({in.channel, static_cast<ReplyCode>(a.number<"reply-code">()), a.text<"reply-text">(),
                                    message_of(in, a.text<"exchange">(), a.text<"routing-key">())});
    }
    case amqp::kBasicAck: {
      const auto a = amqp::args_of<amqp::kBasicAck>(m);
      return c.listener->on_confirm({in.channel, a.number<"delivery-tag">(), a.flag<"multiple">(), false});
    }
    case amqp::kBasicNack: {
      const auto a = amqp::args_of<amqp::kBasicNack>(m);
      return c.listener->on_confirm({in.channel, a.number<"delivery-tag">(), a.flag<"multiple">(), true});
    }
    case amqp::kBasicCancel: {
      const std::string& tag = amqp::args_of<amqp::kBasicCancel>(m).text<"consumer-tag">();
      if (auto it = c.channels.find(in.channel); it != c.channels.end()) it->second.erase(tag);
      return c.listener->on_consumer_cancelled(in.channel, tag);
    }
    default: return;
  }
}

// Hands every waiting push to its actor at the time it is taken (never past `due_us`, which a
// task is waiting for). A listener may call back into this client, which may queue more.
bool AmqpBrokerClient::dispatch_pending(sim::TimeUs due_us, sim::SimClock& clock) {
  bool any = false;
  for (auto& [id, c] : connections_) {
    while (!c.pushes.empty()) {
      if (!any) {
        clock.advance_to(std::min(due_us, wall_now_us()));
        clock_now_us_ = clock.now_us();
        any = true;
      }
      IncomingMethod in = std::move(c.pushes.front());
      c.pushes.pop_front();
      dispatch(c, in);
    }
  }
  return any;
}

void AmqpBrokerClient::read_all(std::chrono::microseconds wait) {
  std::vector<pollfd> fds;
  std::vector<Connection*> owners;
  for (auto& [id, c] : connections_) {
    if (!c.wire || !c.wire->alive()) continue;
    fds.push_back({c.wire->native_handle(), POLLIN, 0});
    owners.push_back(&c);
  }
  const timespec timeout{static_cast<time_t>(wait.count() / 1000000), static_cast<long>(wait.count() % 1000000) * 1000};
  if (::ppoll(fds.data(), fds.size(), &timeout, nullptr) <= 0) return;
  std::vector<IncomingMethod> batch;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (!fds[i].revents) continue;
    Connection& c = *owners[i];
    batch.clear();
    c.wire->receive(batch, std::chrono::microseconds(0));
    for (IncomingMethod& in : batch) (void)take(c, std::move(in), std::nullopt);
    // A socket that ends without a connection.close: the broker died.
    if (!c.wire->alive() && c.wire->failure() != "closed" && !lost_) {
      lost_ = "the broker dropped the connection of '" + c.name + "' (" + c.wire->failure() + ")";
    }
  }
}

bool AmqpBrokerClient::wait_until(sim::TimeUs due_us, sim::SimClock& clock) {
  if (!started_) started_ = std::chrono::steady_clock::now();
  for (;;) {
    if (lost_) return true;
    if (dispatch_pending(due_us, clock)) return false;
    const sim::TimeUs now = wall_now_us();
    if (now >= due_us) {
      clock_now_us_ = due_us;
      return true;
    }
    // Never sleep long in one go, so a broker that dies is noticed.
    const auto wall_wait = static_cast<std::int64_t>(static_cast<double>(due_us - now) / options_.speed);
    read_all(std::chrono::microseconds(std::clamp<std::int64_t>(wall_wait, 0, 100000)));
  }
}

}  // namespace brokersim::net
