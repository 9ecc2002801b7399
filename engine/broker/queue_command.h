#pragma once
// What a queue is told to do (commands) and what it asks the broker to do in return (effects).
// A queue is a state machine: Queue::apply(now, command) changes only the queue and hands back
// effects as data. The broker carries them out in order: deliveries go to channels, dead
// letters are routed like publishes, timers are set. RabbitMQ's quorum queues are built the
// same way (rabbit_fifo: apply(meta, command, state) -> {state, effects}), which is what lets
// one queue be replicated by replaying its commands.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "broker/dead_lettering.h"
#include "broker/ready_list.h"
#include "sim/time.h"
#include "trace/event.h"

namespace brokersim::broker {

struct Consumer;
using ConnectionId = std::uint64_t;

// Where a settled delivery was: what the trace says about an ack or a requeue.
struct DeliveryOrigin {
  ConnectionId connection = 0;
  std::uint16_t channel = 0;
  std::uint64_t delivery_tag = 0;
  bool multiple = false;  // settled by an ack with multiple=true (the trace marks only acks)
};

enum class Settlement : std::uint8_t {
  kAck,      // done with: gone from the queue
  kRequeue,  // back to its place in the queue (nack or reject with requeue, a channel closing)
  kReject,   // nack or reject without requeue: dead-lettered as "rejected"
};

// Who settled a delivery: a client's method, or the broker on the client's behalf. A fact for
// the trace, kept as data; settlement_text says it in words.
enum class SettledBy : std::uint8_t {
  kAck,            // basic.ack
  kNack,           // basic.nack
  kReject,         // basic.reject
  kRecover,        // basic.recover: every unacked delivery of the channel back to its queue
  kChannelClosed,  // its channel closed with the delivery unacked
};

// Who settled, as the trace says it: the client's method in the past tense ("acked", "nacked",
// "rejected"), or what happened on the client's behalf ("basic.recover", its channel closing).
inline std::string_view settled_by_verb(SettledBy by) {
  switch (by) {
    case SettledBy::kNack: return "nacked";
    case SettledBy::kReject: return "rejected";
    case SettledBy::kRecover: return "basic.recover";
    case SettledBy::kChannelClosed: return "its channel closed before it was acked";
    case SettledBy::kAck: break;
  }
  return "acked";
}

// Why a delivery came back or died, for the trace: "nacked with requeue", "basic.recover", ...
inline std::string settlement_text(SettledBy by, Settlement how) {
  std::string text(settled_by_verb(by));
  if (by == SettledBy::kNack || by == SettledBy::kReject) {
    text += how == Settlement::kRequeue ? " with requeue" : " without requeue";
  }
  return text;
}

namespace command {

// A routed copy of a message arrives.
struct Enqueue {
  MessageRef message;
};
// Hand one message to a consumer with credit. Expired heads go first, except that a message
// published this instant (`fresh_publish`) gets its one chance at a consumer before its TTL.
struct Dispatch {
  bool fresh_publish = false;
};
// Expire the heads whose TTL has run out; then, if `schedule`, say when the next one will.
struct Tick {
  bool schedule = true;
};
// basic.get: take the head, whoever consumes.
struct Take {
  bool no_ack = false;
};
// A delivery comes back from its channel: acked, requeued or rejected.
struct Settle {
  Settlement how = Settlement::kAck;
  QueuedMessage entry;
  DeliveryOrigin from;
  SettledBy by = SettledBy::kAck;
};
struct AddConsumer {
  Consumer* consumer = nullptr;
};
struct CancelConsumer {
  Consumer* consumer = nullptr;
};
// The consumer has credit again (one of its deliveries was settled).
struct Credit {
  Consumer* consumer = nullptr;
};
struct Purge {};
struct Delete {};
// The broker restarts: what does not survive it goes.
struct Restart {};
// A drop-head queue over its limit drops its head, one message per step, so that what the
// dead letter leads to (it may bring other messages back here) is done before the limit is
// looked at again.
struct TrimHead {
  bool after_requeue = false;  // over the limit because a delivery came back, not a new message
};

}  // namespace command

using Command = std::variant<command::Enqueue, command::Dispatch, command::Tick, command::Take, command::Settle,
                             command::AddConsumer, command::CancelConsumer, command::Credit, command::Purge, command::Delete,
                             command::Restart, command::TrimHead>;

namespace effect {

// Give this message to this consumer, on its channel.
struct Deliver {
  Consumer* consumer = nullptr;
  QueuedMessage entry;
};
// basic.get's message, for the channel that asked.
struct Hand {
  QueuedMessage entry;
};
// The message died here: route it to the queue's dead-letter exchange (or drop it if none).
struct DeadLetter {
  QueuedMessage entry;
  DeathReason reason = DeathReason::kRejected;
  std::string why;
};
// The message is gone, for this reason.
struct Drop {
  QueuedMessage entry;
  trace::Reason reason = trace::Reason::kNone;
  std::string why;
};
// The queue refused a new message (reject-publish): its publisher's confirm is a nack.
struct RefusePublish {};
struct Acked {
  Message::Id message = 0;
  DeliveryOrigin from;
};
struct Requeued {
  Message::Id message = 0;
  DeliveryOrigin from;
  std::string why;
};
// Tick the queue at this time (kNeverExpires: no tick needed).
struct ScheduleTick {
  sim::TimeUs at = kNeverExpires;
};
// With x-single-active-consumer: this consumer now receives.
struct ConsumerActivated {
  const Consumer* consumer = nullptr;
};
// The queue is going and this consumer with it: the client is told (basic.cancel, RabbitMQ's
// consumer cancel notification).
struct ConsumerCancelled {
  Consumer* consumer = nullptr;
};
// Apply this command next, once the effects before it are carried out (a loop, not recursion).
struct Then {
  Command next;
};

}  // namespace effect

using Effect = std::variant<effect::Deliver, effect::Hand, effect::DeadLetter, effect::Drop, effect::RefusePublish,
                            effect::Acked, effect::Requeued, effect::ScheduleTick, effect::ConsumerActivated,
                            effect::ConsumerCancelled, effect::Then>;
using Effects = std::vector<Effect>;

}  // namespace brokersim::broker
