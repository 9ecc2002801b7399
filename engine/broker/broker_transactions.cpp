// Broker: tx.select, tx.commit and tx.rollback.
#include "broker/broker_internal.h"

#include <algorithm>
#include <cassert>

namespace brokersim::broker {

using namespace internal;

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
      e.reason = trace::Reason::kUnroutable;
      e.text = "its exchange was deleted before tx.commit";
      tracer_.emit();
    }
  }
  for (PendingSettle& pending : settles) {
    std::vector<Unacked> taken;
    channel.take_held(pending.tags, taken);
    apply_settlement(channel, taken, pending.by, pending.requeue, false);
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

}  // namespace brokersim::broker

