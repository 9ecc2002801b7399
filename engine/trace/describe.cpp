#include "trace/describe.h"

#include <cstdio>

namespace brokersim::trace {
namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string exchange_label(std::string_view name) {
  return name.empty() ? std::string("the default exchange") : "exchange " + quoted(name);
}

std::string where(const Event& e) {
  return "conn " + std::to_string(e.connection) + " ch " + std::to_string(e.channel);
}

std::string binding_label(const RouteStep& s) {
  if (s.alternate) return "alternate exchange " + quoted(s.destination);
  std::string label = s.arguments.empty() ? "binding " + quoted(s.binding_key) : "binding " + s.arguments;
  label += s.to_exchange ? " -> exchange " : " -> queue ";
  label += quoted(s.destination);
  return label;
}

std::string describe_publish(const Event& e) {
  std::string out;
  if (e.kind == EventKind::kDeadLettered) {
    out = "dead-lettered message #" + std::to_string(e.message_id) + " from queue " + quoted(e.queue) + " (" + e.text +
          ") to " + exchange_label(e.exchange) + " with key " + quoted(e.routing_key);
  } else {
    out = "published message #" + std::to_string(e.message_id) + (e.text.empty() ? "" : " (" + e.text + ")") + " to " +
          exchange_label(e.exchange) + " with key " + quoted(e.routing_key);
  }
  if (e.has(kMandatory)) out += " (mandatory)";
  std::string matched, missed;
  for (const RouteStep& s : e.route_steps()) {
    std::string& list = s.matched ? matched : missed;
    if (!list.empty()) list += ", ";
    if (s.source != e.exchange) list += "at " + quoted(s.source) + " ";
    list += binding_label(s);
  }
  // The copies' destinations come last and are set apart, so a binding that did not match
  // never reads as if the message went there.
  if (!matched.empty()) out += ": matched " + matched;
  if (!missed.empty()) out += (matched.empty() ? ": " : "; ") + std::string("did not match ") + missed;
  if (e.route_steps_omitted()) {
    out += "; " + std::to_string(e.route_steps_omitted()) + " other bindings did not match";
  }
  if (e.queues.empty()) {
    out += "; routed to no queue";
  } else {
    out += "; copies to ";
    for (std::size_t i = 0; i < e.queues.size(); ++i) out += (i ? ", " : "") + quoted(e.queues[i]);
  }
  return out;
}

}  // namespace

std::string format_time(sim::TimeUs t) {
  char buf[48];
  const char* sign = t < 0 ? "-" : "";
  if (t < 0) t = -t;
  std::snprintf(buf, sizeof buf, "%s%lld.%06llds", sign, static_cast<long long>(t / 1000000),
                static_cast<long long>(t % 1000000));
  return buf;
}

