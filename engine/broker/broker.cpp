#include "broker/broker.h"

#include <algorithm>
#include <cassert>
#include <variant>

namespace brokersim::broker {
namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }
std::string queue_resource(std::string_view name) { return "queue " + quoted(name) + " in vhost '/'"; }
std::string exchange_resource(std::string_view name) { return "exchange " + quoted(name) + " in vhost '/'"; }

Error queue_not_found(std::string_view name) {
  return make_error(ReplyCode::kNotFound, "no " + queue_resource(name));
}
Error exchange_not_found(std::string_view name) {
  return make_error(ReplyCode::kNotFound, "no " + exchange_resource(name));
}
Error default_exchange_refused() {
  return make_error(ReplyCode::kAccessRefused, "operation not permitted on the default exchange");
}

// Queue arguments RabbitMQ compares on redeclare; others (x-foo) may differ freely.
constexpr std::string_view kEquivalenceQueueArgs[] = {
    "x-expires",        "x-message-ttl",  "x-dead-letter-exchange", "x-dead-letter-routing-key",
    "x-max-length",     "x-max-length-bytes", "x-max-in-memory-length", "x-max-in-memory-bytes",
    "x-max-priority",   "x-overflow",     "x-queue-mode",           "x-single-active-consumer",
    "x-queue-type",     "x-quorum-initial-group-size", "x-max-age", "x-stream-max-segment-size-bytes",
    "x-initial-cluster-size", "x-queue-leader-locator", "x-delivery-limit"};

// RabbitMQ treats all integer widths as one type class when comparing arguments.
bool equivalent_argument(const FieldValue* a, const FieldValue* b) {
  if (!a || !b) return a == b;
  auto ia = a->as_integer(), ib = b->as_integer();
  if (ia && ib) return *ia == *ib;
  return *a == *b;
}

// RabbitMQ shows bare values when both sides have one, and adds the type when one is missing.
std::string describe_argument(const FieldValue* value, bool both_present) {
  if (!value) return "none";
  const std::string shown = value->as_string() ? *value->as_string() : to_display(*value);
  if (both_present) return "'" + shown + "'";
  return "the value '" + shown + "' of type '" + std::string(value->type_name()) + "'";
}

std::optional<Error> check_arguments_equivalent(const FieldTable& current, const FieldTable& requested,
                                                std::string_view resource, std::span<const std::string_view> keys) {
  for (std::string_view key : keys) {
    const FieldValue* have = find_field(current, key);
    const FieldValue* want = find_field(requested, key);
    if (!equivalent_argument(have, want)) {
      return make_error(ReplyCode::kPreconditionFailed, "inequivalent arg '" + std::string(key) + "' for " +
                                                            std::string(resource) + ": received " +
                                                            describe_argument(want, have && want) +
                                                            " but current is " + describe_argument(have, have && want));
    }
  }
  return std::nullopt;
}

std::optional<Error> check_flag_equivalent(bool current, bool requested, std::string_view field,
                                           std::string_view resource) {
  if (current == requested) return std::nullopt;
  auto text = [](bool b) { return std::string(b ? "'true'" : "'false'"); };
  return make_error(ReplyCode::kPreconditionFailed, "inequivalent arg '" + std::string(field) + "' for " +
                                                        std::string(resource) + ": received " + text(requested) +
                                                        " but current is " + text(current));
}

std::string flags_summary(std::initializer_list<std::pair<bool, std::string_view>> flags) {
  std::string out;
  for (auto [on, name] : flags) {
    if (!on) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// CC and BCC headers add routing keys; they must be arrays of long strings.
std::optional<Error> collect_routing_keys(const Publish& publish, std::vector<std::string_view>& keys) {
  keys.clear();
  keys.push_back(publish.routing_key);
  const auto& headers = publish.properties.headers;
  if (!headers) return std::nullopt;
  for (std::string_view header : {"CC", "BCC"}) {
    const FieldValue* value = find_field(*headers, header);
    if (!value) continue;
    const FieldArray* array = value->as_array();
    if (!array) {
      return make_error(ReplyCode::kPreconditionFailed,
                        "invalid message: {unacceptable_type_in_header,\"" + std::string(header) + "\"," +
                            std::string(value->type_name()) + "}");
    }
    for (const FieldValue& entry : *array) {
      if (const std::string* key = entry.as_string()) keys.push_back(*key);
    }
  }
  return std::nullopt;
}

}  // namespace

// =====================================================================================
// [SECTION] the outbox: pushes to clients leave only when the current operation is over
// =====================================================================================

struct Broker::Outgoing {
  std::uint64_t channel_serial = 0;  // a reopened channel with the same number must not get it
  std::variant<Delivery, Return, Confirm, std::string /*cancelled consumer tag*/> what;
};

// Entered by every public method. When the outermost one ends, pending pushes are handed to
// listeners; a listener that calls back into the broker just queues more.
class Broker::OperationScope {
 public:
  explicit OperationScope(Broker& broker) : broker_(broker) { ++broker_.operation_depth_; }
  ~OperationScope() {
    if (--broker_.operation_depth_ == 0) broker_.flush_outbox();
  }

 private:
  Broker& broker_;
};

void Broker::push(Outgoing outgoing) { outbox_.push_back(std::move(outgoing)); }

void Broker::flush_outbox() {
  ++operation_depth_;  // listener calls made from here must not flush recursively
  while (!outbox_.empty()) {
    Outgoing out = std::move(outbox_.front());
    outbox_.pop_front();
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

namespace {
std::uint64_t channel_index_key(ChannelKey key) { return (key.connection << 16) | key.channel; }
}  // namespace

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

ConnectionId Broker::open_connection(std::string name, ConnectionListener* listener) {
  OperationScope scope(*this);
  auto conn = std::make_unique<Connection>();
  conn->id = next_connection_id_++;
  conn->name = std::move(name);
  conn->listener = listener;
  auto& e = tracer_.begin(trace::EventKind::kConnectionOpened);
  e.connection = conn->id;
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
    e.consumer_tag = consumer.tag;
    e.text = "its channel closed";
    tracer_.emit();
    channel.consumers.erase(channel.consumers.begin());
  }
  for (Unacked& unacked : unacked_list) {
    if (unacked.queue) touched.push_back(unacked.queue);
    requeue_entry(channel, unacked, "its channel closed before it was acked");
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
      run_queue(*q);
    }
  }
}

// =====================================================================================
// [SECTION] exchanges
// =====================================================================================

void Broker::create_exchange(const std::string& name, ExchangeType type, ExchangeSettings settings) {
  auto& e = tracer_.begin(trace::EventKind::kExchangeDeclared);
  e.exchange = name;
  e.text = std::string(exchange_type_name(type));
  const std::string flags = flags_summary(
      {{settings.durable, "durable"}, {settings.auto_delete, "auto-delete"}, {settings.internal, "internal"}});
  if (!flags.empty()) e.text += ", " + flags;
  if (!settings.arguments.empty()) e.text += ", arguments " + to_display(settings.arguments);
  if (settings.durable) e.flags |= trace::kDurable;
  if (settings.auto_delete) e.flags |= trace::kAutoDelete;
  if (settings.internal) e.flags |= trace::kInternal;
  tracer_.emit();
  auto exchange = make_exchange(name, type, std::move(settings));
  exchange_index_.emplace(name, exchange.get());
  exchanges_.emplace(name, std::move(exchange));
}

Status Broker::exchange_declare(ChannelKey key, const ExchangeDeclare& d) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  if (d.passive) {
    if (d.name.empty()) return fail(key, default_exchange_refused());
    if (!exchange_named(d.name)) return fail(key, exchange_not_found(d.name));
    return ok_status();
  }
  const auto type = parse_exchange_type(d.type);
  if (!type) return fail(key, make_error(ReplyCode::kCommandInvalid, "unknown exchange type '" + d.type + "'"));
  if (d.name.empty()) return fail(key, default_exchange_refused());
  if (const FieldValue* ae = find_field(d.arguments, "alternate-exchange"); ae && !ae->as_string()) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, "invalid type '" + std::string(ae->type_name()) +
                                                                    "' for arg 'alternate-exchange'"));
  }
  if (Exchange* existing = exchange_named(d.name)) {
    const std::string resource = exchange_resource(d.name);
    if (existing->type() != *type) {
      return fail(key, make_error(ReplyCode::kPreconditionFailed,
                                  "inequivalent arg 'type' for " + resource + ": received '" + d.type +
                                      "' but current is '" + std::string(exchange_type_name(existing->type())) + "'"));
    }
    if (auto err = check_flag_equivalent(existing->durable(), d.durable, "durable", resource)) return fail(key, *err);
    if (auto err = check_flag_equivalent(existing->auto_delete(), d.auto_delete, "auto_delete", resource))
      return fail(key, *err);
    if (auto err = check_flag_equivalent(existing->internal(), d.internal, "internal", resource)) return fail(key, *err);
    static constexpr std::string_view kKeys[] = {"alternate-exchange"};
    if (auto err = check_arguments_equivalent(existing->settings().arguments, d.arguments, resource, kKeys))
      return fail(key, *err);
    return ok_status();
  }
  if (d.name.starts_with("amq.")) {
    return fail(key, make_error(ReplyCode::kAccessRefused,
                                "exchange name '" + d.name + "' contains reserved prefix 'amq.*'"));
  }
  create_exchange(d.name, *type, ExchangeSettings{d.durable, d.auto_delete, d.internal, d.arguments});
  return ok_status();
}

