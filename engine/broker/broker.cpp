// The broker's core: the outbox, lookups and errors, connections and channels, and the
// accounting that checks nothing is lost. The other broker_*.cpp files hold the rest.
#include "broker/broker_internal.h"

#include <algorithm>
#include <cassert>

namespace brokersim::broker {

using namespace internal;

// =====================================================================================
// [SECTION] the outbox: pushes to clients leave only when the current operation is over
// =====================================================================================

void Broker::push(Outgoing outgoing) { outbox_.push_back(std::move(outgoing)); }

void Broker::flush_outbox() {
  ++operation_depth_;  // listener calls made from here must not flush recursively
  // Listener calls may push more; they are appended and handled in this same pass. The
  // vector is emptied, not freed, at the end: a deque used as a FIFO allocated and freed a
  // block every few messages.
  for (std::size_t next = 0; next < outbox_.size(); ++next) {
    Outgoing out = std::move(outbox_[next]);
    // The channel may have closed since: its deliveries were requeued, so the push is void.
    auto it = channels_by_serial_.find(out.channel_serial);
    if (it == channels_by_serial_.end()) continue;
    Channel& channel = *it->second;
    ConnectionListener* listener = channel.listener();
    if (!listener) continue;
    std::visit(
        [&](auto& item) {
          using T = std::decay_t<decltype(item)>;
          if constexpr (std::is_same_v<T, Delivery>) {
            listener->on_deliver(item);
          } else if constexpr (std::is_same_v<T, Return>) {
            listener->on_return(item);
          } else if constexpr (std::is_same_v<T, Confirm>) {
            listener->on_confirm(item);
          } else {
            listener->on_consumer_cancelled(channel.number(), item);
          }
        },
        out.what);
  }
  outbox_.clear();
  --operation_depth_;
}

// =====================================================================================
// [SECTION] construction, lookups, errors
// =====================================================================================

Broker::Broker(sim::Scheduler& scheduler, sim::Rng& rng, trace::Tracer& tracer, BrokerLimits limits)
    : scheduler_(scheduler),
      rng_(rng),
      tracer_(tracer),
      limits_(limits),
      router_([this](std::string_view name) { return exchange_named(name); }) {
  declare_builtin_exchanges();
}

Broker::~Broker() = default;

void Broker::declare_builtin_exchanges() {
  ExchangeSettings durable;
  durable.durable = true;
  create_exchange("", ExchangeType::kDirect, durable);
  default_exchange_ = exchange_named("");
  create_exchange("amq.direct", ExchangeType::kDirect, durable);
  create_exchange("amq.fanout", ExchangeType::kFanout, durable);
  create_exchange("amq.headers", ExchangeType::kHeaders, durable);
  create_exchange("amq.match", ExchangeType::kHeaders, durable);
  create_exchange("amq.topic", ExchangeType::kTopic, durable);
}

Exchange* Broker::exchange_named(std::string_view name) {
  auto it = exchange_index_.find(name);
  return it == exchange_index_.end() ? nullptr : it->second;
}

Queue* Broker::queue_named(std::string_view name) {
  auto it = queue_index_.find(name);
  return it == queue_index_.end() ? nullptr : it->second;
}

const Exchange* Broker::find_exchange(std::string_view name) const {
  auto it = exchanges_.find(name);
  return it == exchanges_.end() ? nullptr : it->second.get();
}

const Queue* Broker::find_queue(std::string_view name) const {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second.get();
}

Broker::Connection* Broker::connection(ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}


const Channel* Broker::find_channel(ChannelKey key) const {
  auto it = channels_by_key_.find(channel_index_key(key));
  return it == channels_by_key_.end() ? nullptr : it->second;
}

Result<Channel*> Broker::channel_for(ChannelKey key) {
  if (auto it = channels_by_key_.find(channel_index_key(key)); it != channels_by_key_.end()) return it->second;
  Connection* conn = connection(key.connection);
  if (!conn) return make_error(ReplyCode::kChannelError, "connection is closed");
  return fail(key, make_error(ReplyCode::kChannelError, "expected 'channel.open' on channel " +
                                                            std::to_string(key.channel)));
}

Error Broker::fail(ChannelKey key, Error error) {
  Connection* conn = connection(key.connection);
  if (!conn) return error;
  if (closes_connection(error.code)) {
    close_connection(key.connection, error.code, error.text);
  } else if (auto it = conn->channels.find(key.channel); it != conn->channels.end()) {
    close_channel(*conn, *it->second, error.code, error.text);
  }
  return error;
}

std::optional<Error> Broker::check_exclusive_access(const Queue& queue, ConnectionId connection) const {
  if (!queue.exclusive() || queue.exclusive_owner() == connection) return std::nullopt;
  return make_error(ReplyCode::kResourceLocked,
                    "cannot obtain exclusive access to locked " + queue_resource(queue.name()) +
                        ". It could be originally declared on another connection or the exclusive property "
                        "value does not match that of the original declaration.");
}

std::string Broker::generate_name(std::string_view prefix) {
  // 16 random bytes in URL-safe base64, as RabbitMQ names them; from the seeded RNG, so
  // server-chosen names are the same on every run of a seed.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  while (true) {
    std::string name(prefix);
    for (int i = 0; i < 22; ++i) name += kAlphabet[rng_.below(64)];
    if (!queues_.count(name)) return name;
  }
}

