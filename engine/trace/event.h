#pragma once
// The event record: every state change in the broker emits exactly one Event, and each event
// carries what is needed to explain it in plain words (see describe.h). The GUI, the CLI, the
// JSONL writer, the fingerprint and the tests all read this stream and nothing else.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace brokersim::trace {

enum class EventKind : std::uint8_t {
  kConnectionOpened,
  kConnectionClosed,
  kChannelOpened,
  kChannelClosed,
  kExchangeDeclared,
  kExchangeDeleted,
  kQueueDeclared,
  kQueueDeleted,
  kQueuePurged,
  kBindingCreated,
  kBindingDeleted,
  kConsumerAdded,
  kConsumerCancelled,
  kQosChanged,
  kConfirmModeEnabled,
  kPublished,   // routed (or not) through the exchange graph
  kReturned,    // basic.return to the publisher
  kConfirmed,   // basic.ack / basic.nack to a confirming publisher
  kDelivered,   // to a consumer, or by basic.get
  kAcked,
  kRequeued,
  kDropped,     // a message copy that leaves the broker without being acked, with a reason
  kDeadLettered,       // a copy died in a queue and was republished to its dead-letter exchange
  kConsumerActivated,  // a single-active-consumer queue handed over to this consumer
  kTransaction,        // tx.select / commit / rollback, and work held until commit
  kBrokerRestarted,    // a restart: what was durable and persistent survived
  kLostInConsumer,     // an auto-acked message still in the application when it died
};

std::string_view kind_name(EventKind kind);

// What an event is about, for readers that group or filter events (the GUI's log, its
// animation) without listing kinds or relying on their order.
enum class EventCategory : std::uint8_t {
  kConnection,  // connections, channels, qos, confirm mode
  kTopology,    // exchanges, queues, bindings, consumers
  kMessage,     // a message's journey: published, returned, confirmed, delivered, settled, died
  kBroker,      // restarts, transactions
};
EventCategory category_of(EventKind kind);

// Why a copy was dead-lettered or dropped, as data: the first four are RabbitMQ's x-death
// reasons. Readers that need the why (the quiz's fate answers) use this, never Event::text.
enum class Reason : std::uint8_t {
  kNone,
  kRejected,
  kExpired,
  kMaxlen,
  kDeliveryLimit,
  kRefused,          // reject-publish: the queue was full
  kUnroutable,       // an exchange routed it nowhere
  kPurged,
  kQueueDeleted,
  kBrokerRestart,    // transient, lost in a restart
  kDeadLetterCycle,
};
std::string_view reason_name(Reason reason);
// The kind whose kind_name is `name`, if any.
std::optional<EventKind> parse_kind(std::string_view name);

// The four exchange types (exchange_declared). The broker's exchanges use this enum too.
enum class ExchangeType : std::uint8_t { kDirect, kFanout, kTopic, kHeaders };

// Who opened a connection (connection_opened): a client of the broker (a real AMQP client,
// or one a test or the demo drives), one of the scenario's actors, or the scenario's own
// connection that declares its topology and plays its timeline. Readers that draw actors
// (the GUI) go by this, never by the connection's name.
enum class ConnectionRole : std::uint8_t { kClient, kActor, kScenario };

// Bits of Event::flags; their meaning depends on the kind, their names are what JSONL shows.
enum EventFlag : std::uint32_t {
  kRedelivered = 1u << 0,
  kMandatory = 1u << 1,
  kRequeue = 1u << 2,
  kMultiple = 1u << 3,
  kNack = 1u << 4,
  kNoAck = 1u << 5,
  kGlobal = 1u << 6,
  kToExchange = 1u << 7,  // a binding whose destination is an exchange
  kExclusive = 1u << 8,
  kDurable = 1u << 9,
  kAutoDelete = 1u << 10,
  kInternal = 1u << 11,
  kBasicGet = 1u << 12,
};
inline constexpr std::string_view kFlagNames[] = {"redelivered", "mandatory", "requeue",  "multiple", "nack",
                                                  "no_ack",      "global",    "to_exchange", "exclusive",
                                                  "durable",     "auto_delete", "internal", "basic_get"};

// One binding (or alternate-exchange hop) considered while routing a publish.
struct RouteStep {
  std::string source;         // exchange name
  std::string destination;    // queue or exchange name
  bool to_exchange = false;   // destination is an exchange
  bool alternate = false;     // the source's alternate exchange, used because nothing matched
  bool matched = false;
  std::string binding_key;    // the binding's routing key
  std::string arguments;      // the binding's arguments (headers exchanges), displayed
};

// How one publish was routed. Immutable once built and shared: publishes that take the same
// path through the same bindings share one explanation (the router builds each path's once),
// so a sink that keeps events keeps each explanation once.
struct RouteExplanation {
  std::vector<RouteStep> steps;     // every binding tried, in order
  std::uint64_t steps_omitted = 0;  // non-matching bindings not listed (large exchanges)
};
using SharedRouteExplanation = std::shared_ptr<const RouteExplanation>;

// One x-death entry as a dead-lettered copy carries it in its headers: the queue it died in,
// why, how often, the exchange it had been published to and with which keys, and when (the
// header's timestamp, in seconds).
struct DeathRecord {
  std::string queue;
  Reason reason = Reason::kNone;
  std::uint64_t count = 0;
  std::string exchange;
  std::vector<std::string> routing_keys;
  std::uint64_t time_s = 0;
  bool operator==(const DeathRecord&) const = default;
};

struct Event {
  std::uint64_t seq = 0;
  sim::TimeUs time_us = 0;
  EventKind kind = EventKind::kPublished;
  std::uint32_t flags = 0;

  std::uint64_t connection = 0;
  std::uint16_t channel = 0;
  std::uint64_t message_id = 0;
  std::string exchange;
  std::string routing_key;
  std::string queue;
  std::string destination;  // bindings: the queue or exchange bound to
  std::string consumer_tag;
  std::uint64_t delivery_tag = 0;  // delivery tag, or publish sequence number for confirms
  std::uint64_t count = 0;         // messages affected, prefetch count, publishes a multiple confirm settles...
  std::uint16_t reply_code = 0;
  Reason reason = Reason::kNone;  // dead-lettered and dropped
  ExchangeType exchange_type = ExchangeType::kDirect;  // exchange_declared
  ConnectionRole role = ConnectionRole::kClient;       // connection_opened
  std::string text;  // reason, reply text, or a summary of declared properties

  // Publishes only: how the message was routed (null for other events), and where copies went.
  SharedRouteExplanation route;
  std::vector<std::string> queues;
  // Dead-lettered only: the new copy's x-death header, entry by entry, newest first, exactly
  // as the message carries it. Data for readers (the GUI's inspector); not in the JSON.
  std::vector<DeathRecord> x_death;

  bool has(EventFlag flag) const { return (flags & flag) != 0; }
  std::span<const RouteStep> route_steps() const {
    return route ? std::span<const RouteStep>(route->steps) : std::span<const RouteStep>();
  }
  std::uint64_t route_steps_omitted() const { return route ? route->steps_omitted : 0; }
  void clear();
};

}  // namespace brokersim::trace
