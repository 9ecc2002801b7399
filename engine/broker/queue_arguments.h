#pragma once
// The x-arguments of queue.declare, parsed and checked once, as RabbitMQ checks them: a bad
// type or value is a 406 that names the argument.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/field_table.h"
#include "broker/result.h"

namespace brokersim::broker {

enum class Overflow : std::uint8_t { kDropHead, kRejectPublish, kRejectPublishDlx };
enum class QueueType : std::uint8_t { kClassic, kQuorum, kStream };

std::string_view overflow_name(Overflow overflow);
std::string_view queue_type_name(QueueType type);

struct QueueArguments {
  std::optional<std::int64_t> message_ttl_ms;
  std::optional<std::int64_t> expires_ms;
  std::optional<std::int64_t> max_length;
  std::optional<std::int64_t> max_length_bytes;
  Overflow overflow = Overflow::kDropHead;
  std::optional<std::string> dead_letter_exchange;
  std::optional<std::string> dead_letter_routing_key;
  std::uint8_t max_priority = 0;  // 0: not a priority queue
  bool single_active_consumer = false;
  std::optional<std::int64_t> delivery_limit;
  QueueType type = QueueType::kClassic;
};

struct QueueFlags {
  bool durable = false;
  bool exclusive = false;
  bool auto_delete = false;
};

// Parses and validates the arguments for the named queue, including what its type allows.
Result<QueueArguments> parse_queue_arguments(const FieldTable& arguments, std::string_view queue_name,
                                             const QueueFlags& flags);

}  // namespace brokersim::broker
