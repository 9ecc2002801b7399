#pragma once
// The broker: RabbitMQ's AMQP 0-9-1 model and semantics, driven by method calls and running
// on injected time. Every method mirrors an AMQP method. A soft error (403/404/405/406) closes
// the channel, a hard one (5xx) the connection, exactly as RabbitMQ would; the method returns
// the error so the caller can send channel.close / connection.close. Every state change emits
// one trace event. Deliveries and other pushes reach clients through ConnectionListener.
//
// The implementation is one file per concept: broker.cpp (outbox, connections, channels,
// accounting), broker_declarations.cpp, broker_publishing.cpp, broker_delivery.cpp,
// broker_queue_lifecycle.cpp (x-expires, single active consumers), broker_queue_loop.cpp (the
// loop that applies commands to queues and carries out their effects: deliveries, dead
// letters, timers), broker_direct_reply_to.cpp and broker_transactions.cpp. Queue rules
// (TTL, limits, overflow, delivery limits, offsets) are the queues' own: queue.h.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "broker/channel.h"
#include "broker/dead_lettering.h"
#include "broker/exchange.h"
#include "broker/listener.h"
#include "broker/message.h"
#include "broker/publish.h"
#include "broker/queue.h"
#include "broker/result.h"
#include "broker/router.h"
#include "broker/string_hash.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/tracer.h"

namespace brokersim::broker {

struct ChannelKey {
  ConnectionId connection = 0;
  std::uint16_t channel = 0;
};

struct ExchangeDeclare {
  std::string name;
  std::string type = "direct";
  bool passive = false;
  bool durable = false;
  bool auto_delete = false;
  bool internal = false;
  FieldTable arguments;
};

struct QueueDeclare {
  std::string name;  // empty: the server picks "amq.gen-..."
  bool passive = false;
  bool durable = false;
  bool exclusive = false;
  bool auto_delete = false;
  FieldTable arguments;
};

struct QueueDeclareOk {
  std::string name;
  std::uint32_t message_count = 0;
  std::uint32_t consumer_count = 0;
};


struct Consume {
  std::string queue;
  std::string consumer_tag;  // empty: the server picks "amq.ctag-..."
  bool no_local = false;
  bool no_ack = false;
  bool exclusive = false;
  FieldTable arguments;
};

struct GetOk {
  std::uint64_t delivery_tag = 0;
  bool redelivered = false;
  std::uint32_t message_count = 0;  // ready messages left in the queue
  MessageRef message;
};

struct BrokerLimits {
  std::uint16_t channel_max = 2047;
  std::uint64_t max_message_size_bytes = 128ull * 1024 * 1024;  // RabbitMQ 3.10's default
};

// Where every message copy is: the "nothing lost" invariant reads these.
struct MessageAccounting {
  std::uint64_t published = 0;
  std::uint64_t unroutable = 0;         // routed to no queue (returned or dropped)
  std::uint64_t copies_enqueued = 0;
  std::uint64_t copies_acked = 0;
  std::uint64_t copies_auto_acked = 0;  // delivered to no-ack consumers or basic.get no-ack
  std::uint64_t copies_dropped = 0;
  std::uint64_t copies_dead_lettered = 0;  // left a queue for its dead-letter exchange
  std::uint64_t stream_appends = 0;        // appended to a stream's log, where they stay
};

class Broker {
 public:
  static constexpr std::string_view kVhost = "/";

  Broker(sim::Scheduler& scheduler, sim::Rng& rng, trace::Tracer& tracer, BrokerLimits limits = {});
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // --- connections and channels
  ConnectionId open_connection(std::string name, ConnectionListener* listener,
                               trace::ConnectionRole role = trace::ConnectionRole::kClient);
  // Closes every channel (requeueing their unacked messages) and deletes exclusive queues.
  void close_connection(ConnectionId id, ReplyCode code = ReplyCode::kSuccess, std::string_view text = {});
  Status channel_open(ChannelKey key);
  Status channel_close(ChannelKey key);

  // --- exchanges
  Status exchange_declare(ChannelKey key, const ExchangeDeclare& declare);
  Status exchange_delete(ChannelKey key, const std::string& name, bool if_unused);
  Status exchange_bind(ChannelKey key, const std::string& destination, const std::string& source,
                       const std::string& routing_key, const FieldTable& arguments = {});
  Status exchange_unbind(ChannelKey key, const std::string& destination, const std::string& source,
                         const std::string& routing_key, const FieldTable& arguments = {});

