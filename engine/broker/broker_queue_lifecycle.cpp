// Broker: TTL and expiry, x-expires, length limits, dead-lettering and single active consumers.
#include "broker/broker_internal.h"
#include "trace/describe.h"

#include <algorithm>
#include <cassert>

namespace brokersim::broker {

using namespace internal;

// =====================================================================================
// [SECTION] TTL, x-expires, length limits and dead-lettering
// =====================================================================================

std::optional<std::int64_t> Broker::parse_expiration(const std::string& text) {
  // As rabbit_basic:parse_expiration: a decimal integer of milliseconds (string:to_integer, so
  // "+5", "007" and "-0" pass), nothing after it, from 0 to 10 years.
  constexpr std::int64_t kMaxExpiryMs = 315'360'000'000;
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (i == text.size()) return std::nullopt;
  std::int64_t value = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > kMaxExpiryMs) return std::nullopt;
  }
  if (negative && value != 0) return std::nullopt;
  return value;
}

void Broker::expire_heads(Queue& queue) {
  // Only heads expire: a dead message behind a live one waits, and counts in the depth.
  while (true) {
    auto expired = queue.take_expired_heads(scheduler_.now_us());
    if (expired.empty()) return;
    for (QueuedMessage& entry : expired) {
      ++queue.counters().expired;
      // A message whose TTL ran out behind others (or while a consumer held it) leaves only
      // now, at the head: say both times, or the log reads as if it expired just now.
      const std::string why = entry.expires_at_us < scheduler_.now_us()
                                  ? "its TTL ran out at " + trace::format_time(entry.expires_at_us) +
                                        " while other messages were ahead of it; it left when it reached the head"
                                  : "its TTL ran out at the head of the queue";
      dead_letter(queue, std::move(entry), DeathReason::kExpired, why);
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
      drop(entry, queue.name(), trace::Reason::kRefused, "refused: the queue is full (reject-publish)");
    }
    return false;
  }
  queue.enqueue(std::move(entry));
  while (overflow == Overflow::kDropHead && queue.ready_count() > 0 &&
         over_limit(queue.ready_count(), queue.ready_bytes())) {
    dead_letter(queue, queue.take_front(), DeathReason::kMaxlen, "dropped from the head: the queue is over its length limit");
  }
  queue.note_depth();
  return true;
}

namespace {

// A quorum queue's x-delivery-count is delivery metadata: RabbitMQ does not dead-letter it.
MessageRef without_delivery_count(const MessageRef& message) {
  const auto& headers = message->properties().headers;
  if (!headers || !find_field(*headers, "x-delivery-count")) return message;
  BasicProperties properties = message->properties();
  erase_field(*properties.headers, "x-delivery-count");
  return message->with_properties(std::move(properties), message->returns());
}

}  // namespace

void Broker::dead_letter(Queue& queue, QueuedMessage entry, DeathReason reason, std::string_view why) {
  const QueueArguments& args = queue.arguments();
  // Dead-lettering can cascade (a full target drops its head to its own DLX, and so on).
  // Cycles end by the x-death rule; this bound is for the stack.
  if (dead_letter_depth_ >= kMaxDeadLetterDepth) {
    drop(entry, queue.name(), as_trace_reason(reason), std::string(why) + "; dead-letter chain deeper than " +
                                  std::to_string(kMaxDeadLetterDepth) + " hops");
    return;
  }
  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(++d) {}
    ~DepthGuard() { --depth; }
  } guard(dead_letter_depth_);
  if (!args.dead_letter_exchange) {
    drop(entry, queue.name(), as_trace_reason(reason), std::string(why) + " (no dead-letter exchange)");
    return;
  }
  Exchange* dlx = exchange_named(*args.dead_letter_exchange);
  if (!dlx) {
    drop(entry, queue.name(), as_trace_reason(reason),
         std::string(why) + "; its dead-letter exchange '" + *args.dead_letter_exchange + "' does not exist");
    return;
  }
  if (queue.type() == QueueType::kQuorum) entry.message = without_delivery_count(entry.message);
  ++accounting_.copies_dead_lettered;
  ++queue.counters().dead_lettered;
  ++queue.counters().dead_lettered_by_reason[static_cast<int>(reason)];
  DeadLetter letter = make_dead_letter(*entry.message, reason, queue.name(), scheduler_.now_us() + timestamp_epoch_us_,
                                       dlx->name_ref(),
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
  e.reason = as_trace_reason(reason);
  e.text.append(death_reason_name(reason)).append(": ").append(why);
  e.route = std::move(result.explanation);
  for (Queue* t : targets) e.queues.push_back(t->name());
  e.x_death = death_records(*letter.message);
  tracer_.emit();

  // The copy that left this queue has been accounted for; what follows are new copies.
  for (const std::string& name : cycles) {
    ++accounting_.copies_enqueued;
    QueuedMessage looped;
    looped.message = letter.message;
    drop(looped, name, trace::Reason::kDeadLetterCycle, "dead-letter cycle: it already died in this queue with no rejection since");
  }
  if (targets.empty() && cycles.empty()) {
    auto& d = tracer_.begin(trace::EventKind::kDropped);
    d.message_id = letter.message->id();
    d.exchange = dlx->name();
    d.routing_key = letter.routing_keys.front();
    d.reason = trace::Reason::kUnroutable;
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
  e.consumer_tag = consumer.tag();
  e.text = "single active consumer";
  tracer_.emit();
}

}  // namespace brokersim::broker