Status Broker::exchange_delete(ChannelKey key, const std::string& name, bool if_unused) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  if (name.empty()) return fail(key, default_exchange_refused());
  if (name.starts_with("amq.")) {
    return fail(key, make_error(ReplyCode::kAccessRefused,
                                "deletion of system " + exchange_resource(name) + " not allowed"));
  }
  Exchange* x = exchange_named(name);
  if (!x) return ok_status();  // RabbitMQ treats deleting a missing exchange as done
  if (if_unused && !x->bindings().empty()) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, exchange_resource(name) + " in use"));
  }
  delete_exchange(*x, "deleted by client");
  return ok_status();
}

void Broker::delete_exchange(Exchange& exchange, std::string_view reason) {
  const std::string name = exchange.name();
  while (!exchange.bindings().empty()) remove_binding(exchange, exchange.bindings().back().get(), true);
  // Bindings that lead into this exchange go too; their sources may then auto-delete.
  std::vector<std::string> sources;
  for (auto& [source_name, source] : exchanges_) {
    std::vector<const Binding*> doomed;
    for (const auto& b : source->bindings()) {
      if (b->to_exchange && b->destination == name) doomed.push_back(b.get());
    }
    for (const Binding* b : doomed) remove_binding(*source, b, true);
    if (!doomed.empty()) sources.push_back(source_name);
  }
  auto& e = tracer_.begin(trace::EventKind::kExchangeDeleted);
  e.exchange = name;
  e.text = std::string(reason);
  tracer_.emit();
  exchange_index_.erase(name);
  exchanges_.erase(name);
  for (const std::string& source : sources) {
    if (Exchange* x = exchange_named(source)) maybe_auto_delete_exchange(*x);
  }
}

void Broker::maybe_auto_delete_exchange(Exchange& exchange) {
  if (exchange.auto_delete() && exchange.bindings().empty()) {
    delete_exchange(exchange, "auto-delete: its last binding was removed");
  }
}

// =====================================================================================
// [SECTION] bindings
// =====================================================================================

void Broker::add_binding(Exchange& source, std::string destination, bool to_exchange, std::string routing_key,
                         FieldTable arguments, bool traced) {
  auto binding = std::make_unique<Binding>();
  binding->id = next_binding_id_++;
  binding->source = source.name();
  binding->destination = std::move(destination);
  binding->to_exchange = to_exchange;
  binding->key = std::move(routing_key);
  binding->arguments = std::move(arguments);
  if (to_exchange) {
    binding->destination_exchange = exchange_named(binding->destination);
  } else {
    binding->queue = queue_named(binding->destination);
  }
  if (traced) {
    auto& e = tracer_.begin(trace::EventKind::kBindingCreated);
    e.exchange = source.name();
    e.destination = binding->destination;
    e.routing_key = binding->key;
    if (!binding->arguments.empty()) e.text = to_display(binding->arguments);
    if (to_exchange) e.flags |= trace::kToExchange;
    tracer_.emit();
  }
  source.add_binding(std::move(binding));
}

void Broker::remove_binding(Exchange& source, const Binding* binding, bool traced) {
  if (traced) {
    auto& e = tracer_.begin(trace::EventKind::kBindingDeleted);
    e.exchange = source.name();
    e.destination = binding->destination;
    e.routing_key = binding->key;
    if (!binding->arguments.empty()) e.text = to_display(binding->arguments);
    if (binding->to_exchange) e.flags |= trace::kToExchange;
    tracer_.emit();
  }
  source.remove_binding(binding);
}

Status Broker::bind(ChannelKey key, const std::string& source_name, const std::string& destination,
                    bool to_exchange, const std::string& routing_key, const FieldTable& arguments) {
  if (source_name.empty() || (to_exchange && destination.empty())) return fail(key, default_exchange_refused());
  Exchange* source = exchange_named(source_name);
  if (!source) return fail(key, exchange_not_found(source_name));
  if (to_exchange) {
    if (!exchange_named(destination)) return fail(key, exchange_not_found(destination));
  } else {
    const Queue* q = queue_named(destination);
    if (!q) return fail(key, queue_not_found(destination));
    if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
  }
  Binding candidate;
  candidate.arguments = arguments;
  if (auto err = source->validate_binding(candidate)) return fail(key, *err);
  if (source->find_binding(destination, to_exchange, routing_key, arguments)) return ok_status();
  add_binding(*source, destination, to_exchange, routing_key, arguments, true);
  return ok_status();
}

Status Broker::unbind(ChannelKey key, const std::string& source_name, const std::string& destination,
                      bool to_exchange, const std::string& routing_key, const FieldTable& arguments) {
  if (source_name.empty() || (to_exchange && destination.empty())) return fail(key, default_exchange_refused());
  // RabbitMQ 3.10 answers unbind-ok when the binding, or either end of it, does not exist.
  Exchange* source = exchange_named(source_name);
  if (!source) return ok_status();
  if (!to_exchange) {
    const Queue* q = queue_named(destination);
    if (!q) return ok_status();
    if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
  }
  const Binding* binding = source->find_binding(destination, to_exchange, routing_key, arguments);
  if (!binding) return ok_status();
  remove_binding(*source, binding, true);
  maybe_auto_delete_exchange(*source);
  return ok_status();
}

Status Broker::exchange_bind(ChannelKey key, const std::string& destination, const std::string& source,
                             const std::string& routing_key, const FieldTable& arguments) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  return bind(key, source, destination, true, routing_key, arguments);
}

Status Broker::exchange_unbind(ChannelKey key, const std::string& destination, const std::string& source,
                               const std::string& routing_key, const FieldTable& arguments) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  return unbind(key, source, destination, true, routing_key, arguments);
}

Status Broker::queue_bind(ChannelKey key, const std::string& queue, const std::string& exchange,
                          const std::string& routing_key, const FieldTable& arguments) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  const std::string name = resolve_queue_name(*ch.value(), queue);
  if (name.empty()) return fail(key, make_error(ReplyCode::kNotFound, "no previously declared queue"));
  // With the queue name omitted, an empty key means "the queue's name" too.
  const std::string& key_used = queue.empty() && routing_key.empty() ? name : routing_key;
  return bind(key, exchange, name, false, key_used, arguments);
}

Status Broker::queue_unbind(ChannelKey key, const std::string& queue, const std::string& exchange,
                            const std::string& routing_key, const FieldTable& arguments) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  const std::string name = resolve_queue_name(*ch.value(), queue);
  if (name.empty()) return fail(key, make_error(ReplyCode::kNotFound, "no previously declared queue"));
  return unbind(key, exchange, name, false, routing_key, arguments);
}

// =====================================================================================
// [SECTION] queues
// =====================================================================================

