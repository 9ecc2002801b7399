#pragma once
// A scenario as plain data: the topology, the simulated clients, the timeline, what should
// happen, and the lesson text. The loader fills it from YAML; the runner plays it.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/field_table.h"
#include "broker/message.h"
#include "sim/time.h"

namespace brokersim::scenario {

// 1-based, as editors show them. 0 means "not from a file".
struct Position {
  int line = 0;
  int column = 0;
};

struct Distribution {
  enum class Kind { kConstant, kUniform, kExponential, kNormal };
  Kind kind = Kind::kConstant;
  sim::TimeUs a_us = 0;  // constant value, uniform min, exponential or normal mean
  sim::TimeUs b_us = 0;  // uniform max, normal standard deviation
};

struct ExchangeSpec {
  std::string name;
  std::string type = "direct";
  bool durable = false;
  bool auto_delete = false;
  bool internal = false;
  broker::FieldTable arguments;
  Position at;
};

struct QueueSpec {
  std::string name;
  bool durable = false;
  bool exclusive = false;
  bool auto_delete = false;
  broker::FieldTable arguments;
  Position at;
};

struct BindingSpec {
  std::string exchange;
  std::string destination;
  bool to_exchange = false;
  std::string key;
  broker::FieldTable arguments;
  Position at;
};

struct MessageTemplate {
  std::uint64_t weight = 1;
  std::string label;  // shown in the log and the GUI, to tell this kind of message apart
  std::string routing_key;
  broker::BasicProperties properties;
  std::string body;  // "${seq}" and "${producer}" are substituted
};

struct ProducerSpec {
  std::string name;
  std::string exchange;
  enum class Arrivals { kConstant, kPoisson } arrivals = Arrivals::kConstant;
  double rate_per_second = 0;         // 0 with a schedule
  std::vector<sim::TimeUs> schedule;  // explicit send times, instead of a rate
  std::optional<std::uint64_t> count;
  sim::TimeUs start_us = 0;
  // When the first publish happens, counted from start; without it, one gap (1/rate) after start.
  std::optional<sim::TimeUs> offset_us;
  sim::TimeUs stop_us = std::numeric_limits<sim::TimeUs>::max();
  bool mandatory = false;
  bool confirms = false;
  // How a confirming publisher waits: not at all (acks are counted as they come, many at once
  // with multiple=true), for each publish's confirm before the next, or for a whole batch's.
  enum class ConfirmWait { kAsync, kEach, kBatch } confirm_wait = ConfirmWait::kAsync;
  std::uint32_t confirm_batch = 0;  // kBatch: publishes per batch
  std::vector<MessageTemplate> messages;
  Position at;
};

enum class Outcome { kAck, kNackRequeue, kNack, kReject };

// A message a service publishes as a consequence of one it handled.
struct FollowUp {
  std::string exchange;
  MessageTemplate message;  // "${body}" and "${correlation_id}" come from the handled message
};

struct ConsumerSpec {
  std::string name;
  std::string queue;  // "" with own_queue: a server-named queue
  // A queue the consumer declares (and binds) itself on its own connection, as applications do.
  std::optional<QueueSpec> own_queue;
  std::vector<BindingSpec> own_bindings;
  std::uint16_t prefetch = 0;
  bool auto_ack = false;
  // How many messages the application works on at once (its threads); prefetch bounds how
  // many it may hold. Real clients handle one at a time unless told otherwise.
  std::uint16_t concurrency = 1;
  Distribution processing;
  // The actor connects at start and closes its connection at stop.
  sim::TimeUs start_us = 0;
  std::optional<sim::TimeUs> stop_us;
  // Polling with basic.get instead of basic.consume: after each message the application asks
  // again; when the queue is empty it sleeps this long first.
  std::optional<sim::TimeUs> poll_us;
  // Streams: where reading starts (x-stream-offset): "first", "last", "next" or an offset.
  std::optional<broker::FieldValue> stream_offset;
  // Weights of each outcome, in millionths; chosen at random per message.
  std::uint64_t ack_ppm = 1'000'000, nack_requeue_ppm = 0, nack_ppm = 0, reject_ppm = 0;
  // "reject when header X is present" and the like; checked before the random outcome.
  struct Rule {
    std::string header;
    std::optional<broker::FieldValue> equals;  // unset: the header's presence is enough
    Outcome outcome = Outcome::kReject;
  };
  std::vector<Rule> rules;
  std::int32_t priority = 0;
  bool exclusive = false;
  // Services (consumers that publish): follow-ups on each ack, a retry cap read from x-death
  // with a parking place, and RPC replies to reply_to with the request's correlation id.
  bool is_service = false;
  std::vector<FollowUp> on_ack;
  std::optional<std::uint32_t> max_retries;
  // Application-level retry: a failed message is republished here ("${attempt}" is 1, 2, ...)
  // with an x-retry-count header and acked, until max_retries; then it is parked.
  std::optional<FollowUp> retry;
  std::optional<FollowUp> park;
  bool reply = false;
  // A consumer that also publishes on its own connection (a chat client, say).
  std::optional<ProducerSpec> publishes;
  Position at;
};

struct RpcClientSpec {
  std::string name;
  std::string exchange;  // usually "" (the default exchange)
  std::string routing_key;
  double rate_per_second = 1;
  std::optional<std::uint64_t> count;
  bool direct_reply_to = false;  // otherwise an exclusive server-named reply queue
  sim::TimeUs timeout_us = sim::seconds(5);
  std::uint32_t retries = 0;                 // sends again after a timeout, with the same correlation id
  std::optional<sim::TimeUs> expiration_us;  // per-request TTL: a request nobody took in time expires
  std::string body = "request ${seq}";
  sim::TimeUs start_us = 0;
  sim::TimeUs stop_us = std::numeric_limits<sim::TimeUs>::max();
  Position at;
};

struct TimelineEvent {
  enum class Kind {
    kStopConsumer,
    kStartConsumer,
    kCrashConsumer,
    kSetRate,
    kPublish,
    kBind,
    kUnbind,
    kPurgeQueue,
    kDeleteQueue,
    kRestartBroker,
    kDeclareQueue,
    kDeclareExchange,
    kConnect,     // an actor opens its connection (and a consumer consumes again)
    kDisconnect   // an actor closes its connection cleanly
  };
  sim::TimeUs at_us = 0;
  Kind kind = Kind::kPublish;
  std::string target;           // consumer, producer or queue name
  double rate_per_second = 0;   // kSetRate
  std::string exchange;         // kPublish
  MessageTemplate message;      // kPublish
  bool mandatory = false;       // kPublish: returned (312) if no queue matches
  BindingSpec binding;          // kBind / kUnbind
  QueueSpec queue;              // kDeclareQueue
  ExchangeSpec exchange_spec;   // kDeclareExchange
  Position at;
};

struct Expectation {
  enum class Subject { kQueue, kConsumer, kExchange, kBroker };
  Subject subject = Subject::kBroker;
  std::string name;    // queue, consumer or exchange name
  std::string metric;  // depth, enqueued, acked, ..., nothing_lost
  std::int64_t value = 0;
  std::optional<sim::TimeUs> at_us;  // the value at this time; otherwise at the end
  Position at;
  std::string hint;  // an exercise's: what to try when this one fails
};

// A channel or connection error the lesson shows on purpose.
struct ExpectedError {
  std::uint16_t code = 0;
  std::optional<sim::TimeUs> at_us;  // exactly when, as the log shows it
  std::string actor;                 // who meets it: an actor's name or "timeline"
  Position at;
};

// A question a lesson step asks. The engine computes the answers of route, fate and count
// questions from the topology and the recorded run; only a choice's answer is authored.
struct Question {
  enum class Kind { kRoute, kFate, kCount, kChoice };
  Kind kind = Kind::kChoice;
  std::string prompt;       // authored; generated from the fields when empty
  std::string explanation;  // shown once answered
  // kRoute: which queues get a message published now to `exchange` with this key and headers.
  std::string exchange;
  std::string routing_key;
  std::optional<broker::FieldTable> headers;
  // kFate: what happens next to message #`message` (as the log numbers it), to its copy in
  // `fate_queue` when one is named (a fanned-out message has one copy per queue).
  std::uint64_t message = 0;
  std::string fate_queue;
  // kCount: how many messages are in `queue` at `count_at_us`.
  std::string queue;
  sim::TimeUs count_at_us = 0;
  // kChoice: the options and the index of the right one.
  std::vector<std::string> options;
  std::size_t answer = 0;
  Position at;
};

struct LessonStep {
  sim::TimeUs at_us = 0;
  // Or shown when an event happens: the first event of this kind (trace::kind_name) that
  // also names the given queue / exchange / consumer, where those are set.
  struct Trigger {
    std::string event;
    std::string queue;
    std::string exchange;
    std::string consumer;
  };
  std::optional<Trigger> when;
  std::string text;
  std::optional<Question> ask;  // playback pauses here for the learner's answer
  Position at;
};

struct Scenario;

// A graded exercise: the scenario is the starting point, which fails the hidden checks (the
// scenario's expectations, each with a hint); the solution passes them.
struct Exercise {
  std::string goal;
  std::vector<std::string> hints;
  std::shared_ptr<const Scenario> solution;  // the scenario with the solution's sections in place
  Position at;
};

// How `brokersim verify` plays this scenario against a real RabbitMQ.
struct VerifySpec {
  std::optional<double> speed;  // how much faster than the scenario's time; default: see verify
  // A quantity that hangs on real scheduling (which of two equal consumers got a message, a
  // TTL a few milliseconds from a delivery): compared within `within`, and why, for the table.
  struct Timing {
    // As the verify table names it ("actor worker-1 received"); * and ? match as in a shell.
    std::string quantity;
    std::int64_t within = 0;
    std::string why;
    Position at;
  };
  std::vector<Timing> timing;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  sim::TimeUs duration_us = sim::seconds(60);
  std::vector<ExchangeSpec> exchanges;
  std::vector<QueueSpec> queues;
  std::vector<BindingSpec> bindings;
  std::vector<ProducerSpec> producers;
  std::vector<ConsumerSpec> consumers;  // consumers and services
  std::vector<RpcClientSpec> rpc_clients;
  Distribution latency;  // client <-> broker, each way
  std::vector<TimelineEvent> timeline;
  std::vector<Expectation> expectations;
  std::vector<ExpectedError> expected_errors;
  std::vector<LessonStep> lesson;
  std::optional<Exercise> exercise;
  VerifySpec verify;
};

}  // namespace brokersim::scenario