  // --- queues
  Result<QueueDeclareOk> queue_declare(ChannelKey key, const QueueDeclare& declare);
  Status queue_bind(ChannelKey key, const std::string& queue, const std::string& exchange,
                    const std::string& routing_key, const FieldTable& arguments = {});
  Status queue_unbind(ChannelKey key, const std::string& queue, const std::string& exchange,
                      const std::string& routing_key, const FieldTable& arguments = {});
  Result<std::uint32_t> queue_purge(ChannelKey key, const std::string& queue);
  Result<std::uint32_t> queue_delete(ChannelKey key, const std::string& queue, bool if_unused, bool if_empty);

  // --- basic
  Status basic_qos(ChannelKey key, std::uint32_t prefetch_size, std::uint16_t prefetch_count, bool global);
  Result<std::string> basic_consume(ChannelKey key, const Consume& consume);
  Status basic_cancel(ChannelKey key, const std::string& consumer_tag);
  // The broker copies what it keeps, so a publisher may reuse one Publish for many messages.
  Status basic_publish(ChannelKey key, const Publish& publish);
  // 406 (and the channel closed) when a body of this size is over the limit. The wire layer
  // asks as soon as a content header announces the size, before buffering the body.
  Status check_message_size(ChannelKey key, std::uint64_t body_size);
  // A protocol error the wire layer found (a user_id that is not the authenticated user's):
  // closes the channel, or the connection for a hard error, as the broker's own errors do.
  Status refuse(ChannelKey key, Error error);
  Result<std::optional<GetOk>> basic_get(ChannelKey key, const std::string& queue, bool no_ack);
  Status basic_ack(ChannelKey key, std::uint64_t delivery_tag, bool multiple);
  Status basic_nack(ChannelKey key, std::uint64_t delivery_tag, bool multiple, bool requeue);
  Status basic_reject(ChannelKey key, std::uint64_t delivery_tag, bool requeue);
  Status basic_recover(ChannelKey key, bool requeue);
  Status confirm_select(ChannelKey key);
  Status tx_select(ChannelKey key);
  Status tx_commit(ChannelKey key);
  Status tx_rollback(ChannelKey key);

  // The pseudo-queue of direct reply-to: consume it (no-ack) and publish with this reply_to.
  static constexpr std::string_view kDirectReplyTo = "amq.rabbitmq.reply-to";

  // A broker restart: every connection is closed (unacked messages go back to their queues),
  // transient exchanges and queues are lost, and so are transient messages in durable queues.
  // Durable things and persistent messages survive. The trace says what was lost.
  void restart();

  // What a publish would do, without publishing: every binding tried (however many), every
  // exchange-to-exchange hop and alternate exchange, and the queues reached. 404 if the
  // exchange does not exist. Changes nothing and emits no event.
  Result<RouteResult> explain_route(const std::string& exchange, const std::string& routing_key,
                                    const BasicProperties& properties);

  // A turn: publisher confirms settled during it leave together when it ends, coalesced as
  // RabbitMQ coalesces them (one basic.ack with multiple=true for a run of tags). The AMQP port
  // makes each batch of frames read from a socket one turn, as RabbitMQ's channel sends its
  // confirms once its mailbox is empty. Outside a turn a confirm leaves as soon as it is made.
  class Turn {
   public:
    explicit Turn(Broker& broker) : broker_(broker) { ++broker_.turn_depth_; }
    ~Turn() { broker_.end_turn(); }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    Broker& broker_;
  };

  // Sends the turn's confirms now, before a client's channel.close or connection.close is
  // answered: as in RabbitMQ, what was published before the close is confirmed before it.
  void send_confirms_now();

  // --- read-only views (GUI, CLI, tests)
  const Exchange* find_exchange(std::string_view name) const;
  const Queue* find_queue(std::string_view name) const;
  const std::map<std::string, std::unique_ptr<Exchange>, std::less<>>& exchanges() const { return exchanges_; }
  const std::map<std::string, std::unique_ptr<Queue>, std::less<>>& queues() const { return queues_; }
  const Channel* find_channel(ChannelKey key) const;
  bool connection_open(ConnectionId id) const { return connections_.count(id) > 0; }
  const MessageAccounting& accounting() const { return accounting_; }
  // Ready + unacked + acked + auto-acked + dropped must equal every copy ever enqueued.
  bool nothing_lost() const;
  // Aborts if the broker's state is inconsistent: a copy lost, made twice or in two places,
  // delivery tags out of order, unacked counts that disagree (broker_invariants.cpp).
  void check_invariants() const;
  // Checks the invariants after every public operation: on in debug builds, and turned on by
  // the tests' brokers. It costs a walk over every message, so release builds leave it off.
  void check_invariants_after_every_operation(bool on) { check_invariants_always_ = on; }
  sim::TimeUs now_us() const { return scheduler_.now_us(); }
  // Timestamps the broker writes into messages (x-death's "time") are scheduler time plus
  // this. Simulations leave it 0, so traces stay deterministic; the real AMQP port sets it
  // so that clients read wall-clock times, as RabbitMQ gives them.
  void set_timestamp_epoch_us(sim::TimeUs epoch_us) { timestamp_epoch_us_ = epoch_us; }

