// What holds between any two of the broker's operations. Debug builds and the tests' brokers
// check it after every public operation (see OperationScope); breaking it is a bug, never bad
// input, so it aborts with BROKERSIM_ASSERT in every build.
#include <unordered_map>
#include <unordered_set>

#include "broker/broker.h"
#include "broker/broker_internal.h"
#include "sim/assert.h"

namespace brokersim::broker {

namespace {

// A message copy's identity: a message in a queue.
struct CopyKey {
  Message::Id message;
  const Queue* queue;
  bool operator==(const CopyKey&) const = default;
};
struct CopyKeyHash {
  std::size_t operator()(const CopyKey& k) const {
    return std::hash<Message::Id>()(k.message) * 31 + std::hash<const void*>()(k.queue);
  }
};

}  // namespace

void Broker::check_invariants() const {
  // Every copy ever enqueued is ready, unacked, or gone for a counted reason.
  BROKERSIM_ASSERT(nothing_lost());
  // Each copy is in exactly one place: one queue's ready list, or one channel's unacked.
  std::unordered_set<CopyKey, CopyKeyHash> places;
  std::unordered_map<const Queue*, std::uint64_t> unacked_by_queue;
  std::unordered_map<const Consumer*, std::uint32_t> unacked_by_consumer;
  // (No structured bindings captured by the lambdas below: the web build's clang refuses them.)
  for (const auto& entry : queues_) {
    const Queue* q = entry.second.get();
    if (q->type() == QueueType::kStream) continue;  // a stream keeps its log; reads are not copies
    std::uint64_t bytes = 0;
    q->ready().for_each([&](const QueuedMessage& m) {
      bytes += m.message->body_size();
      BROKERSIM_ASSERT(places.insert({m.message->id(), q}).second);
    });
    BROKERSIM_ASSERT(bytes == q->ready_bytes());
    for (const Consumer* c : q->consumers()) BROKERSIM_ASSERT(c->queue == q);
  }
  for (const auto& [id, connection] : connections_) {
    for (const auto& numbered : connection->channels) {
      const Channel* channel = numbered.second.get();
      std::uint64_t last_tag = 0;
      channel->for_each_unacked([&](const Unacked& u) {
        // Delivery tags ascend on a channel, and none is ahead of the next one to be given.
        BROKERSIM_ASSERT(u.delivery_tag > last_tag && u.delivery_tag < channel->next_delivery_tag());
        last_tag = u.delivery_tag;
        if (u.consumer && u.counts_toward_prefetch) ++unacked_by_consumer[u.consumer];
        if (!u.queue || u.queue->type() == QueueType::kStream) return;
        BROKERSIM_ASSERT(places.insert({u.entry.message->id(), u.queue}).second);
        ++unacked_by_queue[u.queue];
      });
      for (const auto& [tag, consumer] : channel->consumers) {
        BROKERSIM_ASSERT(consumer->channel == channel);
        BROKERSIM_ASSERT(consumer->unacked == unacked_by_consumer[consumer.get()]);
      }
    }
  }
  // The unacked counts the queues keep match what the channels hold.
  for (const auto& [name, q] : queues_)
    if (q->type() != QueueType::kStream) BROKERSIM_ASSERT(q->unacked_count() == unacked_by_queue[q.get()]);
}

}  // namespace brokersim::broker
