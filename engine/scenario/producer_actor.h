#pragma once
// A producer: publishes at a constant rate, with Poisson arrivals, or on a schedule, on its
// own connection or on the connection of the consumer it is part of (a chat client, say).
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "scenario/client_connection.h"
#include "scenario/actor_stats.h"

namespace brokersim::scenario {

class ProducerActor final : public broker::ConnectionListener {
 public:
  // `host` is the connection of the actor this producer is part of; null for its own.
  ProducerActor(ActorContext& context, const ProducerSpec& spec, ClientConnection* host = nullptr);

  const std::string& name() const { return spec_.name; }
  std::uint64_t sent() const { return sent_; }
  // published (sent), and the broker's answers: confirmed, nacked, returned.
  ActorStats stats() const;
  void set_rate(double rate);
  // The timeline's connect / disconnect. A producer's own connection only.
  ClientConnection& connection() { return *connection_; }

 private:
  std::vector<std::uint64_t> weights() const;
  void schedule_next(sim::TimeUs from_us, std::optional<sim::TimeUs> gap_us = std::nullopt);
  bool send();
  void on_confirm(const broker::Confirm& c) override;
  void on_return(const broker::Return& r) override;
  void take_confirm(const broker::Confirm& c);
  bool waiting_for_confirms() const;

  ActorContext& context_;
  const ProducerSpec& spec_;
  std::optional<ClientConnection> own_;
  ClientConnection* connection_;
  std::vector<std::uint64_t> weights_;
  broker::Publish publish_scratch_;  // refilled for each message (see fill_publish)
  double rate_;
  std::uint64_t sent_ = 0;
  // Confirm mode: this channel's publish sequence numbers not yet confirmed.
  std::uint64_t channel_sequence_ = 0;
  std::uint64_t in_transit_ = 0;  // publishes on their way to the broker
  std::set<std::uint64_t> unconfirmed_;
  bool held_ = false;  // a waiting publisher's next publish is held until its confirms come
  std::uint64_t confirmed_ = 0, nacked_ = 0, returned_ = 0;
};

}  // namespace brokersim::scenario