 private:
  struct Connection {
    ConnectionId id = 0;
    std::string name;
    ConnectionListener* listener = nullptr;
    std::map<std::uint16_t, std::unique_ptr<Channel>> channels;
  };
  struct Outgoing;
  class OperationScope;

  Exchange* exchange_named(std::string_view name);
  Queue* queue_named(std::string_view name);
  Connection* connection(ConnectionId id);
  Result<Channel*> channel_for(ChannelKey key);
  // Closes the channel (soft error) or the connection (hard error) and returns the error.
  Error fail(ChannelKey key, Error error);
  std::optional<Error> check_exclusive_access(const Queue& queue, ConnectionId connection) const;
  std::string generate_name(std::string_view prefix);
  std::string resolve_queue_name(Channel& channel, const std::string& name) const;

  Status bind(ChannelKey key, const std::string& source, const std::string& destination, bool to_exchange,
              const std::string& routing_key, const FieldTable& arguments);
  Status unbind(ChannelKey key, const std::string& source, const std::string& destination, bool to_exchange,
                const std::string& routing_key, const FieldTable& arguments);
  void add_binding(Exchange& source, std::string destination, bool to_exchange, std::string routing_key,
                   FieldTable arguments, bool traced);
  void remove_binding(Exchange& source, const Binding* binding, bool traced);
  void maybe_auto_delete_exchange(Exchange& exchange);

  void declare_builtin_exchanges();
  void create_exchange(const std::string& name, ExchangeType type, ExchangeSettings settings);
  void delete_exchange(Exchange& exchange, std::string_view reason);
  void delete_queue(Queue& queue, std::string_view reason);
  void close_channel(Connection& connection, Channel& channel, ReplyCode code, std::string_view text);
  void cancel_consumer(Consumer& consumer, std::string_view reason, bool notify_client);
  // The channel's side of a cancellation, once the queue has let the consumer go: the trace,
  // basic.cancel to the client if asked, and the consumer is destroyed.
  void forget_consumer(Consumer& consumer, std::string_view reason, bool notify_client);

