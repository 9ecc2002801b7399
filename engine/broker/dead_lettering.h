#pragma once
// Dead-lettering as RabbitMQ does it (rabbit_dead_letter.erl): the rules that rewrite a message
// when it dies in a queue, and the rule that stops dead-letter cycles. The broker decides when
// a message dies and where the new copy goes; these functions say what it looks like.
#include <string>
#include <string_view>
#include <vector>

#include "broker/message.h"
#include "sim/time.h"
#include "trace/event.h"

namespace brokersim::broker {

enum class DeathReason : std::uint8_t { kRejected, kExpired, kMaxlen, kDeliveryLimit };

// RabbitMQ's spelling: "rejected", "expired", "maxlen", "delivery_limit".
std::string_view death_reason_name(DeathReason reason);
trace::Reason as_trace_reason(DeathReason reason);

struct DeadLetter {
  MessageRef message;                      // the rewritten copy, published to the DLX
  std::vector<std::string> routing_keys;   // what it is routed with
};

// Builds the dead-lettered copy of `message`, which died in `queue` for `reason`, exactly as
// RabbitMQ 3.10 does (checked against a real 3.10.8):
//   - x-death gets an entry for (queue, reason) at the front, or that entry's count goes up
//     and it moves to the front (its time, exchange and routing keys stay as they were);
//     fields: count, reason, queue, time, exchange, routing-keys, and original-expiration when
//     the message had one;
//   - x-first-death-{queue,reason,exchange} are set once and never change. (x-last-death-*
//     does not exist in 3.10.)
//   - the per-message expiration is removed;
//   - with a dead-letter routing key it is routed with that key alone (and CC is removed);
//     without one it keeps its original routing key and CC keys.
DeadLetter make_dead_letter(const Message& message, DeathReason reason, std::string_view queue, sim::TimeUs now_us,
                            std::shared_ptr<const std::string> dead_letter_exchange,
                            const std::string* dead_letter_routing_key);

// The x-death header of `message` as typed records, in the header's order.
std::vector<trace::DeathRecord> death_records(const Message& message);

// True when dead-lettering `message` into `target_queue` would close a cycle that no client
// took part in: the message already died in that queue, and no death since then (that one
// included) was a rejection. Such copies are dropped. Rejections are never cycles.
bool is_automatic_cycle(const Message& message, std::string_view target_queue);

}  // namespace brokersim::broker