std::string Broker::resolve_queue_name(Channel& channel, const std::string& name) const {
  return name.empty() ? channel.last_declared_queue : name;
}

// =====================================================================================
// [SECTION] connections and channels
// =====================================================================================

ConnectionId Broker::open_connection(std::string name, ConnectionListener* listener, trace::ConnectionRole role) {
  OperationScope scope(*this);
  auto conn = std::make_unique<Connection>();
  conn->id = next_connection_id_++;
  conn->name = std::move(name);
  conn->listener = listener;
  auto& e = tracer_.begin(trace::EventKind::kConnectionOpened);
  e.connection = conn->id;
  e.role = role;
  e.text = conn->name;
  tracer_.emit();
  const ConnectionId id = conn->id;
  connections_.emplace(id, std::move(conn));
  return id;
}

void Broker::close_connection(ConnectionId id, ReplyCode code, std::string_view text) {
  OperationScope scope(*this);
  Connection* conn = connection(id);
  if (!conn) return;
  while (!conn->channels.empty()) {
    Channel& ch = *conn->channels.begin()->second;
    close_channel(*conn, ch, ReplyCode::kSuccess, "connection closed");
  }
  // Exclusive queues die with their connection.
  std::vector<Queue*> owned;
  for (auto& [name, q] : queues_) {
    if (q->exclusive_owner() == id) owned.push_back(q.get());
  }
  for (Queue* q : owned) delete_queue(*q, "its exclusive owner connection closed");
  auto& e = tracer_.begin(trace::EventKind::kConnectionClosed);
  e.connection = id;
  e.reply_code = static_cast<std::uint16_t>(code);
  e.text = std::string(text);
  tracer_.emit();
  connections_.erase(id);
}

Status Broker::channel_open(ChannelKey key) {
  OperationScope scope(*this);
  Connection* conn = connection(key.connection);
  if (!conn) return make_error(ReplyCode::kChannelError, "connection is closed");
  if (key.channel == 0 || key.channel > limits_.channel_max) {
    Error error = make_error(ReplyCode::kNotAllowed, "channel number " + std::to_string(key.channel) +
                                                         " outside 1.." + std::to_string(limits_.channel_max));
    close_connection(key.connection, error.code, error.text);
    return error;
  }
  if (conn->channels.count(key.channel)) {
    Error error = make_error(ReplyCode::kChannelError, "second 'channel.open' seen");
    close_connection(key.connection, error.code, error.text);
    return error;
  }
  auto channel = std::make_unique<Channel>(key.connection, key.channel, next_channel_serial_++, conn->listener);
  channels_by_key_.emplace(channel_index_key(key), channel.get());
  channels_by_serial_.emplace(channel->serial(), channel.get());
  conn->channels.emplace(key.channel, std::move(channel));
  auto& e = tracer_.begin(trace::EventKind::kChannelOpened);
  e.connection = key.connection;
  e.channel = key.channel;
  tracer_.emit();
  return ok_status();
}

Status Broker::channel_close(ChannelKey key) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  close_channel(*connection(key.connection), *ch.value(), ReplyCode::kSuccess, "closed by client");
  return ok_status();
}