  // The loop over queue state machines (broker_queue_loop.cpp). `run` applies a command and
  // carries out all that follows; `carry_out` does the same for effects a caller already holds.
  struct Work {
    Queue* queue = nullptr;
    std::variant<Command, Effect> what;
  };
  template <typename C>
  void run(Queue& queue, C&& command);  // broker_internal.h
  template <typename C>
  void apply_and_carry_out(Queue& queue, C&& command);
  void apply_command(Queue& queue, Command& command, Effects& effects);
  void count_enqueue(const Queue& queue);
  void carry_out(Queue& queue, Effects& effects);
  void carry_out_in_place(Queue& queue, Effects& effects);
  void carry_out_effect(Queue& queue, Effect& effect);
  void deliver(Consumer& consumer, Queue& queue, QueuedMessage&& entry);
  void dead_letter(Queue& queue, QueuedMessage entry, DeathReason reason, std::string_view why);
  void trace_dead_letter(const Queue& queue, const DeadLetter& letter, const Exchange& dlx, DeathReason reason,
                         std::string_view why, trace::SharedRouteExplanation route, const std::vector<Queue*>& targets);
  void trace_settlement(trace::EventKind kind, const Queue& queue, Message::Id message, const DeliveryOrigin& from,
                        std::string_view why);
  void schedule_tick(Queue& queue, sim::TimeUs at);
  // (Re)starts the x-expires clock while the queue has no consumers.
  void touch_unused_timer(Queue& queue);
  void detach_consumer(Consumer& consumer);
  void announce_active_consumer(Queue& queue, const Consumer& consumer);
  Status settle(ChannelKey key, std::uint64_t delivery_tag, bool multiple, SettledBy by, bool requeue);
  void apply_settlement(Channel& channel, std::vector<Unacked>& taken, SettledBy by, bool requeue, bool multiple);
  void trace_transaction(ChannelKey key, std::string text);
  Result<std::string> consume_direct_reply_to(Channel& channel, const Consume& consume);
  void stop_direct_reply_to(Channel& channel, std::string_view reason);
  void publish_direct_reply(Channel& channel, const Publish& publish);
  Status publish_or_hold(Channel& channel, Exchange& exchange, const Publish& publish);
  // Routes a validated publish and puts copies in queues; confirms, returns and deliveries follow.
  void route_publish(Channel& channel, Exchange& exchange, const Publish& publish);
  // The origin of a new message: the exchange's own when it has no properties, else shared with
  // the channel's last one when alike.
  SharedOrigin shared_origin(Channel& channel, const Exchange& exchange, const BasicProperties& properties);
  // A publish that reached no queue: basic.return (312) if mandatory, else dropped with why.
  void return_or_drop_unroutable(Channel& channel, const Publish& publish, const MessageRef& message,
                                 std::string_view why_dropped);
  // basic.ack / basic.nack to a publisher in confirm mode (nothing otherwise), sent at once or
  // at the end of the turn. `by_queues`: the publish reached queues, which confirm it.
  void confirm_publish(Channel& channel, Message::Id id, std::uint64_t sequence, bool nack, bool by_queues);
  void end_turn();
  // Sends every channel's unsent confirms, coalesced, into the outbox.
  void send_confirms();
  void send_coalesced(Channel& channel, const std::vector<Channel::SettledPublish>& settled);
  void push_confirm(Channel& channel, const Channel::SettledPublish& last, std::uint64_t count, bool multiple);
  // Undoes a delivery's prefetch bookkeeping once it is taken off the channel, before it is
  // acked, requeued or dropped; its queue learns of it from the settlement that follows.
  void release(Channel& channel, Unacked& unacked);
  // The delivery goes back to its queue: requeued, or dead-lettered past a delivery limit.
  void requeue_entry(const Channel& channel, Unacked& unacked, SettledBy by);
  void drop(const QueuedMessage& entry, const std::string& queue, trace::Reason reason, std::string_view why);

  void push(Outgoing outgoing);
  void flush_outbox();

  sim::Scheduler& scheduler_;
  sim::Rng& rng_;
  trace::Tracer& tracer_;
  BrokerLimits limits_;
  sim::TimeUs timestamp_epoch_us_ = 0;
  Router router_;
  RouteResult route_scratch_;

  // Ordered maps own, and are what anything iterates (deterministic order); the hash
  // indexes only answer lookups on the hot path.
  std::map<std::string, std::unique_ptr<Exchange>, std::less<>> exchanges_;
  std::map<std::string, std::unique_ptr<Queue>, std::less<>> queues_;
  StringMap<Exchange*> exchange_index_;
  StringMap<Queue*> queue_index_;
  std::map<ConnectionId, std::unique_ptr<Connection>> connections_;
  Exchange* default_exchange_ = nullptr;

  ConnectionId next_connection_id_ = 1;
  std::uint64_t next_channel_serial_ = 1;
  std::uint64_t next_binding_id_ = 1;
  std::uint64_t next_consumer_id_ = 1;
  Message::Id next_message_id_ = 1;
  MessageAccounting accounting_;

  // Hot-path lookups of open channels: by (connection, number), and by serial for the outbox.
  std::unordered_map<std::uint64_t, Channel*> channels_by_key_;
  std::unordered_map<std::uint64_t, Channel*> channels_by_serial_;
  // Direct reply-to addresses -> the serial of the channel consuming them.
  StringMap<std::uint64_t> reply_addresses_;

  std::vector<Outgoing> outbox_;  // handed out in order by flush_outbox
  std::vector<Unacked> settle_scratch_;
  std::vector<std::string_view> routing_keys_scratch_;  // only used before anything can re-enter
  std::vector<Queue*> dispatch_scratch_;
  std::vector<Work> work_;        // the queue loop's stack of commands and effects to carry out
  Effects effects_scratch_;       // what run's command returns (cleared first), so the hot path does not allocate
  Effects step_effects_;          // what each command on the stack returns
  Effects spare_effects_;         // what a Then's command returns, swapped in
  bool carrying_out_ = false;
  int operation_depth_ = 0;
#ifdef NDEBUG
  bool check_invariants_always_ = false;
#else
  bool check_invariants_always_ = true;
#endif
  int turn_depth_ = 0;
  std::vector<std::uint64_t> channels_with_unsent_confirms_;  // serials, in the order they confirmed
};

}  // namespace brokersim::broker
