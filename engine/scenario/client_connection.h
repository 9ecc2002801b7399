#pragma once
// One simulated application's connection to the broker, with channel 1 on it. While the
// application runs, the channel is opened again when it is gone (a broker restart, a channel
// error), as client libraries with automatic recovery do, and the actor's setup (qos, confirm
// mode, its own queue, basic.consume) runs on each new channel.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenario/actor_context.h"

namespace brokersim::scenario {

class ClientConnection {
 public:
  using Setup = std::function<void(broker::ChannelKey)>;

  ClientConnection(ActorContext& context, const std::string& name, Position at, broker::ConnectionListener* listener)
      : context_(context), name_(name), at_(at), listener_(listener) {}

  // Runs on every new channel, in the order added.
  void add_setup(Setup setup) { setups_.push_back(std::move(setup)); }

  // The application starts (or stops): it opens its connection (or closes it cleanly).
  void start();
  void stop();
  // The process dies: the broker sees the connection go with nothing said.
  void crash();
  bool running() const { return running_; }

  // The open channel, reopening it (and the connection) while the application runs.
  std::optional<broker::ChannelKey> channel();
  // The channel as it is now, without reopening anything.
  std::optional<broker::ChannelKey> open_channel() const;
  // Changes whenever a new channel opens: delivery tags of an older one are void.
  std::uint64_t generation() const { return generation_; }

  ActorContext& context() { return context_; }
  const std::string& name() const { return name_; }
  Position at() const { return at_; }

 private:
  ActorContext& context_;
  const std::string& name_;
  Position at_;
  broker::ConnectionListener* listener_;
  std::vector<Setup> setups_;
  std::optional<broker::ConnectionId> connection_;
  bool running_ = false;
  std::uint64_t generation_ = 0;
};

}  // namespace brokersim::scenario
