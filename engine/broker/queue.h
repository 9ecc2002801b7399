#pragma once
// A queue: ready messages in order, and the consumers attached to it. It knows nothing of
// channels' delivery tags; the broker moves messages between ready and unacked.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <optional>

#include "broker/field_table.h"
#include "broker/message.h"
#include "broker/queue_arguments.h"
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
  Queue(std::string name, QueueSettings settings, QueueArguments arguments)
      : name_(std::move(name)),
        settings_(std::move(settings)),
        arguments_(std::move(arguments)),
        ready_(arguments_.max_priority) {}

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
  std::uint64_t unacked_count() const { return unacked_; }
  const ReadyList& ready() const { return ready_; }
  // Streams: the append-only log. Reading does not remove; offsets are indexes.
  const std::vector<MessageRef>& stream_log() const { return stream_log_; }
  // What queue.declare-ok reports: ready messages, or for a stream every message it holds
  // (consumers read a stream without taking from it).
  std::size_t message_count() const { return type() == QueueType::kStream ? stream_log_.size() : ready_count(); }
  void append_to_stream(MessageRef message) { stream_log_.push_back(std::move(message)); }
  const std::vector<Consumer*>& consumers() const { return consumers_; }
  const QueueCounters& counters() const { return counters_; }
  bool ever_had_consumer() const { return ever_had_consumer_; }
  bool has_exclusive_consumer() const;

  // Broker-side mutation.
  std::uint64_t take_position() {
    BROKERSIM_ASSERT(next_position_ < QueuedMessage::kPositionLimit);
    return next_position_++;
  }
  void enqueue(QueuedMessage entry);
  // The largest depth so far, taken once overflow has had its say (so never above a limit).
  void note_depth();
  void requeue(QueuedMessage entry);
  QueuedMessage& front() { return ready_.front(); }
  QueuedMessage take_front() { return ready_.pop_front(); }
  std::vector<QueuedMessage> take_all() { return ready_.take_all(); }
  // Puts back messages taken with take_all, keeping their order and flags (no counters move).
  void restore(QueuedMessage entry) { ready_.push_back(std::move(entry)); }
  std::vector<QueuedMessage> take_expired_heads(sim::TimeUs now_us) { return ready_.take_expired_heads(now_us); }
  sim::TimeUs next_head_expiry() const { return ready_.next_head_expiry(); }
  void note_unacked(int delta) { unacked_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(unacked_) + delta); }
  QueueCounters& counters() { return counters_; }

  void add_consumer(Consumer* consumer);
  void remove_consumer(const Consumer* consumer);
  // Consumers are kept highest priority first; within a priority, the one served longest ago
  // comes first. After a delivery the consumer moves behind its equals (round-robin), and so
  // does one passed over while full, once it frees up.
  void move_to_back_of_group(const Consumer* consumer);

  // With x-single-active-consumer: the one consumer that receives (the earliest registered).
  Consumer* single_active_consumer() const;

  // Scratch for the router: the id of the last message routed here, for one copy per queue.
  std::uint64_t last_routed_message = 0;
  // Timers the broker keeps for this queue: the next message expiry at a head, and x-expires.
  std::optional<sim::TimerId> expiry_timer;
  std::optional<sim::TimerId> unused_timer;

 private:
  std::string name_;
  QueueSettings settings_;
  QueueArguments arguments_;
  ReadyList ready_;
  std::vector<MessageRef> stream_log_;
  std::uint64_t next_position_ = 0;
  std::uint64_t unacked_ = 0;
  std::vector<Consumer*> consumers_;
  bool ever_had_consumer_ = false;
  QueueCounters counters_;
};

}  // namespace brokersim::broker
