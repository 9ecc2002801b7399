// Broker: consumers, dispatch, basic.get, acknowledgements and requeues.
#include "broker/broker_internal.h"
#include "broker/stream_queue.h"

#include <algorithm>
#include <cassert>

namespace brokersim::broker {

using namespace internal;

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
    for (Queue* q : queues) run(*q, command::Dispatch{});
  }
  return ok_status();
}

namespace {

// x-priority: any integer (RabbitMQ takes any; beyond 32 bits only the order matters), else 406.
Result<std::int32_t> parse_consumer_priority(const FieldTable& arguments, const std::string& queue) {
  const FieldValue* p = find_field(arguments, "x-priority");
  if (!p) return std::int32_t{0};
  const auto value = p->as_integer();
  if (!value) {
    return make_error(ReplyCode::kPreconditionFailed, "invalid arg 'x-priority' for " + queue_resource(queue) +
                                                          ": \"expected integer, got " + std::string(p->type_name()) +
                                                          "\"");
  }
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(*value, INT32_MIN, INT32_MAX));
}

}  // namespace

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
  const Result<std::int32_t> consumer_priority = parse_consumer_priority(c.arguments, name);
  if (!consumer_priority) return fail(key, consumer_priority.error());
  const std::int32_t priority = consumer_priority.value();
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
    const auto& stream = static_cast<const StreamQueue&>(*q);
    auto offset = stream.start_offset(scheduler_.now_us(), find_field(c.arguments, "x-stream-offset"));
    if (!offset) return fail(key, offset.error());
    stream_offset = offset.value();
  }
  auto consumer = std::make_unique<Consumer>();
  consumer->id = next_consumer_id_++;
  consumer->stream_offset = stream_offset;
  consumer->shared_tag = std::make_shared<const std::string>(tag);
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
  channel.consumers.emplace(tag, std::move(consumer));
  run(*q, command::AddConsumer{&added});
  if (q->unused_timer) {
    scheduler_.cancel(*q->unused_timer);
    q->unused_timer.reset();
  }
  run(*q, command::Dispatch{});
  return tag;
}

Status Broker::basic_cancel(ChannelKey key, const std::string& consumer_tag) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  if (const auto& reply_tag = ch.value()->reply_consumer_tag; reply_tag && consumer_tag == *reply_tag) {
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
    run(queue, command::Dispatch{});  // a single active consumer's successor may take over the backlog
  }
  return ok_status();
}

void Broker::cancel_consumer(Consumer& consumer, std::string_view reason, bool notify_client) {
  detach_consumer(consumer);
  forget_consumer(consumer, reason, notify_client);
}

void Broker::forget_consumer(Consumer& consumer, std::string_view reason, bool notify_client) {
  Channel& channel = *consumer.channel;
  const Queue& queue = *consumer.queue;
  // Its unacked messages stay on the channel until acked or the channel closes.
  channel.for_each_unacked([&](Unacked& u) {
    if (u.consumer == &consumer) u.consumer = nullptr;
  });
  auto& e = tracer_.begin(trace::EventKind::kConsumerCancelled);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.queue = queue.name();
  e.consumer_tag = consumer.tag();
  e.text = std::string(reason);
  tracer_.emit();
  if (notify_client) push({channel.serial(), consumer.tag()});
  const std::string tag = consumer.tag();
  channel.consumers.erase(tag);  // destroys `consumer`
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
  run(*q, command::Tick{.schedule = false});
  Effects taken;
  q->apply(scheduler_.now_us(), command::Take{no_ack}, taken);
  if (taken.empty()) {
    run(*q, command::Tick{});
    return std::optional<GetOk>{};
  }
  QueuedMessage entry = std::move(std::get<effect::Hand>(taken.front()).entry);
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

  GetOk ok{tag, entry.redelivered, 0, entry.message};
  // Record the delivery before anything else can happen on this channel: expiring what was
  // behind it may dead-letter into a queue this very channel consumes.
  if (no_ack) {
    ++accounting_.copies_auto_acked;
  } else {
    // basic.get deliveries are not limited by prefetch and do not count toward it.
    channel.add_unacked(Unacked{tag, q, nullptr, std::move(entry), false, true});
  }
  run(*q, command::Tick{});  // what was behind it may be dead already
  ok.message_count = static_cast<std::uint32_t>(q->ready_count());
  return std::optional<GetOk>{std::move(ok)};
}

