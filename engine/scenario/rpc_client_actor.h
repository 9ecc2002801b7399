#pragma once
// An RPC client: sends requests with reply_to and a correlation id, matches the replies, and
// after a timeout sends the request again (its retries) or gives up. A reply to a request it
// gave up on is late; a second reply to one already answered is a duplicate: both are counted
// and ignored, as a careful client does.
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "scenario/client_connection.h"
#include "scenario/consumer_actor.h"

namespace brokersim::scenario {

class RpcClientActor final : public broker::ConnectionListener {
 public:
  RpcClientActor(ActorContext& context, const RpcClientSpec& spec);

  const std::string& name() const { return spec_.name; }
  const ActorStats& stats() const { return stats_; }
  ClientConnection& connection() { return connection_; }

  void on_deliver(const broker::Delivery& d) override;

 private:
  void setup(broker::ChannelKey key);
  void schedule_next();
  void send();
  void transmit(const std::string& id, std::uint64_t seq);
  void on_timeout(const std::string& id, std::uint64_t seq);

  ActorContext& context_;
  const RpcClientSpec& spec_;
  ClientConnection connection_;
  std::string reply_to_;
  std::string reply_consumer_tag_;
  std::uint64_t sent_ = 0;
  struct Pending {
    sim::TimeUs first_sent_us = 0;
    std::uint32_t attempts = 1;
  };
  std::map<std::string, Pending> pending_;  // correlation id -> the request waiting for its reply
  std::set<std::string> answered_, given_up_;
  ActorStats stats_;
};

}  // namespace brokersim::scenario
