// Broker: the loop that applies commands to queues and carries out the effects they return.
// Work waits on one stack, so what an effect leads to (a dead letter's copies in other queues,
// their deliveries, what overflows there) is done before the next effect, in the order the
// queue gave them, and nothing recurses: a dead-letter chain of any length is a loop.
#include "broker/broker_internal.h"

#include <algorithm>

#include "sim/overloaded.h"

namespace brokersim::broker {

using namespace internal;

using sim::Overloaded;

void Broker::count_enqueue(const Queue& queue) {
  if (queue.type() == QueueType::kStream) {
    ++accounting_.stream_appends;  // kept in the log; reads are not copies
  } else {
    ++accounting_.copies_enqueued;
  }
}

void Broker::apply_command(Queue& queue, Command& command, Effects& effects) {
  if (std::holds_alternative<command::Enqueue>(command)) count_enqueue(queue);
  queue.apply(scheduler_.now_us(), command, effects);
}

void Broker::carry_out(Queue& queue, Effects& effects) {
  // Carrying out effects never calls back into here: it only pushes more work.
  BROKERSIM_ASSERT(!carrying_out_);
  struct Busy {
    bool& flag;
    explicit Busy(bool& f) : flag(f) { flag = true; }
    ~Busy() { flag = false; }
  } busy(carrying_out_);
  carry_out_in_place(queue, effects);
  while (!work_.empty()) {
    Work work = std::move(work_.back());
    work_.pop_back();
    if (auto* command = std::get_if<Command>(&work.what)) {
      step_effects_.clear();
      apply_command(*work.queue, *command, step_effects_);
      carry_out_in_place(*work.queue, step_effects_);
    } else {
      carry_out_effect(*work.queue, std::get<Effect>(work.what));
    }
  }
}

// Carries out one queue's effects in order where they lie, and what a Then asks for after them:
// the hot path (a delivery, the next step) never touches the stack. Only an effect that pushes
// work of its own (a dead letter) sends the effects after it onto the stack, beneath that work.
void Broker::carry_out_in_place(Queue& queue, Effects& effects) {
  for (std::size_t i = 0; i < effects.size(); ++i) {
    if (auto* then = std::get_if<effect::Then>(&effects[i])) {
      BROKERSIM_ASSERT(i + 1 == effects.size());  // a Then is always the last effect
      Command next = std::move(then->next);
      spare_effects_.clear();
      apply_command(queue, next, spare_effects_);
      effects.swap(spare_effects_);
      i = static_cast<std::size_t>(-1);  // the new effects, from the first
      continue;
    }
    const std::size_t depth = work_.size();
    carry_out_effect(queue, effects[i]);
    if (work_.size() == depth) continue;
    // The first of the rest goes nearest the top, so it is done first once that work is done.
    std::vector<Work> rest;
    for (std::size_t j = effects.size(); j-- > i + 1;) {
      if (auto* later = std::get_if<effect::Then>(&effects[j])) {
        rest.push_back({&queue, std::move(later->next)});
      } else {
        rest.push_back({&queue, std::move(effects[j])});
      }
    }
    work_.insert(work_.begin() + static_cast<std::ptrdiff_t>(depth), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
    return;
  }
}

void Broker::carry_out_effect(Queue& queue, Effect& effect) {
  std::visit(Overloaded{
                 [&](effect::Deliver& d) { deliver(*d.consumer, queue, std::move(d.entry)); },
                 [&](effect::Hand&) { BROKERSIM_ASSERT(!"basic.get takes its message itself"); },
                 [&](effect::DeadLetter& d) { dead_letter(queue, std::move(d.entry), d.reason, d.why); },
                 [&](effect::Drop& d) { drop(d.entry, queue.name(), d.reason, d.why); },
                 [&](effect::RefusePublish&) {},  // the publisher's confirm was settled from the effects
                 [&](effect::Acked& a) {
                   ++accounting_.copies_acked;
                   trace_settlement(trace::EventKind::kAcked, queue, a.message, a.from, {});
                 },
                 [&](effect::Requeued& r) { trace_settlement(trace::EventKind::kRequeued, queue, r.message, r.from, r.why); },
                 [&](effect::ScheduleTick& s) { schedule_tick(queue, s.at); },
                 [&](effect::ConsumerActivated& a) { announce_active_consumer(queue, *a.consumer); },
                 [&](effect::ConsumerCancelled& c) { forget_consumer(*c.consumer, "its queue was deleted", true); },
                 [&](effect::Then&) { BROKERSIM_ASSERT(!"pushed as a command"); },
             },
             effect);
}

void Broker::deliver(Consumer& consumer, Queue& queue, QueuedMessage&& entry) {
  Channel& channel = *consumer.channel;
  const std::uint64_t tag = channel.take_delivery_tag();
  auto& e = tracer_.begin(trace::EventKind::kDelivered);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.message_id = entry.message->id();
  e.queue = queue.name();
  e.consumer_tag = consumer.tag();
  e.delivery_tag = tag;
  if (entry.redelivered) e.flags |= trace::kRedelivered;
  if (consumer.no_ack) e.flags |= trace::kNoAck;
  tracer_.emit();

  push({channel.serial(), Delivery{channel.number(), consumer.shared_tag, tag, entry.redelivered, entry.message}});
  if (consumer.no_ack) {
    ++accounting_.copies_auto_acked;
    return;
  }
  // The queue spent the consumer's credit when it chose it.
  channel.add_unacked(Unacked{tag, &queue, &consumer, std::move(entry), true, true});
}

// An ack or a requeue, said of the delivery it settled.
void Broker::trace_settlement(trace::EventKind kind, const Queue& queue, Message::Id message,
                              const DeliveryOrigin& from, std::string_view why) {
  auto& e = tracer_.begin(kind);
  e.connection = from.connection;
  e.channel = from.channel;
  e.message_id = message;
  e.queue = queue.name();
  e.delivery_tag = from.delivery_tag;
  if (from.multiple) e.flags |= trace::kMultiple;
  if (!why.empty()) e.text = why;  // an ack has none: skip the assignment, it is the hot path
  tracer_.emit();
}

void Broker::schedule_tick(Queue& queue, sim::TimeUs at) {
  if (queue.expiry_timer && queue.expiry_timer->due_us == at) return;
  if (queue.expiry_timer) {
    scheduler_.cancel(*queue.expiry_timer);
    queue.expiry_timer.reset();
  }
  if (at == kNeverExpires) return;
  queue.expiry_timer = scheduler_.schedule_at(at, [this, name = queue.name()] {
    OperationScope scope(*this);
    Queue* q = queue_named(name);
    if (!q) return;
    q->expiry_timer.reset();
    run(*q, command::Dispatch{});
  });
}

// The message died in `queue`: the rewritten copy is routed from the queue's dead-letter
// exchange like a publish, and its copies are enqueued (and offered to consumers) as work.
void Broker::dead_letter(Queue& queue, QueuedMessage entry, DeathReason reason, std::string_view why) {
  const QueueArguments& args = queue.arguments();
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
  ++accounting_.copies_dead_lettered;
  ++queue.counters().dead_lettered;
  ++queue.counters().dead_lettered_by_reason[static_cast<int>(reason)];
  DeadLetter letter = make_dead_letter(*entry.message, reason, queue.name(), scheduler_.now_us() + timestamp_epoch_us_,
                                       dlx->name_ref(),
                                       args.dead_letter_routing_key ? &*args.dead_letter_routing_key : nullptr);
  std::vector<std::string_view> keys(letter.routing_keys.begin(), letter.routing_keys.end());
  RouteResult result;
  RoutingInput input{keys, letter.message->headers()};
  router_.route(*dlx, input, result);
  std::vector<Queue*> targets;
  std::vector<std::string> cycles;
  for (Queue* target : result.queues) {
    if (is_automatic_cycle(*letter.message, target->name())) {
      cycles.push_back(target->name());
    } else {
      targets.push_back(target);
    }
  }
  trace_dead_letter(queue, letter, *dlx, reason, why, std::move(result.explanation), targets);
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
  // Every copy is enqueued before any is offered to a consumer; the stack takes them in
  // reverse. The queue it died in is not offered again: the step that expired it goes on.
  for (auto it = targets.rbegin(); it != targets.rend(); ++it) {
    if (*it != &queue) work_.push_back({*it, Command{command::Dispatch{.fresh_publish = true}}});
  }
  for (auto it = targets.rbegin(); it != targets.rend(); ++it) {
    work_.push_back({*it, Command{command::Enqueue{letter.message}}});
  }
}

void Broker::trace_dead_letter(const Queue& queue, const DeadLetter& letter, const Exchange& dlx, DeathReason reason,
                               std::string_view why, trace::SharedRouteExplanation route,
                               const std::vector<Queue*>& targets) {
  auto& e = tracer_.begin(trace::EventKind::kDeadLettered);
  e.message_id = letter.message->id();
  e.queue = queue.name();
  e.exchange = dlx.name();
  e.routing_key = letter.routing_keys.front();
  e.reason = as_trace_reason(reason);
  e.text.append(death_reason_name(reason)).append(": ").append(why);
  e.route = std::move(route);
  for (Queue* t : targets) e.queues.push_back(t->name());
  e.x_death = death_records(*letter.message);
  tracer_.emit();
}

}  // namespace brokersim::broker
