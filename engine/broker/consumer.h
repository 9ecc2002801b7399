#pragma once
// A subscription of one channel to one queue (basic.consume).
#include <cstdint>
#include <memory>
#include <string>

#include "broker/field_table.h"

namespace brokersim::broker {

class Channel;
class Queue;

struct Consumer {
  std::uint64_t id = 0;  // creation order
  // Shared with every delivery made to this consumer, which may outlive it in the outbox:
  // a tag is often longer than a short string, and copying it per delivery allocated.
  std::shared_ptr<const std::string> shared_tag;
  const std::string& tag() const { return *shared_tag; }
  Channel* channel = nullptr;
  Queue* queue = nullptr;
  bool no_ack = false;
  bool exclusive = false;
  std::int32_t priority = 0;         // x-priority
  std::uint32_t prefetch_limit = 0;  // per-consumer basic.qos at consume time; 0 = unlimited
  std::uint32_t unacked = 0;
  // Offered a message while its prefetch was full, and passed over: as in RabbitMQ, it leaves
  // the rotation then, and rejoins at the back of it once it can take a message again.
  bool passed_over = false;
  std::uint64_t stream_offset = 0;  // streams: the next offset this consumer reads
  FieldTable arguments;
};

}  // namespace brokersim::broker