std::string describe(const Event& e) {
  const std::string code = e.reply_code ? std::to_string(e.reply_code) + " " : "";
  switch (e.kind) {
    case EventKind::kConnectionOpened:
      return "connection " + std::to_string(e.connection) + " opened" + (e.text.empty() ? "" : " (" + e.text + ")");
    case EventKind::kConnectionClosed:
      return "connection " + std::to_string(e.connection) + " closed" + (e.text.empty() ? "" : ": " + code + e.text);
    case EventKind::kChannelOpened: return "channel opened on " + where(e);
    case EventKind::kChannelClosed:
      return "channel closed on " + where(e) + (e.text.empty() ? "" : ": " + code + e.text);
    case EventKind::kExchangeDeclared: return "declared " + exchange_label(e.exchange) + " (" + e.text + ")";
    case EventKind::kExchangeDeleted: return "deleted " + exchange_label(e.exchange) + ": " + e.text;
    case EventKind::kQueueDeclared: return "declared queue " + quoted(e.queue) + (e.text.empty() ? "" : " (" + e.text + ")");
    case EventKind::kQueueDeleted:
      return "deleted queue " + quoted(e.queue) + ": " + e.text + " (" + std::to_string(e.count) + " ready messages dropped)";
    case EventKind::kQueuePurged: return "purged " + std::to_string(e.count) + " messages from queue " + quoted(e.queue);
    case EventKind::kBindingCreated:
    case EventKind::kBindingDeleted: {
      const bool bound = e.kind == EventKind::kBindingCreated;
      std::string out = bound ? "bound " : "unbound ";
      out += (e.has(kToExchange) ? "exchange " : "queue ") + quoted(e.destination) + (bound ? " to " : " from ") +
             exchange_label(e.exchange);
      out += e.text.empty() ? " with key " + quoted(e.routing_key) : " with arguments " + e.text;
      return out;
    }
    case EventKind::kConsumerAdded:
      return "consumer " + quoted(e.consumer_tag) + " on " + where(e) + " consumes from queue " + quoted(e.queue) +
             (e.text.empty() ? "" : " (" + e.text + ")");
    case EventKind::kConsumerCancelled:
      return "consumer " + quoted(e.consumer_tag) + " on queue " + quoted(e.queue) + " cancelled: " + e.text;
    case EventKind::kQosChanged:
      return "prefetch set to " + std::to_string(e.count) + (e.has(kGlobal) ? " for the whole channel" : " per consumer") +
             " on " + where(e);
    case EventKind::kConfirmModeEnabled: return "publisher confirms enabled on " + where(e);
    case EventKind::kPublished:
    case EventKind::kDeadLettered: return describe_publish(e);
    case EventKind::kTransaction: return "transaction on " + where(e) + ": " + e.text;
    case EventKind::kBrokerRestarted: return "broker restarted: " + e.text;
    case EventKind::kLostInConsumer:
      return "message #" + std::to_string(e.message_id) + " lost: auto-ack consumer " + quoted(e.consumer_tag) +
             " still had it in hand when it " + e.text;
    case EventKind::kConsumerActivated:
      return "consumer " + quoted(e.consumer_tag) + " is now the single active consumer of queue " + quoted(e.queue);
    case EventKind::kReturned:
      return "returned message #" + std::to_string(e.message_id) + " to its publisher: " + code + e.text;
    case EventKind::kConfirmed: {
      // A multiple ack settles every publish still unconfirmed up to its tag: `count` of them
      // (publishes that reached no queue were acked at once, so the run may have gaps).
      const std::string verb = e.has(kNack) ? "nacked" : "confirmed";
      const std::string what = e.count > 1 ? std::to_string(e.count) + " publishes up to #" +
                                                 std::to_string(e.delivery_tag) + " at once"
                                           : "publish #" + std::to_string(e.delivery_tag);
      return verb + " " + what + " on " + where(e) + (e.text.empty() ? "" : ": " + e.text);
    }
    case EventKind::kDelivered: {
      std::string out = "delivered message #" + std::to_string(e.message_id) + " from queue " + quoted(e.queue);
      out += e.has(kBasicGet) ? " by basic.get" : " to consumer " + quoted(e.consumer_tag);
      out += " as delivery tag " + std::to_string(e.delivery_tag);
      if (e.has(kRedelivered)) out += ", redelivered";
      if (e.has(kNoAck)) out += " (no ack needed)";
      return out;
    }
    case EventKind::kAcked:
      return "acked message #" + std::to_string(e.message_id) + " (delivery tag " + std::to_string(e.delivery_tag) +
             ") from queue " + quoted(e.queue);
    case EventKind::kRequeued:
      return "requeued message #" + std::to_string(e.message_id) + " to queue " + quoted(e.queue) + ": " + e.text;
    case EventKind::kDropped:
      return "dropped message #" + std::to_string(e.message_id) +
             (e.queue.empty() ? std::string() : " from queue " + quoted(e.queue)) + ": " + e.text;
  }
  return std::string(kind_name(e.kind));
}

}  // namespace brokersim::trace