Result<QueueDeclareOk> Broker::queue_declare(ChannelKey key, const QueueDeclare& d) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();

  if (d.passive) {
    // The direct reply-to pseudo-queue "exists" with one consumer, as RabbitMQ reports it.
    if (d.name == kDirectReplyTo || reply_addresses_.count(d.name)) return QueueDeclareOk{d.name, 0, 1};
    const std::string name = resolve_queue_name(channel, d.name);
    if (name.empty()) return fail(key, make_error(ReplyCode::kNotFound, "no previously declared queue"));
    Queue* q = queue_named(name);
    if (!q) return fail(key, queue_not_found(name));
    if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
    channel.last_declared_queue = name;
    touch_unused_timer(*q);  // RabbitMQ counts even a passive declare as use
    return QueueDeclareOk{name, static_cast<std::uint32_t>(q->ready_count()),
                          static_cast<std::uint32_t>(q->consumers().size())};
  }

  std::string name = d.name;
  if (name.empty()) {
    name = generate_name("amq.gen-");
  } else if (name.starts_with("amq.")) {
    return fail(key, make_error(ReplyCode::kAccessRefused,
                                "queue name '" + name + "' contains reserved prefix 'amq.*'"));
  }
  const ConnectionId owner = d.exclusive ? key.connection : 0;
  auto arguments = parse_queue_arguments(d.arguments, name, {d.durable, d.exclusive, d.auto_delete});
  if (!arguments) return fail(key, arguments.error());
  if (d.name.empty() && arguments.value().type != QueueType::kClassic) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed,
                                std::string("Cannot declare a server-named queue for type ") +
                                    (arguments.value().type == QueueType::kQuorum ? "rabbit_quorum_queue"
                                                                                  : "rabbit_stream_queue")));
  }
  if (Queue* existing = queue_named(name)) {
    const std::string resource = queue_resource(name);
    // RabbitMQ checks exclusivity strictly here: the owner must match exactly, both ways.
    if (existing->exclusive_owner() != owner) {
      return fail(key, make_error(ReplyCode::kResourceLocked,
                                  "cannot obtain exclusive access to locked " + resource +
                                      ". It could be originally declared on another connection or the exclusive "
                                      "property value does not match that of the original declaration."));
    }
    if (auto err = check_flag_equivalent(existing->durable(), d.durable, "durable", resource)) return fail(key, *err);
    if (auto err = check_flag_equivalent(existing->auto_delete(), d.auto_delete, "auto_delete", resource))
      return fail(key, *err);
    if (auto err = check_arguments_equivalent(existing->settings().arguments, d.arguments, resource,
                                              kEquivalenceQueueArgs))
      return fail(key, *err);
    channel.last_declared_queue = name;
    touch_unused_timer(*existing);  // a redeclare counts as use for x-expires
    return QueueDeclareOk{name, static_cast<std::uint32_t>(existing->ready_count()),
                          static_cast<std::uint32_t>(existing->consumers().size())};
  }

  auto& e = tracer_.begin(trace::EventKind::kQueueDeclared);
  e.connection = key.connection;
  e.channel = key.channel;
  e.queue = name;
  e.text = flags_summary({{d.durable, "durable"}, {d.exclusive, "exclusive"}, {d.auto_delete, "auto-delete"}});
  if (!d.arguments.empty()) e.text += (e.text.empty() ? "arguments " : ", arguments ") + to_display(d.arguments);
  if (d.durable) e.flags |= trace::kDurable;
  if (d.exclusive) e.flags |= trace::kExclusive;
  if (d.auto_delete) e.flags |= trace::kAutoDelete;
  tracer_.emit();
  auto created = std::make_unique<Queue>(name, QueueSettings{d.durable, d.auto_delete, owner, d.arguments},
                                         std::move(arguments.value()));
  Queue& queue = *created;
  queue_index_.emplace(name, created.get());
  queues_.emplace(name, std::move(created));
  touch_unused_timer(queue);
  // Every queue is bound to the default exchange by its own name.
  add_binding(*default_exchange_, name, false, name, {}, false);
  channel.last_declared_queue = name;
  return QueueDeclareOk{name, 0, 0};
}

Result<std::uint32_t> Broker::queue_purge(ChannelKey key, const std::string& queue) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  const std::string name = resolve_queue_name(*ch.value(), queue);
  Queue* q = queue_named(name);
  if (!q) return fail(key, queue_not_found(name));
  if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
  if (q->type() == QueueType::kStream) {
    return fail(key, make_error(ReplyCode::kNotImplemented,
                                "queue.purge not supported by stream queues " + queue_resource(name)));
  }
  auto purged = q->take_all();
  auto& e = tracer_.begin(trace::EventKind::kQueuePurged);
  e.connection = key.connection;
  e.channel = key.channel;
  e.queue = name;
  e.count = purged.size();
  tracer_.emit();
  for (const QueuedMessage& m : purged) drop(m, name, "purged");
  return static_cast<std::uint32_t>(purged.size());
}

Result<std::uint32_t> Broker::queue_delete(ChannelKey key, const std::string& queue, bool if_unused, bool if_empty) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  const std::string name = resolve_queue_name(*ch.value(), queue);
  Queue* q = queue_named(name);
  if (!q) return std::uint32_t{0};  // RabbitMQ treats deleting a missing queue as done
  if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
  if (if_unused && !q->consumers().empty()) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, queue_resource(name) + " in use"));
  }
  if (if_empty && q->ready_count() > 0) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, queue_resource(name) + " not empty"));
  }
  const auto count = static_cast<std::uint32_t>(q->ready_count());
  delete_queue(*q, "deleted by client");
  return count;
}

void Broker::delete_queue(Queue& queue, std::string_view reason) {
  const std::string name = queue.name();
  if (queue.expiry_timer) scheduler_.cancel(*queue.expiry_timer);
  if (queue.unused_timer) scheduler_.cancel(*queue.unused_timer);
  // Consumers learn of it through basic.cancel (consumer cancel notify).
  while (!queue.consumers().empty()) cancel_consumer(*queue.consumers().front(), "its queue was deleted", true);
  // Messages delivered but not acked can no longer be settled against the queue.
  for (auto& [id, conn] : connections_) {
    for (auto& [number, channel] : conn->channels) {
      channel->for_each_unacked([&](Unacked& u) {
        if (u.queue != &queue) return;
        if (queue.type() != QueueType::kStream) drop(u.entry, name, "its queue was deleted while it was unacked");
        u.queue = nullptr;
      });
    }
  }
  auto ready = queue.take_all();
  auto& e = tracer_.begin(trace::EventKind::kQueueDeleted);
  e.queue = name;
  e.count = ready.size();
  e.text = std::string(reason);
  tracer_.emit();
  for (const QueuedMessage& m : ready) drop(m, name, "its queue was deleted");

  std::vector<std::string> sources;
  for (auto& [source_name, source] : exchanges_) {
    std::vector<const Binding*> doomed;
    for (const auto& b : source->bindings()) {
      if (!b->to_exchange && b->queue == &queue) doomed.push_back(b.get());
    }
    // The implicit default-exchange binding is part of the queue, not a traced binding.
    for (const Binding* b : doomed) remove_binding(*source, b, source.get() != default_exchange_);
    if (!doomed.empty() && source.get() != default_exchange_) sources.push_back(source_name);
  }
  queue_index_.erase(name);
  queues_.erase(name);
  for (const std::string& source : sources) {
    if (Exchange* x = exchange_named(source)) maybe_auto_delete_exchange(*x);
  }
}

// =====================================================================================
// [SECTION] publishing
// =====================================================================================

Status Broker::basic_publish(ChannelKey key, const Publish& publish) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();
  if (publish.immediate) return fail(key, make_error(ReplyCode::kNotImplemented, "immediate=true"));
  if (publish.body.size() > limits_.max_message_size_bytes) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed,
                                "message size " + std::to_string(publish.body.size()) +
                                    " is larger than configured max size " +
                                    std::to_string(limits_.max_message_size_bytes)));
  }
  if (publish.routing_key.size() > 255) {
    return fail(key, make_error(ReplyCode::kSyntaxError, "routing key longer than 255 bytes"));
  }
  Exchange* exchange = exchange_named(publish.exchange);
  if (!exchange) return fail(key, exchange_not_found(publish.exchange));
  if (exchange->internal()) {
    return fail(key, make_error(ReplyCode::kAccessRefused,
                                "cannot publish to internal " + exchange_resource(publish.exchange)));
  }
  if (publish.properties.expiration && !parse_expiration(*publish.properties.expiration)) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed,
                                "invalid expiration '" + *publish.properties.expiration + "': no_integer"));
  }
  std::vector<std::string_view>& keys = routing_keys_scratch_;
  if (auto err = collect_routing_keys(publish, keys)) return fail(key, *err);

  // Direct reply-to: the bare pseudo-queue name is replaced by this channel's own reply address.
  if (publish.properties.reply_to && *publish.properties.reply_to == kDirectReplyTo) {
    if (channel.reply_to_address.empty()) {
      return fail(key, make_error(ReplyCode::kPreconditionFailed, "fast reply consumer does not exist"));
    }
    Publish rewritten = publish;
    rewritten.properties.reply_to = channel.reply_to_address;
    return publish_or_hold(channel, *exchange, rewritten);
  }
  return publish_or_hold(channel, *exchange, publish);
}

