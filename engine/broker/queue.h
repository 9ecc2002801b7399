#pragma once
// A queue: ready messages in order, and the consumers attached to it. It knows nothing of
// channels' delivery tags; the broker moves messages between ready and unacked.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "broker/field_table.h"
#include "broker/message.h"

namespace brokersim::broker {

struct Consumer;
using ConnectionId = std::uint64_t;

// One copy of a message in one queue. `position` is its place in the queue's arrival order, so
// a requeued message goes back exactly where it was.
struct QueuedMessage {
  MessageRef message;
  std::uint64_t position = 0;
  std::uint32_t delivery_count = 0;
  bool redelivered = false;
};

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
};

class Queue {
 public:
  Queue(std::string name, QueueSettings settings) : name_(std::move(name)), settings_(std::move(settings)) {}

  const std::string& name() const { return name_; }
  const QueueSettings& settings() const { return settings_; }
  bool durable() const { return settings_.durable; }
  bool auto_delete() const { return settings_.auto_delete; }
  bool exclusive() const { return settings_.exclusive_owner != 0; }
  ConnectionId exclusive_owner() const { return settings_.exclusive_owner; }

  std::size_t ready_count() const { return ready_.size(); }
  std::uint64_t ready_bytes() const { return ready_bytes_; }
  std::uint64_t unacked_count() const { return unacked_; }
  const std::deque<QueuedMessage>& ready() const { return ready_; }
  const std::vector<Consumer*>& consumers() const { return consumers_; }
  const QueueCounters& counters() const { return counters_; }
  bool ever_had_consumer() const { return ever_had_consumer_; }
  bool has_exclusive_consumer() const;

  // Broker-side mutation.
  void enqueue(MessageRef message);
  void requeue(QueuedMessage entry);
  QueuedMessage take_front();
  std::deque<QueuedMessage> take_all();
  void note_unacked(int delta) { unacked_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(unacked_) + delta); }
  QueueCounters& counters() { return counters_; }

  void add_consumer(Consumer* consumer);
  void remove_consumer(const Consumer* consumer);
  // Consumers are kept highest priority first; within a priority, the one served longest ago
  // comes first. After a delivery the consumer moves behind its equals: round-robin.
  void rotate_after_delivery(const Consumer* consumer);

  // Scratch for the router: the id of the last message routed here, for one copy per queue.
  std::uint64_t last_routed_message = 0;

 private:
  std::string name_;
  QueueSettings settings_;
  std::deque<QueuedMessage> ready_;
  std::uint64_t ready_bytes_ = 0;
  std::uint64_t next_position_ = 0;
  std::uint64_t unacked_ = 0;
  std::vector<Consumer*> consumers_;
  bool ever_had_consumer_ = false;
  QueueCounters counters_;
};

}  // namespace brokersim::broker
