#pragma once
// A queue: a state machine over its ready messages and its consumers. The broker changes it
// only through apply(now, command), which hands back effects as data (queue_command.h); the
// rules that differ by queue type live in classic_queue, quorum_queue and stream_queue, and
// what they share lives here once. A queue knows nothing of channels' delivery tags: it says
// "deliver this to that consumer", and the broker does. Outside apply the broker only keeps
// the queue's timers and counts its dead letters and drops (they depend on exchanges).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/field_table.h"
#include "broker/message.h"
#include "broker/queue_arguments.h"
#include "broker/queue_command.h"
#include "broker/ready_list.h"
#include "sim/assert.h"
#include "sim/scheduler.h"

namespace brokersim::broker {

struct Consumer;
using ConnectionId = std::uint64_t;

struct QueueSettings {
  bool durable = false;
  bool auto_delete = false;
  ConnectionId exclusive_owner = 0;  // 0: not exclusive
  FieldTable arguments;
};

// Per-queue counters, for stats panels and expectations.
struct QueueCounters {
  std::uint64_t enqueued = 0;
  std::uint64_t delivered = 0;
  std::uint64_t acked = 0;
  std::uint64_t requeued = 0;
  std::uint64_t dropped = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t expired = 0;
  std::uint64_t rejected_on_publish = 0;  // reject-publish overflow
  std::uint64_t max_depth = 0;            // most ready messages at once
  std::uint64_t dead_lettered_by_reason[4] = {};  // indexed by DeathReason
};

class Queue {
 public:
  virtual ~Queue() = default;
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  const std::string& name() const { return name_; }
  const QueueSettings& settings() const { return settings_; }
  bool durable() const { return settings_.durable; }
  bool auto_delete() const { return settings_.auto_delete; }
  bool exclusive() const { return settings_.exclusive_owner != 0; }
  ConnectionId exclusive_owner() const { return settings_.exclusive_owner; }
  const QueueArguments& arguments() const { return arguments_; }
  QueueType type() const { return arguments_.type; }

  std::size_t ready_count() const { return ready_.size(); }
  std::uint64_t ready_bytes() const { return ready_.bytes(); }
  // Copies delivered that await a settlement (an ack, a requeue or a reject).
  std::uint64_t unacked_count() const { return unacked_; }
  const ReadyList& ready() const { return ready_; }
  // Streams: the append-only log. Reading does not remove; offsets are indexes.
  virtual const std::vector<MessageRef>& stream_log() const;
  // What queue.declare-ok reports: ready messages, or for a stream every message it holds
  // (consumers read a stream without taking from it).
  virtual std::size_t message_count() const { return ready_count(); }
  const std::vector<Consumer*>& consumers() const { return consumers_; }
  const QueueCounters& counters() const { return counters_; }
  QueueCounters& counters() { return counters_; }
  bool ever_had_consumer() const { return ever_had_consumer_; }
  bool has_exclusive_consumer() const;
  // With x-single-active-consumer: the one consumer that receives (the earliest registered).
  Consumer* single_active_consumer() const;

  // The one way to change the queue: its effects are appended to `effects`, in the order the
  // broker must carry them out.
  // The command is consumed (moved from).
  void apply(sim::TimeUs now, Command& command, Effects& effects);
  void apply(sim::TimeUs now, Command&& command, Effects& effects) { apply(now, command, effects); }
  // One per command: what the variant's apply calls, and what the broker's hot path calls
  // directly when it knows the command's type.
  void apply(sim::TimeUs now, command::Enqueue&& c, Effects& fx) { enqueue(now, std::move(c.message), fx); }
  void apply(sim::TimeUs now, command::Dispatch c, Effects& fx) { dispatch(now, c.fresh_publish, fx); }
  void apply(sim::TimeUs now, command::Tick c, Effects& fx) { expire_then_tick(now, c.schedule, fx); }
  void apply(sim::TimeUs /*now*/, command::Take c, Effects& fx) { take(c.no_ack, fx); }
  void apply(sim::TimeUs /*now*/, command::Settle&& c, Effects& fx) { settle(std::move(c), fx); }
  void apply(sim::TimeUs /*now*/, command::AddConsumer c, Effects& fx) { add_consumer(c.consumer, fx); }
  void apply(sim::TimeUs /*now*/, command::CancelConsumer c, Effects& fx) { cancel_consumer(c.consumer, fx); }
  void apply(sim::TimeUs /*now*/, command::Credit c, Effects& /*fx*/) { rejoin_if_free(*c.consumer); }
  void apply(sim::TimeUs /*now*/, command::Purge, Effects& fx) { drop_all(trace::Reason::kPurged, "purged", fx); }
  void apply(sim::TimeUs /*now*/, command::Delete, Effects& fx) { delete_all(fx); }
  void apply(sim::TimeUs /*now*/, command::Restart, Effects& fx) { restart(fx); }
  void apply(sim::TimeUs /*now*/, command::TrimHead c, Effects& fx) { trim_head(c.after_requeue, fx); }
  // True when a Dispatch or Tick would do nothing: nothing ready, no tick asked for. The broker
  // skips those commands then (the hot path after an ack).
  // A stream is never idle: reading takes nothing from its log, so a consumer may have credit for it.
  bool idle() const { return ready_.empty() && requested_tick_ == kNeverExpires && !settles_are_reads_; }
  // Aborts when the queue's own state is inconsistent (bytes, order, consumers); the tests
  // that replay commands call it after every one.
  void check_invariants() const;

