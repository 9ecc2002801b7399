#pragma once
// A channel's broker-side state: delivery tags, messages awaiting ack, prefetch limits,
// confirm mode and its consumers.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker/consumer.h"
#include "broker/listener.h"
#include "broker/publish.h"
#include "broker/queue.h"

namespace brokersim::broker {

// An ack, nack or reject made inside a transaction, applied at tx.commit.
struct PendingSettle {
  std::vector<std::uint64_t> tags;
  SettledBy by = SettledBy::kAck;
  bool requeue = false;
};

// A message delivered on this channel and not yet acked.
struct Unacked {
  std::uint64_t delivery_tag = 0;
  Queue* queue = nullptr;        // null once the queue is deleted
  Consumer* consumer = nullptr;  // null for basic.get, or once the consumer is cancelled
  QueuedMessage entry;
  bool counts_toward_prefetch = false;  // consumer deliveries do; basic.get does not
  bool live = false;                    // false once acked, or for a no-ack delivery's tag
  bool held = false;                    // acked/nacked inside an uncommitted transaction
};

class Channel {
 public:
  Channel(ConnectionId connection, std::uint16_t number, std::uint64_t serial, ConnectionListener* listener)
      : connection_(connection), number_(number), serial_(serial), listener_(listener) {}

  ConnectionId connection() const { return connection_; }
  std::uint16_t number() const { return number_; }
  std::uint64_t serial() const { return serial_; }
  ConnectionListener* listener() const { return listener_; }

  std::uint64_t take_delivery_tag() { return next_delivery_tag_++; }
  // Records a delivery awaiting ack. Tags are increasing, so the list stays in tag order.
  void add_unacked(Unacked unacked);
  // The live entry with this tag, or null.
  Unacked* find_unacked(std::uint64_t delivery_tag);
  std::size_t unacked_count() const { return unacked_live_; }
  // Moves entries into `taken`: one tag, every tag up to it (multiple), or all (tag 0 + multiple).
  // Entries held by a transaction are skipped.
  void take_unacked(std::uint64_t delivery_tag, bool multiple, std::vector<Unacked>& taken);
  // Every outstanding entry, held ones included (the channel is closing).
  void take_all_unacked(std::vector<Unacked>& taken);
  // Transactions: hold entries (as take_unacked would take them), take them at commit, or let
  // them go back to plain unacked at rollback.
  void hold_unacked(std::uint64_t delivery_tag, bool multiple, std::vector<std::uint64_t>& tags);
  void take_held(const std::vector<std::uint64_t>& tags, std::vector<Unacked>& taken);
  void release_held();
  template <typename F>
  void for_each_unacked(F&& f) {
    for (auto& u : unacked_) {
      if (u.live) f(u);
    }
  }
  template <typename F>
  void for_each_unacked(F&& f) const {
    for (const auto& u : unacked_) {
      if (u.live) f(u);
    }
  }
  std::uint64_t next_delivery_tag() const { return next_delivery_tag_; }

  // Prefetch, as RabbitMQ does it: global=false sets the limit for consumers created after;
  // global=true limits the whole channel. Both apply at once.
  std::uint32_t prefetch_per_consumer = 0;
  std::uint32_t prefetch_global = 0;
  std::uint32_t unacked_toward_global = 0;

  bool confirm_mode = false;
  bool tx_mode = false;
  std::vector<Publish> tx_publishes;
  std::vector<PendingSettle> tx_settles;
  // Direct reply-to: this channel's consumer of amq.rabbitmq.reply-to (its tag shared with its
  // deliveries, as a Consumer's is; null when none), and its full address.
  std::shared_ptr<const std::string> reply_consumer_tag;
  // The exchange and properties of the last message published on this channel, shared with the
  // messages that had them; a client usually publishes alike again (see route_publish).
  SharedOrigin last_origin;
  std::string reply_to_address;
  std::uint64_t next_publish_sequence = 1;
  // Publishes settled since this channel's confirms last went out, in sequence order: they
  // leave together at the end of the broker's turn, coalesced as RabbitMQ does (see Broker).
  struct SettledPublish {
    std::uint64_t sequence = 0;
    std::uint64_t message_id = 0;
    bool nack = false;
  };
  std::vector<SettledPublish> unsent_confirms;
  std::string last_declared_queue;  // the "" shortcut in queue.bind and basic.consume

  std::map<std::string, std::unique_ptr<Consumer>> consumers;  // by tag, ordered

 private:
  void trim_front();

  ConnectionId connection_;
  std::uint16_t number_;
  std::uint64_t serial_;
  ConnectionListener* listener_;
  std::uint64_t next_delivery_tag_ = 1;
  std::deque<Unacked> unacked_;  // slot i holds tag first_tag_ + i
  std::uint64_t first_tag_ = 1;
  std::size_t unacked_live_ = 0;
};

}  // namespace brokersim::broker
