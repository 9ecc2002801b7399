#pragma once
// A binding: source exchange -> destination queue or exchange, with a key and arguments.
// Bindings die with either end, so the resolved destination pointers stay valid.
#include <cstdint>
#include <string>

#include "broker/field_table.h"

namespace brokersim::broker {

class Exchange;
class Queue;

struct Binding {
  std::uint64_t id = 0;  // creation order; routing results are listed in this order
  std::string source;
  std::string destination;
  bool to_exchange = false;
  std::string key;
  FieldTable arguments;
  Queue* queue = nullptr;               // set when !to_exchange
  Exchange* destination_exchange = nullptr;  // set when to_exchange

  // Identity as RabbitMQ defines it: binding the same thing twice is a no-op.
  bool same_as(const std::string& dest, bool dest_is_exchange, const std::string& routing_key,
               const FieldTable& args) const {
    return to_exchange == dest_is_exchange && destination == dest && key == routing_key && tables_equal(arguments, args);
  }
};

}  // namespace brokersim::broker
