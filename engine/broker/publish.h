#pragma once
// What a client hands the broker in basic.publish.
#include <string>

#include "broker/message.h"

namespace brokersim::broker {

struct Publish {
  std::string exchange;
  std::string routing_key;
  bool mandatory = false;
  bool immediate = false;
  BasicProperties properties;
  std::string body;
  // The simulation's name for this kind of message ("poison"), shown in the log and the GUI.
  // Not AMQP: it never reaches a client.
  std::string label;
};

}  // namespace brokersim::broker
