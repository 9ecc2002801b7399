#pragma once
// An RPC client: sends requests with reply_to and a correlation id, matches the replies, and
// gives up on a request after its timeout.
#include <cstdint>
#include <map>
#include <string>

#include "scenario/client_connection.h"
#include "scenario/consumer_actor.h"

namespace brokersim::scenario {

class RpcClientActor final : public broker::ConnectionListener {
 public:
  RpcClientActor(ActorContext& context, const RpcClientSpec& spec);

  const std::string& name() const { return spec_.name; }
  const ConsumerStats& stats() const { return stats_; }
  ClientConnection& connection() { return connection_; }

  void on_deliver(const broker::Delivery& d) override;

 private:
  void setup(broker::ChannelKey key);
  void schedule_next();
  void send();

  ActorContext& context_;
  const RpcClientSpec& spec_;
  ClientConnection connection_;
  std::string reply_to_;
  std::string reply_consumer_tag_;
  std::uint64_t sent_ = 0;
  std::map<std::string, sim::TimeUs> pending_;  // correlation id -> when sent
  ConsumerStats stats_;
};

}  // namespace brokersim::scenario