Status Broker::publish_or_hold(Channel& channel, Exchange& exchange, const Publish& publish) {
  if (channel.tx_mode) {
    auto& e = tracer_.begin(trace::EventKind::kTransaction);
    e.connection = channel.connection();
    e.channel = channel.number();
    e.exchange = publish.exchange;
    e.routing_key = publish.routing_key;
    e.text = "publish held until tx.commit";
    tracer_.emit();
    channel.tx_publishes.push_back(publish);
    return ok_status();
  }
  route_publish(channel, exchange, publish);
  return ok_status();
}

void Broker::route_publish(Channel& channel, Exchange& exchange_ref, const Publish& publish) {
  const ChannelKey key{channel.connection(), channel.number()};
  if (&exchange_ref == default_exchange_ && publish.routing_key.size() > kDirectReplyTo.size() &&
      publish.routing_key.starts_with(kDirectReplyTo) && publish.routing_key[kDirectReplyTo.size()] == '.') {
    publish_direct_reply(channel, publish);
    return;
  }
  Exchange* exchange = &exchange_ref;
  std::vector<std::string_view>& keys = routing_keys_scratch_;
  (void)collect_routing_keys(publish, keys);  // validated by basic_publish

  // Route on the keys as published (BCC included); the stored message has no BCC header.
  const Message::Id id = next_message_id_++;
  RoutingInput input{keys, publish.properties.headers ? &*publish.properties.headers : nullptr};
  router_.route(*exchange, input, next_route_visit_++, route_scratch_);
  MessageRef message;
  if (publish.properties.headers && find_field(*publish.properties.headers, "BCC")) {
    BasicProperties stripped = publish.properties;
    erase_field(*stripped.headers, "BCC");
    message = Message::create(id, exchange->name_ref(), publish.routing_key, stripped, publish.body, scheduler_.now_us());
  } else {
    message = Message::create(id, exchange->name_ref(), publish.routing_key, publish.properties, publish.body,
                              scheduler_.now_us());
  }
  ++accounting_.published;

  const std::uint64_t sequence = channel.confirm_mode ? channel.next_publish_sequence++ : 0;
  {
    auto& e = tracer_.begin(trace::EventKind::kPublished);
    e.connection = key.connection;
    e.channel = key.channel;
    e.message_id = id;
    e.exchange = publish.exchange;
    e.routing_key = publish.routing_key;
    e.delivery_tag = sequence;
    if (publish.mandatory) e.flags |= trace::kMandatory;
    e.route.swap(route_scratch_.steps);  // swap back below: both keep their capacity
    e.route_steps_omitted = route_scratch_.steps_omitted;
    for (Queue* q : route_scratch_.queues) e.queues.push_back(q->name());
    tracer_.emit();
    e.route.swap(route_scratch_.steps);
  }

  if (route_scratch_.queues.empty()) {
    return_or_drop_unroutable(channel, publish, message, "unroutable: no binding matched and it was not mandatory");
  }
  // The route result is scratch that dispatch may reuse, so take the queues out first.
  std::vector<Queue*> destinations;
  destinations.swap(route_scratch_.queues);
  bool refused = false;
  for (Queue* q : destinations) refused |= !enqueue_copy(*q, message);
  // RabbitMQ confirms once every queue has the message, and nacks when any queue refused it
  // (reject-publish); a return always comes before the ack.
  confirm_publish(channel, id, sequence, refused);
  // A new message gets one chance to go straight to a consumer before TTL is checked, so
  // x-message-ttl 0 means "deliver now or never".
  for (Queue* q : destinations) run_queue(*q, /*fresh_publish=*/true);
  destinations.clear();
  route_scratch_.queues.swap(destinations);
}

void Broker::return_or_drop_unroutable(Channel& channel, const Publish& publish, const MessageRef& message,
                                       std::string_view why_dropped) {
  ++accounting_.unroutable;
  auto& e = tracer_.begin(publish.mandatory ? trace::EventKind::kReturned : trace::EventKind::kDropped);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.message_id = message->id();
  e.exchange = publish.exchange;
  e.routing_key = publish.routing_key;
  if (publish.mandatory) {
    e.reply_code = static_cast<std::uint16_t>(ReplyCode::kNoRoute);
    e.text = "NO_ROUTE";
  } else {
    e.text = std::string(why_dropped);
  }
  tracer_.emit();
  if (publish.mandatory) push({channel.serial(), Return{channel.number(), ReplyCode::kNoRoute, "NO_ROUTE", message}});
}

void Broker::confirm_publish(Channel& channel, Message::Id id, std::uint64_t sequence, bool nack) {
  if (!channel.confirm_mode) return;
  auto& e = tracer_.begin(trace::EventKind::kConfirmed);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.message_id = id;
  e.delivery_tag = sequence;
  if (nack) {
    e.flags |= trace::kNack;
    e.text = "a queue it was routed to is full (reject-publish)";
  }
  tracer_.emit();
  push({channel.serial(), Confirm{channel.number(), sequence, false, nack}});
}

// =====================================================================================
// [SECTION] consuming, delivering and acknowledging
// =====================================================================================

Status Broker::basic_qos(ChannelKey key, std::uint32_t prefetch_size, std::uint16_t prefetch_count, bool global) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();
  if (prefetch_size != 0) {
    return fail(key, make_error(ReplyCode::kNotImplemented, "prefetch_size!=0 (" + std::to_string(prefetch_size) + ")"));
  }
  if (global) {
    channel.prefetch_global = prefetch_count;
  } else {
    channel.prefetch_per_consumer = prefetch_count;  // applies to consumers created from now on
  }
  auto& e = tracer_.begin(trace::EventKind::kQosChanged);
  e.connection = key.connection;
  e.channel = key.channel;
  e.count = prefetch_count;
  if (global) e.flags |= trace::kGlobal;
  tracer_.emit();
  if (global) {
    std::vector<Queue*> queues;
    for (auto& [tag, consumer] : channel.consumers) queues.push_back(consumer->queue);
    for (Queue* q : queues) run_queue(*q);
  }
  return ok_status();
}

Result<std::string> Broker::basic_consume(ChannelKey key, const Consume& c) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();
  if (c.queue == kDirectReplyTo) return consume_direct_reply_to(channel, c);
  const std::string name = resolve_queue_name(channel, c.queue);
  if (name.empty()) return fail(key, make_error(ReplyCode::kNotFound, "no previously declared queue"));
  Queue* q = queue_named(name);
  if (!q) return fail(key, queue_not_found(name));
  if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
  std::string tag = c.consumer_tag.empty() ? generate_name("amq.ctag-") : c.consumer_tag;
  if (channel.consumers.count(tag)) {
    return fail(key, make_error(ReplyCode::kNotAllowed, "attempt to reuse consumer tag '" + tag + "'"));
  }
  if (q->has_exclusive_consumer() || (c.exclusive && !q->consumers().empty())) {
    return fail(key, make_error(ReplyCode::kAccessRefused, queue_resource(name) + " in exclusive use"));
  }
  std::int32_t priority = 0;
  if (const FieldValue* p = find_field(c.arguments, "x-priority")) {
    auto value = p->as_integer();
    if (!value || *value < INT32_MIN || *value > INT32_MAX) {
      return fail(key, make_error(ReplyCode::kPreconditionFailed,
                                  "invalid arg 'x-priority' for " + queue_resource(name) + ": " + to_display(*p)));
    }
    priority = static_cast<std::int32_t>(*value);
  }
  std::uint64_t stream_offset = 0;
  if (q->type() == QueueType::kStream) {
    // Streams are read with credit: a prefetch is required, and acks only return credit.
    if (channel.prefetch_per_consumer == 0) {
      return fail(key, make_error(ReplyCode::kPreconditionFailed,
                                  "consumer prefetch count is not set for '" + queue_resource(name) + "'"));
    }
    if (c.no_ack) {
      return fail(key, make_error(ReplyCode::kNotImplemented,
                                  "automatic acknowledgement not supported by stream queues " + queue_resource(name)));
    }
    auto offset = stream_start_offset(*q, find_field(c.arguments, "x-stream-offset"));
    if (!offset) return fail(key, offset.error());
    stream_offset = offset.value();
  }
  auto consumer = std::make_unique<Consumer>();
  consumer->id = next_consumer_id_++;
  consumer->stream_offset = stream_offset;
  consumer->tag = tag;
  consumer->channel = &channel;
  consumer->queue = q;
  consumer->no_ack = c.no_ack;
  consumer->exclusive = c.exclusive;
  consumer->priority = priority;
  consumer->prefetch_limit = channel.prefetch_per_consumer;
  consumer->arguments = c.arguments;

  auto& e = tracer_.begin(trace::EventKind::kConsumerAdded);
  e.connection = key.connection;
  e.channel = key.channel;
  e.queue = name;
  e.consumer_tag = tag;
  e.count = consumer->prefetch_limit;
  e.text = flags_summary({{c.no_ack, "no-ack"}, {c.exclusive, "exclusive"}});
  if (priority != 0) e.text += (e.text.empty() ? "" : ", ") + std::string("priority ") + std::to_string(priority);
  if (consumer->prefetch_limit) {
    e.text += (e.text.empty() ? "" : ", ") + std::string("prefetch ") + std::to_string(consumer->prefetch_limit);
  }
  if (c.no_ack) e.flags |= trace::kNoAck;
  if (c.exclusive) e.flags |= trace::kExclusive;
  tracer_.emit();

  Consumer& added = *consumer;
  const Consumer* active_before = q->single_active_consumer();
  q->add_consumer(consumer.get());
  channel.consumers.emplace(tag, std::move(consumer));
  if (q->unused_timer) {
    scheduler_.cancel(*q->unused_timer);
    q->unused_timer.reset();
  }
  if (q->arguments().single_active_consumer && !active_before) announce_active_consumer(*q, added);
  run_queue(*q);
  return tag;
}

