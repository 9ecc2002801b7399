// Broker: declaring and deleting exchanges and queues, and binding them, with RabbitMQ's
// equivalence checks and deletion cascades (auto-delete, exclusive owners, bindings).
#include "broker/broker_internal.h"

#include <algorithm>
#include <cassert>

#include "broker/reserved_names.h"

namespace brokersim::broker {

using namespace internal;

namespace {

// What declare-ok reports of an existing queue. RabbitMQ 3.10 counts no consumers on a stream
// (its readers are not queue consumers there); a stream's message count is its log.
QueueDeclareOk declare_ok_of(const Queue& q) {
  const std::size_t consumers = q.type() == QueueType::kStream ? 0 : q.consumers().size();
  return QueueDeclareOk{q.name(), static_cast<std::uint32_t>(q.message_count()), static_cast<std::uint32_t>(consumers)};
}

}  // namespace

// =====================================================================================
// [SECTION] exchanges
// =====================================================================================

void Broker::create_exchange(const std::string& name, ExchangeType type, ExchangeSettings settings) {
  auto& e = tracer_.begin(trace::EventKind::kExchangeDeclared);
  e.exchange = name;
  e.exchange_type = type;
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
                                                                    "' for arg 'alternate-exchange' in " +
                                                                    exchange_resource(d.name)));
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
  if (is_reserved_name(d.name)) {
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
  if (is_reserved_name(name)) {
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
    // A passive declare never means "the last declared queue": '' is looked up as it is.
    const std::string& name = d.name;
    Queue* q = queue_named(name);
    if (!q) return fail(key, queue_not_found(name));
    if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
    channel.last_declared_queue = name;
    touch_unused_timer(*q);  // RabbitMQ counts even a passive declare as use
    return declare_ok_of(*q);
  }

  std::string name = d.name;
  if (name.empty()) {
    name = generate_name("amq.gen-");
  } else if (is_reserved_name(name)) {
    return fail(key, make_error(ReplyCode::kAccessRefused,
                                "queue name '" + name + "' contains reserved prefix 'amq.*'"));
  }
  const ConnectionId owner = d.exclusive ? key.connection : 0;
  // An existing queue is only compared for equivalence, as in RabbitMQ's rabbit_channel: its
  // arguments are not validated again (x-message-ttl="1000" is "inequivalent", not "invalid").
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
    return declare_ok_of(*existing);
  }

  auto arguments = parse_queue_arguments(d.arguments, name, {d.durable, d.exclusive, d.auto_delete});
  if (!arguments) return fail(key, arguments.error());
  if (d.name.empty() && arguments.value().type != QueueType::kClassic) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed,
                                std::string("Cannot declare a server-named queue for type ") +
                                    (arguments.value().type == QueueType::kQuorum ? "rabbit_quorum_queue"
                                                                                  : "rabbit_stream_queue")));
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
  auto created = make_queue(name, QueueSettings{d.durable, d.auto_delete, owner, d.arguments},
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
  if (name.empty()) return fail(key, make_error(ReplyCode::kNotFound, "no previously declared queue"));
  Queue* q = queue_named(name);
  if (!q) return fail(key, queue_not_found(name));
  if (auto err = check_exclusive_access(*q, key.connection)) return fail(key, *err);
  if (q->type() == QueueType::kStream) {
    return fail(key, make_error(ReplyCode::kNotImplemented,
                                "queue.purge not supported by stream queues " + queue_resource(name)));
  }
  Effects purged;
  q->apply(scheduler_.now_us(), command::Purge{}, purged);
  auto& e = tracer_.begin(trace::EventKind::kQueuePurged);
  e.connection = key.connection;
  e.channel = key.channel;
  e.queue = name;
  e.count = purged.size();
  tracer_.emit();
  const auto count = static_cast<std::uint32_t>(purged.size());
  carry_out(*q, purged);
  return count;
}

Result<std::uint32_t> Broker::queue_delete(ChannelKey key, const std::string& queue, bool if_unused, bool if_empty) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  const std::string name = resolve_queue_name(*ch.value(), queue);
  if (name.empty()) return fail(key, make_error(ReplyCode::kNotFound, "no previously declared queue"));
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
  Effects effects;
  queue.apply(scheduler_.now_us(), command::Delete{}, effects);
  // Its consumers learn of it first, through basic.cancel (consumer cancel notify); the
  // queue's effects list them before the messages it drops.
  const auto first_drop = std::find_if(effects.begin(), effects.end(), [](const Effect& effect) {
    return !std::holds_alternative<effect::ConsumerCancelled>(effect);
  });
  Effects cancelled(std::make_move_iterator(effects.begin()), std::make_move_iterator(first_drop));
  effects.erase(effects.begin(), first_drop);
  carry_out(queue, cancelled);
  // Messages delivered but not acked can no longer be settled against the queue.
  for (auto& [id, conn] : connections_) {
    for (auto& [number, channel] : conn->channels) {
      channel->for_each_unacked([&](Unacked& u) {
        if (u.queue != &queue) return;
        if (queue.type() != QueueType::kStream) drop(u.entry, name, trace::Reason::kQueueDeleted, "its queue was deleted while it was unacked");
        u.queue = nullptr;
      });
    }
  }
  auto& e = tracer_.begin(trace::EventKind::kQueueDeleted);
  e.queue = name;
  e.count = effects.size();
  e.text = std::string(reason);
  tracer_.emit();
  carry_out(queue, effects);

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

}  // namespace brokersim::broker