Status Broker::basic_ack(ChannelKey key, std::uint64_t delivery_tag, bool multiple) {
  OperationScope scope(*this);
  return settle(key, delivery_tag, multiple, SettledBy::kAck, false);
}

Status Broker::basic_nack(ChannelKey key, std::uint64_t delivery_tag, bool multiple, bool requeue) {
  OperationScope scope(*this);
  return settle(key, delivery_tag, multiple, SettledBy::kNack, requeue);
}

Status Broker::basic_reject(ChannelKey key, std::uint64_t delivery_tag, bool requeue) {
  OperationScope scope(*this);
  return settle(key, delivery_tag, false, SettledBy::kReject, requeue);
}

Status Broker::settle(ChannelKey key, std::uint64_t delivery_tag, bool multiple, SettledBy by, bool requeue) {
  const bool ack = by == SettledBy::kAck;
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
    PendingSettle pending{{}, by, requeue};
    channel.hold_unacked(delivery_tag, multiple, pending.tags);
    auto& e = tracer_.begin(trace::EventKind::kTransaction);
    e.connection = key.connection;
    e.channel = key.channel;
    e.delivery_tag = delivery_tag;
    e.count = pending.tags.size();
    e.text = std::string(settled_by_verb(by)) + " held until tx.commit";
    tracer_.emit();
    channel.tx_settles.push_back(std::move(pending));
    return ok_status();
  }
  // Scratch vectors are borrowed and given back, so the hot ack path does not allocate.
  std::vector<Unacked> taken;
  taken.swap(settle_scratch_);
  channel.take_unacked(delivery_tag, multiple, taken);
  apply_settlement(channel, taken, by, requeue, multiple);
  taken.clear();
  taken.swap(settle_scratch_);
  return ok_status();
}

void Broker::apply_settlement(Channel& channel, std::vector<Unacked>& taken, SettledBy by, bool requeue,
                              bool multiple) {
  const bool ack = by == SettledBy::kAck;
  std::vector<Queue*> to_dispatch;
  to_dispatch.swap(dispatch_scratch_);
  auto dispatch_later = [&](Queue* q) {
    if (std::find(to_dispatch.begin(), to_dispatch.end(), q) == to_dispatch.end()) to_dispatch.push_back(q);
  };
  const Settlement settlement = ack ? Settlement::kAck : requeue ? Settlement::kRequeue : Settlement::kReject;
  for (Unacked& u : taken) {
    release(channel, u);
    if (!u.queue) continue;  // its queue is gone; the message was accounted for then
    // A stream read needs no requeue, so only its consumer's credit calls for a dispatch.
    if (u.consumer || (!ack && requeue && u.queue->type() != QueueType::kStream)) dispatch_later(u.queue);
    const DeliveryOrigin from{channel.connection(), channel.number(), u.delivery_tag, ack && multiple};
    run(*u.queue, command::Settle{settlement, std::move(u.entry), from, by});
  }
  // Freed prefetch capacity on a globally limited channel may unblock any of its consumers.
  if (channel.prefetch_global) {
    for (auto& [tag, consumer] : channel.consumers) {
      run(*consumer->queue, command::Credit{consumer.get()});
      dispatch_later(consumer->queue);
    }
  }
  for (Queue* q : to_dispatch) run(*q, command::Dispatch{});
  to_dispatch.clear();
  to_dispatch.swap(dispatch_scratch_);
}

void Broker::release(Channel& channel, Unacked& unacked) {
  if (unacked.counts_toward_prefetch) --channel.unacked_toward_global;
  if (unacked.consumer) {
    --unacked.consumer->unacked;
    if (unacked.consumer->passed_over) [[unlikely]] {  // rare: keep acks cheap
      run(*unacked.consumer->queue, command::Credit{unacked.consumer});
    }
  }
}

void Broker::requeue_entry(const Channel& channel, Unacked& unacked, SettledBy by) {
  if (!unacked.queue) return;
  const DeliveryOrigin from{channel.connection(), channel.number(), unacked.delivery_tag, false};
  run(*unacked.queue, command::Settle{Settlement::kRequeue, std::move(unacked.entry), from, by});
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
    requeue_entry(channel, u, SettledBy::kRecover);
  }
  for (Queue* q : touched) run(*q, command::Dispatch{});
  return ok_status();
}

}  // namespace brokersim::broker

