#include "trace/event.h"

namespace brokersim::trace {

std::string_view kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kConnectionOpened: return "connection_opened";
    case EventKind::kConnectionClosed: return "connection_closed";
    case EventKind::kChannelOpened: return "channel_opened";
    case EventKind::kChannelClosed: return "channel_closed";
    case EventKind::kExchangeDeclared: return "exchange_declared";
    case EventKind::kExchangeDeleted: return "exchange_deleted";
    case EventKind::kQueueDeclared: return "queue_declared";
    case EventKind::kQueueDeleted: return "queue_deleted";
    case EventKind::kQueuePurged: return "queue_purged";
    case EventKind::kBindingCreated: return "binding_created";
    case EventKind::kBindingDeleted: return "binding_deleted";
    case EventKind::kConsumerAdded: return "consumer_added";
    case EventKind::kConsumerCancelled: return "consumer_cancelled";
    case EventKind::kQosChanged: return "qos_changed";
    case EventKind::kConfirmModeEnabled: return "confirm_mode_enabled";
    case EventKind::kPublished: return "published";
    case EventKind::kReturned: return "returned";
    case EventKind::kConfirmed: return "confirmed";
    case EventKind::kDelivered: return "delivered";
    case EventKind::kAcked: return "acked";
    case EventKind::kRequeued: return "requeued";
    case EventKind::kDropped: return "dropped";
    case EventKind::kDeadLettered: return "dead_lettered";
    case EventKind::kConsumerActivated: return "consumer_activated";
    case EventKind::kTransaction: return "transaction";
    case EventKind::kBrokerRestarted: return "broker_restarted";
    case EventKind::kLostInConsumer: return "lost_in_consumer";
  }
  return "unknown";
}

std::optional<EventKind> parse_kind(std::string_view name) {
  for (int k = 0; k <= static_cast<int>(EventKind::kLostInConsumer); ++k) {
    if (kind_name(static_cast<EventKind>(k)) == name) return static_cast<EventKind>(k);
  }
  return std::nullopt;
}

EventCategory category_of(EventKind kind) {
  switch (kind) {
    case EventKind::kConnectionOpened:
    case EventKind::kConnectionClosed:
    case EventKind::kChannelOpened:
    case EventKind::kChannelClosed:
    case EventKind::kQosChanged:
    case EventKind::kConfirmModeEnabled:
      return EventCategory::kConnection;
    case EventKind::kExchangeDeclared:
    case EventKind::kExchangeDeleted:
    case EventKind::kQueueDeclared:
    case EventKind::kQueueDeleted:
    case EventKind::kQueuePurged:
    case EventKind::kBindingCreated:
    case EventKind::kBindingDeleted:
    case EventKind::kConsumerAdded:
    case EventKind::kConsumerCancelled:
    case EventKind::kConsumerActivated:
      return EventCategory::kTopology;
    case EventKind::kPublished:
    case EventKind::kReturned:
    case EventKind::kConfirmed:
    case EventKind::kDelivered:
    case EventKind::kAcked:
    case EventKind::kRequeued:
    case EventKind::kDropped:
    case EventKind::kDeadLettered:
    case EventKind::kLostInConsumer:
      return EventCategory::kMessage;
    case EventKind::kTransaction:
    case EventKind::kBrokerRestarted:
      return EventCategory::kBroker;
  }
  return EventCategory::kBroker;
}

std::string_view reason_name(Reason reason) {
  switch (reason) {
    case Reason::kNone: return "";
    case Reason::kRejected: return "rejected";
    case Reason::kExpired: return "expired";
    case Reason::kMaxlen: return "maxlen";
    case Reason::kDeliveryLimit: return "delivery_limit";
    case Reason::kRefused: return "refused";
    case Reason::kUnroutable: return "unroutable";
    case Reason::kPurged: return "purged";
    case Reason::kQueueDeleted: return "queue_deleted";
    case Reason::kBrokerRestart: return "broker_restart";
    case Reason::kDeadLetterCycle: return "dead_letter_cycle";
  }
  return "";
}

void Event::clear() {
  // Strings and vectors are cleared, not freed: the tracer reuses one Event so the hot path
  // does not allocate.
  seq = 0;
  time_us = 0;
  flags = 0;
  connection = 0;
  channel = 0;
  message_id = 0;
  exchange.clear();
  routing_key.clear();
  queue.clear();
  destination.clear();
  consumer_tag.clear();
  delivery_tag = 0;
  count = 0;
  reply_code = 0;
  reason = Reason::kNone;
  exchange_type = ExchangeType::kDirect;
  role = ConnectionRole::kClient;
  text.clear();
  route.reset();
  queues.clear();
  x_death.clear();
}

}  // namespace brokersim::trace
