#pragma once
// A consumer or a service: an application that takes deliveries, works on each for a while,
// then acks, nacks or rejects it (a service also publishes follow-ups, retries and replies).
// Like a pika or amqplib consumer it works on one message at a time unless it has more
// workers (`concurrency`); prefetch only bounds how many it may hold.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "scenario/actor_stats.h"
#include "scenario/client_connection.h"
#include "scenario/producer_actor.h"

namespace brokersim::scenario {

// Messages an auto-ack consumer had taken but not finished when its application went away.
struct Loss {
  std::string consumer;
  sim::TimeUs at_us = 0;
  std::uint64_t count = 0;
  std::string how;  // "crashed" or "disconnected"
};

class ConsumerActor final : public broker::ConnectionListener {
 public:
  ConsumerActor(ActorContext& context, const ConsumerSpec& spec, std::vector<Loss>& losses);

  const std::string& name() const { return spec_.name; }
  // Its own publishes (a `publish:` block) count in `published` with a service's follow-ups.
  ActorStats stats() const;
  // The queue it reads: the declared one for a server-named queue.
  const std::string& queue() const { return queue_; }

  void connect();          // the application starts
  void disconnect();       // the application closes its connection
  void crash();            // the process dies: the broker requeues what it had not acked
  void start_consuming();  // basic.consume again, connecting first if needed
  void stop_consuming();   // basic.cancel; what it holds stays unacked until it is done
  void after_broker_restart();

  void on_deliver(const broker::Delivery& d) override;

 private:
  struct Handled {
    broker::MessageRef message;  // only kept by a consumer that publishes in answer
    std::uint64_t retries = 0;
  };

  void setup(broker::ChannelKey key);
  void poll(std::uint64_t generation);
  sim::TimeUs finish_time(sim::TimeUs arrives_us, sim::TimeUs processing_us);
  void take_auto_acked(const broker::Delivery& d, sim::Rng& draws);
  sim::Rng draws_for(const broker::Delivery& d);
  void finish(std::uint64_t tag, Outcome outcome, bool park, bool retry, const Handled& handled);
  void settle(broker::ChannelKey key, std::uint64_t tag, Outcome outcome, const Handled& handled);
  void lose_in_hand(std::string_view how);
  std::uint64_t retries_of(const broker::Delivery& d) const;
  void publish(const FollowUp& f, const Handled& handled);
  Outcome decide(const broker::Delivery& d, sim::Rng& draws);

  ActorContext& context_;
  const ConsumerSpec& spec_;
  std::vector<Loss>& losses_;
  const bool publishes_;  // follow-ups, retries, parking or replies: it needs the handled texts
  ClientConnection connection_;
  std::optional<ProducerActor> producer_;  // publishes on this same connection
  std::string queue_;
  bool consuming_ = true;
  std::vector<sim::TimeUs> worker_free_at_;  // one per worker
  std::map<std::uint64_t, std::uint64_t> in_hand_;  // auto-ack: taken in order -> message id
  std::uint64_t taken_ = 0;
  std::uint64_t poll_generation_ = 0;
  ActorStats stats_;
  broker::Publish publish_scratch_;  // refilled for each follow-up (see fill_publish)
};

}  // namespace brokersim::scenario
