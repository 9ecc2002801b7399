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
};

}  // namespace brokersim::broker
