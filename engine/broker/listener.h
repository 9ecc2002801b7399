#pragma once
// What the broker pushes to a client without being asked: deliveries, returns, confirms and
// server-side consumer cancellation. The AMQP connection turns these into frames; simulated
// actors react to them. Calls arrive after the broker operation that caused them has finished,
// so a listener may call back into the broker (ack, publish, ...) freely.
#include <cstdint>
#include <memory>
#include <string>

#include "broker/message.h"
#include "broker/reply_code.h"

namespace brokersim::broker {

struct Delivery {
  std::uint16_t channel = 0;
  std::shared_ptr<const std::string> consumer_tag;  // shared with the consumer: never null
  std::uint64_t delivery_tag = 0;
  bool redelivered = false;
  MessageRef message;
};

struct Return {
  std::uint16_t channel = 0;
  ReplyCode code = ReplyCode::kNoRoute;
  std::string text;
  MessageRef message;
};

struct Confirm {
  std::uint16_t channel = 0;
  std::uint64_t sequence = 0;
  bool multiple = false;
  bool nack = false;
};

class ConnectionListener {
 public:
  virtual ~ConnectionListener() = default;
  virtual void on_deliver(const Delivery&) {}
  virtual void on_return(const Return&) {}
  virtual void on_confirm(const Confirm&) {}
  // basic.cancel from the server: the queue went away (consumer cancel notify).
  virtual void on_consumer_cancelled(std::uint16_t /*channel*/, const std::string& /*consumer_tag*/) {}
};

}  // namespace brokersim::broker