Status Broker::basic_cancel(ChannelKey key, const std::string& consumer_tag) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  if (!consumer_tag.empty() && consumer_tag == ch.value()->reply_consumer_tag) {
    stop_direct_reply_to(*ch.value(), "cancelled by client");
    return ok_status();
  }
  auto it = ch.value()->consumers.find(consumer_tag);
  if (it == ch.value()->consumers.end()) return ok_status();  // unknown tags are ignored, as in RabbitMQ
  Queue& queue = *it->second->queue;
  cancel_consumer(*it->second, "cancelled by client", false);
  if (queue.auto_delete() && queue.consumers().empty()) {
    delete_queue(queue, "auto-delete: its last consumer went away");
  } else {
    touch_unused_timer(queue);
    run_queue(queue);  // a single active consumer's successor may take over the backlog
  }
  return ok_status();
}

void Broker::cancel_consumer(Consumer& consumer, std::string_view reason, bool notify_client) {
  Channel& channel = *consumer.channel;
  Queue& queue = *consumer.queue;
  detach_consumer(consumer);
  // Its unacked messages stay on the channel until acked or the channel closes.
  channel.for_each_unacked([&](Unacked& u) {
    if (u.consumer == &consumer) u.consumer = nullptr;
  });
  auto& e = tracer_.begin(trace::EventKind::kConsumerCancelled);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.queue = queue.name();
  e.consumer_tag = consumer.tag;
  e.text = std::string(reason);
  tracer_.emit();
  if (notify_client) push({channel.serial(), consumer.tag});
  const std::string tag = consumer.tag;
  channel.consumers.erase(tag);  // destroys `consumer`
}

bool Broker::can_take(const Consumer& consumer) const {
  if (consumer.no_ack) return true;  // no-ack consumers bypass prefetch entirely
  const Channel& channel = *consumer.channel;
  if (consumer.prefetch_limit && consumer.unacked >= consumer.prefetch_limit) return false;
  if (channel.prefetch_global && channel.unacked_toward_global >= channel.prefetch_global) return false;
  return true;
}

void Broker::dispatch(Queue& queue, bool fresh_publish) {
  for (bool first = true; queue.ready_count() > 0; first = false) {
    // Expired messages at a head go before anything is delivered, except that a message
    // published this instant gets its one chance at a consumer first.
    if (!(first && fresh_publish)) {
      expire_heads(queue);
      if (queue.ready_count() == 0) return;
    }
    Consumer* chosen = nullptr;
    if (queue.arguments().single_active_consumer) {
      Consumer* active = queue.single_active_consumer();
      if (active && can_take(*active)) chosen = active;
    } else {
      for (Consumer* candidate : queue.consumers()) {
        if (can_take(*candidate)) {
          chosen = candidate;
          break;
        }
      }
    }
    if (!chosen) return;
    deliver(*chosen, queue.take_front());
    queue.rotate_after_delivery(chosen);
  }
}

void Broker::run_queue(Queue& queue, bool fresh_publish) {
  if (queue.type() == QueueType::kStream) {
    dispatch_stream(queue);
    return;
  }
  dispatch(queue, fresh_publish);
  expire_heads(queue);
  schedule_expiry(queue);
}

// =====================================================================================
// [SECTION] TTL, x-expires, length limits and dead-lettering
// =====================================================================================

std::optional<std::int64_t> Broker::parse_expiration(const std::string& text) {
  // RabbitMQ wants a non-negative decimal integer of milliseconds, as a string.
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

void Broker::expire_heads(Queue& queue) {
  // Only heads expire: a dead message behind a live one waits, and counts in the depth.
  while (true) {
    auto expired = queue.take_expired_heads(scheduler_.now_us());
    if (expired.empty()) return;
    for (QueuedMessage& entry : expired) {
      ++queue.counters().expired;
      dead_letter(queue, std::move(entry), DeathReason::kExpired, "its TTL ran out at the head of the queue");
    }
  }
}

void Broker::schedule_expiry(Queue& queue) {
  const sim::TimeUs next = queue.next_head_expiry();
  if (queue.expiry_timer && queue.expiry_timer->due_us == next) return;
  if (queue.expiry_timer) {
    scheduler_.cancel(*queue.expiry_timer);
    queue.expiry_timer.reset();
  }
  if (next == kNeverExpires) return;
  queue.expiry_timer = scheduler_.schedule_at(next, [this, name = queue.name()] {
    OperationScope scope(*this);
    Queue* q = queue_named(name);
    if (!q) return;
    q->expiry_timer.reset();
    run_queue(*q);
  });
}

void Broker::touch_unused_timer(Queue& queue) {
  const auto& expires_ms = queue.arguments().expires_ms;
  if (!expires_ms) return;
  if (queue.unused_timer) {
    scheduler_.cancel(*queue.unused_timer);
    queue.unused_timer.reset();
  }
  if (!queue.consumers().empty()) return;  // in use: the clock starts when the last consumer goes
  queue.unused_timer = scheduler_.schedule_after(sim::millis(*expires_ms), [this, name = queue.name()] {
    OperationScope scope(*this);
    Queue* q = queue_named(name);
    if (!q) return;
    q->unused_timer.reset();
    if (!q->consumers().empty()) return;
    // Its messages are dropped, not dead-lettered, as in RabbitMQ.
    delete_queue(*q, "x-expires: unused for " + std::to_string(*q->arguments().expires_ms) + " ms");
  });
}

bool Broker::enqueue_copy(Queue& queue, const MessageRef& message) {
  if (queue.type() == QueueType::kStream) {
    // Appended to the log, where it stays: consumers read it, acks do not remove it.
    ++accounting_.stream_appends;
    ++queue.counters().enqueued;
    queue.append_to_stream(message);
    return true;
  }
  ++accounting_.copies_enqueued;
  const QueueArguments& args = queue.arguments();
  QueuedMessage entry;
  entry.message = message;
  entry.position = queue.take_position();
  if (args.max_priority > 0) {
    const std::uint8_t wanted = message->properties().priority.value_or(0);
    entry.priority = std::min(wanted, args.max_priority);  // above the maximum counts as the maximum
  }
  // Queue TTL and per-message TTL: the lower wins; expiry is fixed now and survives requeues.
  std::optional<std::int64_t> ttl_ms = args.message_ttl_ms;
  if (const auto& expiration = message->properties().expiration) {
    if (auto per_message = parse_expiration(*expiration)) ttl_ms = ttl_ms ? std::min(*ttl_ms, *per_message) : *per_message;
  }
  if (ttl_ms) entry.expires_at_us = scheduler_.now_us() + sim::millis(*ttl_ms);

  // Limits count ready messages only, and bodies only.
  auto over_limit = [&](std::size_t count, std::uint64_t bytes) {
    return (args.max_length && count > static_cast<std::uint64_t>(*args.max_length)) ||
           (args.max_length_bytes && bytes > static_cast<std::uint64_t>(*args.max_length_bytes));
  };
  // Classic queues refuse a message that would go over the limit. Quorum queues (3.10) look
  // only at the queue as it is, so one message past the limit gets in, and treat
  // reject-publish-dlx like drop-head.
  const bool quorum = queue.type() == QueueType::kQuorum;
  const Overflow overflow =
      quorum && args.overflow == Overflow::kRejectPublishDlx ? Overflow::kDropHead : args.overflow;
  const bool refuse = quorum ? over_limit(queue.ready_count(), queue.ready_bytes())
                             : over_limit(queue.ready_count() + 1, queue.ready_bytes() + message->body_size());
  if (overflow != Overflow::kDropHead && refuse) {
    ++queue.counters().rejected_on_publish;
    if (overflow == Overflow::kRejectPublishDlx) {
      dead_letter(queue, std::move(entry), DeathReason::kMaxlen, "refused: the queue is full (reject-publish-dlx)");
    } else {
      drop(entry, queue.name(), "refused: the queue is full (reject-publish)");
    }
    return false;
  }
  queue.enqueue(std::move(entry));
  while (overflow == Overflow::kDropHead && queue.ready_count() > 0 &&
         over_limit(queue.ready_count(), queue.ready_bytes())) {
    dead_letter(queue, queue.take_front(), DeathReason::kMaxlen, "dropped from the head: the queue is over its length limit");
  }
  return true;
}

void Broker::dead_letter(Queue& queue, QueuedMessage entry, DeathReason reason, std::string_view why) {
  const QueueArguments& args = queue.arguments();
  // Dead-lettering can cascade (a full target drops its head to its own DLX, and so on).
  // Cycles end by the x-death rule; this bound is for the stack.
  if (dead_letter_depth_ >= kMaxDeadLetterDepth) {
    drop(entry, queue.name(), std::string(why) + "; dead-letter chain deeper than " +
                                  std::to_string(kMaxDeadLetterDepth) + " hops");
    return;
  }
  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(++d) {}
    ~DepthGuard() { --depth; }
  } guard(dead_letter_depth_);
  if (!args.dead_letter_exchange) {
    drop(entry, queue.name(), std::string(why) + " (no dead-letter exchange)");
    return;
  }
  Exchange* dlx = exchange_named(*args.dead_letter_exchange);
  if (!dlx) {
    drop(entry, queue.name(),
         std::string(why) + "; its dead-letter exchange '" + *args.dead_letter_exchange + "' does not exist");
    return;
  }
  ++accounting_.copies_dead_lettered;
  ++queue.counters().dead_lettered;
  DeadLetter letter = make_dead_letter(*entry.message, reason, queue.name(), scheduler_.now_us(), dlx->name_ref(),
                                       args.dead_letter_routing_key ? &*args.dead_letter_routing_key : nullptr);

  std::vector<std::string_view> keys(letter.routing_keys.begin(), letter.routing_keys.end());
  RouteResult result;
  RoutingInput input{keys, letter.message->headers()};
  router_.route(*dlx, input, next_route_visit_++, result);
  std::vector<Queue*> targets;
  std::vector<std::string> cycles;
  for (Queue* target : result.queues) {
    if (is_automatic_cycle(*letter.message, target->name())) {
      cycles.push_back(target->name());
    } else {
      targets.push_back(target);
    }
  }

  auto& e = tracer_.begin(trace::EventKind::kDeadLettered);
  e.message_id = letter.message->id();
  e.queue = queue.name();
  e.exchange = dlx->name();
  e.routing_key = letter.routing_keys.front();
  e.text = std::string(death_reason_name(reason)) + ": " + std::string(why);
  e.route = std::move(result.steps);
  e.route_steps_omitted = result.steps_omitted;
  for (Queue* t : targets) e.queues.push_back(t->name());
  tracer_.emit();

  // The copy that left this queue has been accounted for; what follows are new copies.
  for (const std::string& name : cycles) {
    ++accounting_.copies_enqueued;
    QueuedMessage looped;
    looped.message = letter.message;
    drop(looped, name, "dead-letter cycle: it already died in this queue with no rejection since");
  }
  if (targets.empty() && cycles.empty()) {
    auto& d = tracer_.begin(trace::EventKind::kDropped);
    d.message_id = letter.message->id();
    d.exchange = dlx->name();
    d.routing_key = letter.routing_keys.front();
    d.text = "dead-lettered, but its dead-letter exchange routed it to no queue";
    tracer_.emit();
  }
  for (Queue* target : targets) enqueue_copy(*target, letter.message);
  for (Queue* target : targets) {
    // Re-entrancy guard: the target may be the queue being expired right now.
    if (target != &queue) run_queue(*target, true);
  }
}