void Broker::close_channel(Connection& conn, Channel& channel, ReplyCode code, std::string_view text) {
  // Unacked deliveries are taken off the channel while their consumers still exist; the
  // consumers go next, so the requeued messages are not handed straight back to this channel.
  std::vector<Unacked> unacked_list;
  channel.take_all_unacked(unacked_list);
  for (Unacked& unacked : unacked_list) release(channel, unacked);
  if (!channel.reply_to_address.empty()) stop_direct_reply_to(channel, "its channel closed");
  std::vector<Queue*> touched;
  while (!channel.consumers.empty()) {
    Consumer& consumer = *channel.consumers.begin()->second;
    touched.push_back(consumer.queue);
    detach_consumer(consumer);
    auto& e = tracer_.begin(trace::EventKind::kConsumerCancelled);
    e.connection = conn.id;
    e.channel = channel.number();
    e.queue = consumer.queue->name();
    e.consumer_tag = consumer.tag();
    e.text = "its channel closed";
    tracer_.emit();
    channel.consumers.erase(channel.consumers.begin());
  }
  for (Unacked& unacked : unacked_list) {
    if (unacked.queue) touched.push_back(unacked.queue);
    requeue_entry(channel, unacked, SettledBy::kChannelClosed);
  }
  auto& e = tracer_.begin(trace::EventKind::kChannelClosed);
  e.connection = conn.id;
  e.channel = channel.number();
  e.reply_code = static_cast<std::uint16_t>(code);
  e.text = std::string(text);
  tracer_.emit();
  channels_by_key_.erase(channel_index_key({conn.id, channel.number()}));
  channels_by_serial_.erase(channel.serial());
  conn.channels.erase(channel.number());

  // Queues are named in `touched` by pointer; a cascade may delete some, so look up by name.
  std::vector<std::string> names;
  for (Queue* q : touched) {
    if (std::find(names.begin(), names.end(), q->name()) == names.end()) names.push_back(q->name());
  }
  for (const std::string& name : names) {
    Queue* q = queue_named(name);
    if (!q) continue;
    if (q->auto_delete() && q->ever_had_consumer() && q->consumers().empty()) {
      delete_queue(*q, "auto-delete: its last consumer went away");
    } else {
      touch_unused_timer(*q);
      run(*q, command::Dispatch{});
    }
  }
}

void Broker::restart() {
  OperationScope scope(*this);
  std::vector<ConnectionId> open;
  for (const auto& [id, conn] : connections_) open.push_back(id);
  for (ConnectionId id : open) close_connection(id, ReplyCode::kConnectionForced, "broker restart");
  std::vector<std::string> lost;
  for (const auto& [name, x] : exchanges_)
    if (!x->durable()) lost.push_back(name);
  for (const std::string& name : lost) {
    if (Exchange* x = exchange_named(name)) delete_exchange(*x, "not durable: lost in the broker restart");
  }
  lost.clear();
  std::uint64_t lost_with_queues = 0;  // every message of a queue that was not durable
  for (const auto& [name, q] : queues_) {
    if (q->durable()) continue;
    lost.push_back(name);
    lost_with_queues += q->ready_count();
  }
  for (const std::string& name : lost) {
    if (Queue* q = queue_named(name)) delete_queue(*q, "not durable: lost in the broker restart");
  }
  std::uint64_t transient_lost = 0;
  for (const auto& [name, q] : queues_) {
    Effects lost_messages;
    q->apply(scheduler_.now_us(), command::Restart{}, lost_messages);
    transient_lost += lost_messages.size();
    carry_out(*q, lost_messages);
  }
  auto& e = tracer_.begin(trace::EventKind::kBrokerRestarted);
  e.count = transient_lost + lost_with_queues;
  e.text = "durable exchanges and queues and persistent messages survived; " + std::to_string(transient_lost) +
           " transient messages in durable queues were lost, and " + std::to_string(lost_with_queues) +
           " messages with the queues that were not durable";
  tracer_.emit();
}

void Broker::drop(const QueuedMessage& entry, const std::string& queue, trace::Reason reason, std::string_view why) {
  ++accounting_.copies_dropped;
  if (Queue* q = queue_named(queue)) ++q->counters().dropped;
  auto& e = tracer_.begin(trace::EventKind::kDropped);
  e.message_id = entry.message->id();
  e.queue = queue;
  e.reason = reason;
  e.text = std::string(why);
  tracer_.emit();
}

Result<RouteResult> Broker::explain_route(const std::string& exchange_name, const std::string& routing_key,
                                          const BasicProperties& properties) {
  Exchange* exchange = exchange_named(exchange_name);
  if (!exchange) return exchange_not_found(exchange_name);
  Publish probe;
  probe.routing_key = routing_key;
  probe.properties = properties;
  std::vector<std::string_view> keys;
  if (auto err = collect_routing_keys(probe, keys)) return *err;
  Router explainer([this](std::string_view name) { return exchange_named(name); }, SIZE_MAX);
  RouteResult result;
  explainer.route(*exchange, {keys, properties.headers ? &*properties.headers : nullptr}, result);
  return result;
}

bool Broker::nothing_lost() const {
  std::uint64_t ready = 0, unacked = 0;
  for (const auto& [name, q] : queues_) {
    if (q->type() == QueueType::kStream) continue;  // a stream keeps everything; reads are not copies
    ready += q->ready_count();
    unacked += q->unacked_count();
  }
  const auto& a = accounting_;
  return a.copies_enqueued ==
         ready + unacked + a.copies_acked + a.copies_auto_acked + a.copies_dropped + a.copies_dead_lettered;
}

}  // namespace brokersim::broker

