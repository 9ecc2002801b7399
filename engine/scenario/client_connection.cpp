#include "scenario/client_connection.h"

namespace brokersim::scenario {

void ClientConnection::start() {
  running_ = true;
  (void)channel();
}

void ClientConnection::stop() {
  running_ = false;
  if (connection_ && context_.client.connection_open(*connection_)) {
    context_.client.close_connection(*connection_, broker::ReplyCode::kSuccess, "closed by the application");
  }
  connection_.reset();
}

void ClientConnection::crash() {
  running_ = false;
  if (connection_ && context_.client.connection_open(*connection_)) {
    context_.client.close_connection(*connection_, broker::ReplyCode::kConnectionForced, "consumer crashed");
  }
  connection_.reset();
}

std::optional<broker::ChannelKey> ClientConnection::open_channel() const {
  if (!connection_) return std::nullopt;
  const broker::ChannelKey key{*connection_, 1};
  if (!context_.client.channel_is_open(key)) return std::nullopt;
  return key;
}

std::optional<broker::ChannelKey> ClientConnection::channel() {
  if (!running_) return std::nullopt;
  if (auto key = open_channel()) return key;
  auto& b = context_.client;
  if (!connection_ || !b.connection_open(*connection_)) connection_ = b.open_connection(name_, listener_, trace::ConnectionRole::kActor);
  const broker::ChannelKey key{*connection_, 1};
  if (!context_.ok(b.channel_open(key), name_, at_)) return std::nullopt;
  ++generation_;
  for (const Setup& setup : setups_) setup(key);
  return open_channel();
}

}  // namespace brokersim::scenario