void Broker::detach_consumer(Consumer& consumer) {
  Queue& queue = *consumer.queue;
  const Consumer* active_before = queue.single_active_consumer();
  queue.remove_consumer(&consumer);
  if (!queue.arguments().single_active_consumer || active_before != &consumer) return;
  if (Consumer* next = queue.single_active_consumer()) announce_active_consumer(queue, *next);
}

void Broker::announce_active_consumer(Queue& queue, const Consumer& consumer) {
  auto& e = tracer_.begin(trace::EventKind::kConsumerActivated);
  e.connection = consumer.channel->connection();
  e.channel = consumer.channel->number();
  e.queue = queue.name();
  e.consumer_tag = consumer.tag;
  e.text = "single active consumer";
  tracer_.emit();
}

void Broker::deliver(Consumer& consumer, QueuedMessage entry) {
  Channel& channel = *consumer.channel;
  Queue& queue = *consumer.queue;
  const std::uint64_t tag = channel.take_delivery_tag();
  ++entry.delivery_count;
  ++queue.counters().delivered;

  auto& e = tracer_.begin(trace::EventKind::kDelivered);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.message_id = entry.message->id();
  e.queue = queue.name();
  e.consumer_tag = consumer.tag;
  e.delivery_tag = tag;
  if (entry.redelivered) e.flags |= trace::kRedelivered;
  if (consumer.no_ack) e.flags |= trace::kNoAck;
  tracer_.emit();

  push({channel.serial(), Delivery{channel.number(), consumer.tag, tag, entry.redelivered, entry.message}});
  if (consumer.no_ack) {
    ++accounting_.copies_auto_acked;
    return;
  }
  ++consumer.unacked;
  ++channel.unacked_toward_global;
  queue.note_unacked(+1);
  channel.add_unacked(Unacked{tag, &queue, &consumer, std::move(entry), true, true});
}

Result<std::optional<GetOk>> Broker::basic_get(ChannelKey key, const std::string& queue_name, bool no_ack) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();
  const std::string name = resolve_queue_name(channel, queue_name);
  if (name.empty()) return fail(key, make_error(ReplyCode::kNotFound, "no previously declared queue"));
  Queue* q = queue_named(name);
  if (!q) return fail(key, queue_not_found(name));
  if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
  if (q->type() == QueueType::kStream) {
    return fail(key, make_error(ReplyCode::kNotImplemented,
                                "basic.get not supported by stream queues " + queue_resource(name)));
  }
  touch_unused_timer(*q);
  expire_heads(*q);
  if (q->ready_count() == 0) {
    schedule_expiry(*q);
    return std::optional<GetOk>{};
  }

  QueuedMessage entry = q->take_front();
  ++entry.delivery_count;
  ++q->counters().delivered;
  const std::uint64_t tag = channel.take_delivery_tag();
  auto& e = tracer_.begin(trace::EventKind::kDelivered);
  e.connection = key.connection;
  e.channel = key.channel;
  e.message_id = entry.message->id();
  e.queue = name;
  e.delivery_tag = tag;
  e.flags |= trace::kBasicGet;
  if (entry.redelivered) e.flags |= trace::kRedelivered;
  if (no_ack) e.flags |= trace::kNoAck;
  tracer_.emit();

  if (q->type() == QueueType::kQuorum) {
    // Quorum queues add x-delivery-count to every basic.get, starting at 0 (3.10).
    entry.message = with_delivery_count(entry.message, entry.delivery_count - 1);
  }
  GetOk ok{tag, entry.redelivered, 0, entry.message};
  // Record the delivery before anything else can happen on this channel: expiring what was
  // behind it may dead-letter into a queue this very channel consumes.
  if (no_ack) {
    ++accounting_.copies_auto_acked;
  } else {
    q->note_unacked(+1);
    // basic.get deliveries are not limited by prefetch and do not count toward it.
    channel.add_unacked(Unacked{tag, q, nullptr, std::move(entry), false, true});
  }
  expire_heads(*q);  // what was behind it may be dead already
  schedule_expiry(*q);
  ok.message_count = static_cast<std::uint32_t>(q->ready_count());
  return std::optional<GetOk>{std::move(ok)};
}

Status Broker::basic_ack(ChannelKey key, std::uint64_t delivery_tag, bool multiple) {
  OperationScope scope(*this);
  return settle(key, delivery_tag, multiple, true, false, "acked");
}

Status Broker::basic_nack(ChannelKey key, std::uint64_t delivery_tag, bool multiple, bool requeue) {
  OperationScope scope(*this);
  return settle(key, delivery_tag, multiple, false, requeue, "nacked");
}