  // Timers the broker keeps for this queue: the next message expiry at a head, and x-expires.
  std::optional<sim::TimerId> expiry_timer;
  std::optional<sim::TimerId> unused_timer;

 protected:
  Queue(std::string name, QueueSettings settings, QueueArguments arguments)
      : name_(std::move(name)),
        settings_(std::move(settings)),
        arguments_(std::move(arguments)),
        ready_(arguments_.max_priority) {}

  // How a full queue treats a new message: the overflow mode it acts on, and whether the
  // limit counts the arriving message (classic) or only the queue as it is (quorum).
  struct OverflowRule {
    Overflow overflow = Overflow::kDropHead;
    bool counts_arriving_message = true;
  };

  // The rules each queue type writes its own way. The defaults are a queue of ready messages.
  virtual void enqueue(sim::TimeUs now, MessageRef message, Effects& effects);
  virtual OverflowRule overflow_rule() const { return {arguments_.overflow, true}; }
  virtual void dispatch(sim::TimeUs now, bool fresh_publish, Effects& effects);
  void tick(Effects& effects);
  bool tick_would_change() const { return ready_.any_expiring() || requested_tick_ != kNeverExpires; }
  virtual void take(bool no_ack, Effects& effects);
  // Inline: an ack is the hottest command of all. A stream read only returns credit.
  void settle(command::Settle&& settle, Effects& effects) {
    BROKERSIM_ASSERT(unacked_ > 0);
    --unacked_;
    if (settles_are_reads_) return;
    if (settle.how != Settlement::kAck) return settle_unacked(std::move(settle), effects);
    ++counters_.acked;
    effects.emplace_back(effect::Acked{settle.entry.message->id(), settle.from});
  }
  void settle_unacked(command::Settle&& settle, Effects& effects);  // a requeue or a reject
  virtual void requeue(command::Settle&& settle, Effects& effects) = 0;
  virtual void dead_letter(QueuedMessage entry, DeathReason reason, std::string why, Effects& effects);
  virtual void restart(Effects& effects);

  // Shared by the queue types.
  bool has_length_limit() const { return arguments_.max_length || arguments_.max_length_bytes; }
  bool over_limit(std::size_t count, std::uint64_t bytes) const;
  void put_back(QueuedMessage entry);  // a requeue: its old place, flagged redelivered
  void drop_all(trace::Reason reason, std::string_view why, Effects& effects);
  // Delete: every consumer is cancelled (first to last), then every ready message dropped.
  void delete_all(Effects& effects);
  // Inline: most queues have no TTL, and this is asked at every dispatch.
  bool expire_heads(sim::TimeUs now, Effects& effects) {
    return ready_.any_expiring() && expire_expired_heads(now, effects);
  }
  bool expire_expired_heads(sim::TimeUs now, Effects& effects);
  // What a Tick command does: expire the heads (and look again), then maybe schedule the next.
  void expire_then_tick(sim::TimeUs now, bool schedule, Effects& effects);
  // Drop-head: one message off the head while over the limit, then this again.
  void trim_head(bool after_requeue, Effects& effects);
  void note_depth();
  void count_delivery(bool no_ack);
  void spend_credit(Consumer& consumer);

 private:
  void add_consumer(Consumer* consumer, Effects& effects);
  void cancel_consumer(Consumer* consumer, Effects& effects);
  Consumer* choose_consumer();
  // A consumer passed over while full rejoins the back of the rotation once it has credit
  // again, in the order such consumers free up (RabbitMQ's blocked consumers, unblocked by an ack).
  void rejoin_if_free(Consumer& consumer);
  void move_to_back_of_group(const Consumer* consumer);

  std::string name_;
  QueueSettings settings_;
  QueueArguments arguments_;
  std::uint64_t next_position_ = 0;
  sim::TimeUs requested_tick_ = kNeverExpires;  // the last tick asked of the broker
  std::vector<Consumer*> consumers_;
  bool ever_had_consumer_ = false;

 protected:
  ReadyList ready_;  // after arguments_, which sizes it
  QueueCounters counters_;
  std::uint64_t unacked_ = 0;
  bool settles_are_reads_ = false;  // a stream's: reading takes nothing away
};

// The queue of the type its arguments name.
std::unique_ptr<Queue> make_queue(std::string name, QueueSettings settings, QueueArguments arguments);

// Whether a consumer may receive one more message now: its prefetch, and its channel's global
// prefetch, have room (no-ack consumers always may).
bool has_credit(const Consumer& consumer);

}  // namespace brokersim::broker