Status Broker::basic_reject(ChannelKey key, std::uint64_t delivery_tag, bool requeue) {
  OperationScope scope(*this);
  return settle(key, delivery_tag, false, false, requeue, "rejected");
}

Status Broker::settle(ChannelKey key, std::uint64_t delivery_tag, bool multiple, bool ack, bool requeue,
                      std::string_view how) {
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();
  // As in RabbitMQ, the named tag itself must be outstanding, even with multiple set; only
  // multiple with tag 0 means "everything".
  if (!(multiple && delivery_tag == 0) && !channel.find_unacked(delivery_tag)) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, "unknown delivery tag " + std::to_string(delivery_tag)));
  }
  if (!ack) {
    const Unacked* named = channel.find_unacked(delivery_tag);
    if (named && named->queue && named->queue->type() == QueueType::kStream) {
      return fail(key, make_error(ReplyCode::kNotImplemented, "basic.nack and basic.reject not supported by stream queues " +
                                                                  queue_resource(named->queue->name())));
    }
  }
  if (channel.tx_mode) {
    // Held until tx.commit: gone from the client's view (a second ack is an unknown tag),
    // back on rollback.
    PendingSettle pending{{}, ack, requeue, std::string(how)};
    channel.hold_unacked(delivery_tag, multiple, pending.tags);
    auto& e = tracer_.begin(trace::EventKind::kTransaction);
    e.connection = key.connection;
    e.channel = key.channel;
    e.delivery_tag = delivery_tag;
    e.count = pending.tags.size();
    e.text = std::string(how) + " held until tx.commit";
    tracer_.emit();
    channel.tx_settles.push_back(std::move(pending));
    return ok_status();
  }
  // Scratch vectors are borrowed and given back, so the hot ack path does not allocate.
  std::vector<Unacked> taken;
  taken.swap(settle_scratch_);
  channel.take_unacked(delivery_tag, multiple, taken);
  apply_settlement(channel, taken, ack, requeue, how, multiple);
  taken.clear();
  taken.swap(settle_scratch_);
  return ok_status();
}

void Broker::apply_settlement(Channel& channel, std::vector<Unacked>& taken, bool ack, bool requeue,
                              std::string_view how, bool multiple) {
  std::vector<Queue*> to_dispatch;
  to_dispatch.swap(dispatch_scratch_);
  for (Unacked& u : taken) {
    release(channel, u);
    if (!u.queue) continue;  // its queue is gone; the message was accounted for then
    if (u.consumer && std::find(to_dispatch.begin(), to_dispatch.end(), u.queue) == to_dispatch.end()) {
      to_dispatch.push_back(u.queue);
    }
    if (u.queue->type() == QueueType::kStream) continue;  // a read: the ack only returns credit
    if (ack) {
      ++u.queue->counters().acked;
      ++accounting_.copies_acked;
      auto& e = tracer_.begin(trace::EventKind::kAcked);
      e.connection = channel.connection();
      e.channel = channel.number();
      e.message_id = u.entry.message->id();
      e.queue = u.queue->name();
      e.delivery_tag = u.delivery_tag;
      if (multiple) e.flags |= trace::kMultiple;
      tracer_.emit();
    } else if (requeue) {
      if (std::find(to_dispatch.begin(), to_dispatch.end(), u.queue) == to_dispatch.end()) to_dispatch.push_back(u.queue);
      requeue_entry(channel, u, std::string(how) + " with requeue");
    } else {
      dead_letter(*u.queue, std::move(u.entry), DeathReason::kRejected, std::string(how) + " without requeue");
    }
  }
  // Freed prefetch capacity on a globally limited channel may unblock any of its consumers.
  if (channel.prefetch_global) {
    for (auto& [tag, consumer] : channel.consumers) {
      if (consumer->queue && std::find(to_dispatch.begin(), to_dispatch.end(), consumer->queue) == to_dispatch.end())
        to_dispatch.push_back(consumer->queue);
    }
  }
  for (Queue* q : to_dispatch) run_queue(*q);
  to_dispatch.clear();
  to_dispatch.swap(dispatch_scratch_);
}

// =====================================================================================
// [SECTION] streams: an append-only log that consumers read from an offset
// =====================================================================================

Result<std::uint64_t> Broker::stream_start_offset(const Queue& stream, const FieldValue* requested) const {
  const std::uint64_t end = stream.stream_log().size();
  if (!requested) return end;  // RabbitMQ's default is "next": only what arrives from now on
  auto first_at_or_after = [&](sim::TimeUs t) -> std::uint64_t {
    const auto& log = stream.stream_log();
    for (std::uint64_t i = 0; i < log.size(); ++i)
      if (log[i]->published_us() >= t) return i;
    return end;
  };
  if (auto number = requested->as_integer()) return *number < 0 ? 0 : static_cast<std::uint64_t>(*number);
  if (auto ts = std::get_if<Timestamp>(&requested->value)) {
    return first_at_or_after(static_cast<sim::TimeUs>(ts->seconds) * sim::kMicrosPerSecond);
  }
  if (const std::string* text = requested->as_string()) {
    if (*text == "first") return std::uint64_t{0};
    if (*text == "last") return end == 0 ? 0 : end - 1;  // each publish is its own chunk here
    if (*text == "next") return end;
    // An interval back from now: "30s", "10m", "1h", "2D".
    if (text->size() >= 2) {
      const char unit = text->back();
      const std::string digits = text->substr(0, text->size() - 1);
      const auto amount = parse_expiration(digits);
      const std::int64_t seconds_per = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'D' ? 86400 : 0;
      if (amount && seconds_per) {
        return first_at_or_after(scheduler_.now_us() - *amount * seconds_per * sim::kMicrosPerSecond);
      }
    }
  }
  return make_error(ReplyCode::kPreconditionFailed, "invalid arg 'x-stream-offset' for " + queue_resource(stream.name()) +
                                                        ": {invalid_stream_offset_arg," + to_display(*requested) + "}");
}

void Broker::dispatch_stream(Queue& stream) {
  // Every consumer reads every message, each from its own offset, as its credit allows.
  const auto& log = stream.stream_log();
  for (Consumer* consumer : stream.consumers()) {
    while (consumer->stream_offset < log.size() && can_take(*consumer)) {
      const std::uint64_t offset = consumer->stream_offset++;
      BasicProperties properties = log[offset]->properties();
      if (!properties.headers) properties.headers.emplace();
      set_field(*properties.headers, "x-stream-offset", FieldValue(static_cast<std::int64_t>(offset)));
      QueuedMessage entry;
      entry.message = Message::create(log[offset]->id(), log[offset]->exchange_name_ref(), log[offset]->routing_key(),
                                      properties, log[offset]->body(), log[offset]->published_us());
      entry.position = offset;
      deliver(*consumer, std::move(entry));
    }
  }
}

// =====================================================================================
// [SECTION] direct reply-to: RPC replies straight to the requester's channel, no queue
// =====================================================================================

Result<std::string> Broker::consume_direct_reply_to(Channel& channel, const Consume& c) {
  const ChannelKey key{channel.connection(), channel.number()};
  if (!c.no_ack) return fail(key, make_error(ReplyCode::kPreconditionFailed, "reply consumer cannot acknowledge"));
  if (!channel.reply_to_address.empty()) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, "reply consumer already set"));
  }
  std::string tag = c.consumer_tag.empty() ? generate_name("amq.ctag-") : c.consumer_tag;
  if (channel.consumers.count(tag)) {
    return fail(key, make_error(ReplyCode::kNotAllowed, "attempt to reuse consumer tag '" + tag + "'"));
  }
  channel.reply_consumer_tag = tag;
  channel.reply_to_address = generate_name(std::string(kDirectReplyTo) + ".");
  reply_addresses_[channel.reply_to_address] = channel.serial();
  auto& e = tracer_.begin(trace::EventKind::kConsumerAdded);
  e.connection = key.connection;
  e.channel = key.channel;
  e.queue = std::string(kDirectReplyTo);
  e.consumer_tag = tag;
  e.text = "direct reply-to, no-ack; replies go to " + channel.reply_to_address;
  e.flags |= trace::kNoAck;
  tracer_.emit();
  return tag;
}

void Broker::stop_direct_reply_to(Channel& channel, std::string_view reason) {
  auto& e = tracer_.begin(trace::EventKind::kConsumerCancelled);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.queue = std::string(kDirectReplyTo);
  e.consumer_tag = channel.reply_consumer_tag;
  e.text = std::string(reason);
  tracer_.emit();
  reply_addresses_.erase(channel.reply_to_address);
  channel.reply_to_address.clear();
  channel.reply_consumer_tag.clear();
}

void Broker::publish_direct_reply(Channel& channel, const Publish& publish) {
  const ChannelKey key{channel.connection(), channel.number()};
  const Message::Id id = next_message_id_++;
  MessageRef message = Message::create(id, default_exchange_->name_ref(), publish.routing_key, publish.properties,
                                       publish.body, scheduler_.now_us());
  ++accounting_.published;
  Channel* requester = nullptr;
  if (auto it = reply_addresses_.find(publish.routing_key); it != reply_addresses_.end()) {
    if (auto ch = channels_by_serial_.find(it->second); ch != channels_by_serial_.end()) requester = ch->second;
  }
  const std::uint64_t sequence = channel.confirm_mode ? channel.next_publish_sequence++ : 0;
  {
    auto& e = tracer_.begin(trace::EventKind::kPublished);
    e.connection = key.connection;
    e.channel = key.channel;
    e.message_id = id;
    e.routing_key = publish.routing_key;
    e.delivery_tag = sequence;
    if (publish.mandatory) e.flags |= trace::kMandatory;
    trace::RouteStep step;
    step.destination = publish.routing_key;
    step.binding_key = "direct reply-to";
    step.matched = requester != nullptr;
    e.route.push_back(std::move(step));
    if (requester) e.queues.push_back(publish.routing_key);
    tracer_.emit();
  }
  if (requester) {
    // Straight to the requester's reply consumer: no queue, no ack.
    ++accounting_.copies_enqueued;
    ++accounting_.copies_auto_acked;
    const std::uint64_t tag = requester->take_delivery_tag();
    auto& e = tracer_.begin(trace::EventKind::kDelivered);
    e.connection = requester->connection();
    e.channel = requester->number();
    e.message_id = id;
    e.queue = std::string(kDirectReplyTo);
    e.consumer_tag = requester->reply_consumer_tag;
    e.delivery_tag = tag;
    e.flags |= trace::kNoAck;
    tracer_.emit();
    push({requester->serial(), Delivery{requester->number(), requester->reply_consumer_tag, tag, false, message}});
  } else {
    return_or_drop_unroutable(channel, publish, message,
                              "unroutable: no direct reply-to consumer has this address any more");
  }
  confirm_publish(channel, id, sequence, false);
}

// =====================================================================================
// [SECTION] transactions
// =====================================================================================

void Broker::trace_transaction(ChannelKey key, std::string text) {
  auto& e = tracer_.begin(trace::EventKind::kTransaction);
  e.connection = key.connection;
  e.channel = key.channel;
  e.text = std::move(text);
  tracer_.emit();
}

Status Broker::tx_select(ChannelKey key) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  if (ch.value()->confirm_mode) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, "cannot switch from confirm to tx mode"));
  }
  if (!ch.value()->tx_mode) {
    ch.value()->tx_mode = true;
    trace_transaction(key, "tx.select: publishes and acks are held until tx.commit");
  }
  return ok_status();
}

Status Broker::tx_commit(ChannelKey key) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();
  if (!channel.tx_mode) return fail(key, make_error(ReplyCode::kPreconditionFailed, "channel is not transactional"));
  std::vector<Publish> publishes;
  publishes.swap(channel.tx_publishes);
  std::vector<PendingSettle> settles;
  settles.swap(channel.tx_settles);
  trace_transaction(key, "tx.commit: " + std::to_string(publishes.size()) + " publishes, " +
                             std::to_string(settles.size()) + " acknowledgements");
  // As RabbitMQ does: the publishes first, then the acknowledgements, each in order.
  for (const Publish& p : publishes) {
    if (Exchange* x = exchange_named(p.exchange)) {
      route_publish(channel, *x, p);
    } else {
      auto& e = tracer_.begin(trace::EventKind::kDropped);
      e.connection = key.connection;
      e.channel = key.channel;
      e.exchange = p.exchange;
      e.routing_key = p.routing_key;
      e.text = "its exchange was deleted before tx.commit";
      tracer_.emit();
    }
  }
  for (PendingSettle& pending : settles) {
    std::vector<Unacked> taken;
    channel.take_held(pending.tags, taken);
    apply_settlement(channel, taken, pending.ack, pending.requeue, pending.how, false);
  }
  return ok_status();
}

Status Broker::tx_rollback(ChannelKey key) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();
  if (!channel.tx_mode) return fail(key, make_error(ReplyCode::kPreconditionFailed, "channel is not transactional"));
  trace_transaction(key, "tx.rollback: " + std::to_string(channel.tx_publishes.size()) + " publishes discarded, " +
                             std::to_string(channel.tx_settles.size()) + " acknowledgements undone");
  channel.tx_publishes.clear();
  channel.tx_settles.clear();
  channel.release_held();
  return ok_status();
}

void Broker::release(Channel& channel, Unacked& unacked) {
  if (unacked.counts_toward_prefetch) --channel.unacked_toward_global;
  if (unacked.consumer) --unacked.consumer->unacked;
  if (unacked.queue) unacked.queue->note_unacked(-1);
}

MessageRef Broker::with_delivery_count(const MessageRef& message, std::uint64_t count) {
  BasicProperties properties = message->properties();
  if (!properties.headers) properties.headers.emplace();
  set_field(*properties.headers, "x-delivery-count", FieldValue(static_cast<std::int64_t>(count)));
  return Message::create(message->id(), message->exchange_name_ref(), message->routing_key(), properties,
                         message->body(), message->published_us());
}

void Broker::requeue_entry(const Channel& channel, Unacked& unacked, std::string_view reason) {
  if (!unacked.queue || unacked.queue->type() == QueueType::kStream) return;  // a stream read needs no requeue
  Queue& queue = *unacked.queue;
  QueuedMessage& entry = unacked.entry;
  if (queue.type() == QueueType::kQuorum) {
    // Quorum queues count returns; past x-delivery-limit the message is dead-lettered.
    const auto& limit = queue.arguments().delivery_limit;
    if (limit && entry.delivery_count > static_cast<std::uint64_t>(*limit)) {
      dead_letter(queue, std::move(entry), DeathReason::kDeliveryLimit,
                  "delivered " + std::to_string(entry.delivery_count) + " times, over its x-delivery-limit of " +
                      std::to_string(*limit));
      return;
    }
    // The next delivery carries x-delivery-count: how many times it came back.
    entry.message = with_delivery_count(entry.message, entry.delivery_count);
  }
  auto& e = tracer_.begin(trace::EventKind::kRequeued);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.message_id = unacked.entry.message->id();
  e.queue = unacked.queue->name();
  e.delivery_tag = unacked.delivery_tag;
  e.text = std::string(reason);
  tracer_.emit();
  unacked.queue->requeue(std::move(unacked.entry));
}

Status Broker::basic_recover(ChannelKey key, bool requeue) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  if (!requeue) return fail(key, make_error(ReplyCode::kNotImplemented, "requeue=false"));
  Channel& channel = *ch.value();
  std::vector<Queue*> touched;
  std::vector<Unacked> unacked_list;
  channel.take_unacked(0, true, unacked_list);  // held (transactional) acks stay held
  for (Unacked& u : unacked_list) {
    release(channel, u);
    if (!u.queue) continue;
    if (std::find(touched.begin(), touched.end(), u.queue) == touched.end()) touched.push_back(u.queue);
    requeue_entry(channel, u, "basic.recover");
  }
  for (Queue* q : touched) run_queue(*q);
  return ok_status();
}

Status Broker::confirm_select(ChannelKey key) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  if (ch.value()->tx_mode) return fail(key, make_error(ReplyCode::kPreconditionFailed, "cannot switch from tx to confirm mode"));
  if (ch.value()->confirm_mode) return ok_status();
  ch.value()->confirm_mode = true;
  auto& e = tracer_.begin(trace::EventKind::kConfirmModeEnabled);
  e.connection = key.connection;
  e.channel = key.channel;
  tracer_.emit();
  return ok_status();
}

void Broker::drop(const QueuedMessage& entry, const std::string& queue, std::string_view reason) {
  ++accounting_.copies_dropped;
  if (Queue* q = queue_named(queue)) ++q->counters().dropped;
  auto& e = tracer_.begin(trace::EventKind::kDropped);
  e.message_id = entry.message->id();
  e.queue = queue;
  e.text = std::string(reason);
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
  explainer.route(*exchange, {keys, properties.headers ? &*properties.headers : nullptr}, next_route_visit_++, result);
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
