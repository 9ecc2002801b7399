#include "broker/queue_arguments.h"

#include <span>

namespace brokersim::broker {
namespace {

std::string resource(std::string_view queue) { return "queue '" + std::string(queue) + "' in vhost '/'"; }

// RabbitMQ's wording: "invalid arg 'x-...' for queue 'q' in vhost '/': <erlang term>".
Error invalid_arg(std::string_view key, std::string_view queue, const std::string& why) {
  return make_error(ReplyCode::kPreconditionFailed,
                    "invalid arg '" + std::string(key) + "' for " + resource(queue) + ": " + why);
}

// Integer arguments: the type must be an integer (any width), and the value in range.
struct IntegerRule {
  bool allow_zero = true;
  bool allow_negative = false;
  std::int64_t max = INT64_MAX;
  // Timer arguments (TTL, expiry) stop at 10 years: "{value_too_large,N}".
  std::int64_t too_large = INT64_MAX;
};

constexpr std::int64_t kMaxTimerMs = 315'360'000'000;

Result<std::int64_t> integer_argument(const FieldValue& value, std::string_view key, std::string_view queue,
                                      IntegerRule rule) {
  auto number = value.as_integer();
  if (!number) return invalid_arg(key, queue, "\"expected integer, got " + std::string(value.type_name()) + "\"");
  if (*number < 0 && !rule.allow_negative) return invalid_arg(key, queue, "{value_negative," + std::to_string(*number) + "}");
  if (*number == 0 && !rule.allow_zero) return invalid_arg(key, queue, "{value_zero,0}");
  if (*number > rule.max) return invalid_arg(key, queue, "{max_value_exceeded," + std::to_string(*number) + "}");
  if (*number > rule.too_large) return invalid_arg(key, queue, "{value_too_large," + std::to_string(*number) + "}");
  return *number;
}

Result<std::string> string_argument(const FieldValue& value, std::string_view key, std::string_view queue) {
  if (const std::string* s = value.as_string()) return *s;
  return invalid_arg(key, queue, "{unacceptable_type," + std::string(value.type_name()) + "}");
}

// The dead-letter exchange argument has a wording of its own in RabbitMQ.
Result<std::string> exchange_name_argument(const FieldValue& value, std::string_view key, std::string_view queue) {
  if (const std::string* s = value.as_string()) return *s;
  return make_error(ReplyCode::kPreconditionFailed, "invalid type '" + std::string(value.type_name()) +
                                                        "' for arg '" + std::string(key) + "' in " + resource(queue));
}

std::string type_module(QueueType type) {
  switch (type) {
    case QueueType::kClassic: return "rabbit_classic_queue";
    case QueueType::kQuorum: return "rabbit_quorum_queue";
    case QueueType::kStream: return "rabbit_stream_queue";
  }
  return "rabbit_classic_queue";
}

}  // namespace

std::string_view overflow_name(Overflow overflow) {
  switch (overflow) {
    case Overflow::kDropHead: return "drop-head";
    case Overflow::kRejectPublish: return "reject-publish";
    case Overflow::kRejectPublishDlx: return "reject-publish-dlx";
  }
  return "drop-head";
}

std::string_view queue_type_name(QueueType type) {
  switch (type) {
    case QueueType::kClassic: return "classic";
    case QueueType::kQuorum: return "quorum";
    case QueueType::kStream: return "stream";
  }
  return "classic";
}

namespace {

// Arguments a queue type does not support, as RabbitMQ 3.10 refuses them: before any value is
// checked ("x-delivery-limit=-1" on a classic queue is refused for its type, not its sign).
Status refuse_for_type(const FieldTable& arguments, std::string_view queue) {
  static constexpr std::string_view kClassicRefuses[] = {"x-delivery-limit", "x-max-in-memory-length",
                                                         "x-max-in-memory-bytes"};
  static constexpr std::string_view kQuorumRefuses[] = {"x-max-priority", "x-queue-mode"};
  static constexpr std::string_view kStreamRefuses[] = {"x-max-priority",     "x-queue-mode",  "x-dead-letter-exchange",
                                                        "x-dead-letter-routing-key", "x-max-length", "x-message-ttl",
                                                        "x-overflow",         "x-single-active-consumer",
                                                        "x-delivery-limit",   "x-expires", "x-max-in-memory-length",
                                                        "x-max-in-memory-bytes"};
  QueueType declared_type = QueueType::kClassic;
  if (const FieldValue* t = find_field(arguments, "x-queue-type")) {
    if (const std::string* name = t->as_string()) {
      if (*name == "quorum") declared_type = QueueType::kQuorum;
      if (*name == "stream") declared_type = QueueType::kStream;
    }
  }
  std::span<const std::string_view> refused = kClassicRefuses;
  if (declared_type == QueueType::kQuorum) refused = kQuorumRefuses;
  if (declared_type == QueueType::kStream) refused = kStreamRefuses;
  for (std::string_view key : refused) {
    if (find_field(arguments, key)) {
      return make_error(ReplyCode::kPreconditionFailed, "invalid arg '" + std::string(key) + "' for " +
                                                            resource(queue) + " of queue type " +
                                                            type_module(declared_type));
    }
  }
  return ok_status();
}

// One argument into `out`; other arguments are kept but mean nothing to the broker, as in
// RabbitMQ.
Status apply_argument(const std::string& key, const FieldValue& value, std::string_view queue, QueueArguments& out) {
  if (key == "x-message-ttl") {
    auto v = integer_argument(value, key, queue, {.too_large = kMaxTimerMs});
    if (!v) return v.error();
    out.message_ttl_ms = v.value();
  } else if (key == "x-expires") {
    auto v = integer_argument(value, key, queue, {.allow_zero = false, .too_large = kMaxTimerMs});
    if (!v) return v.error();
    out.expires_ms = v.value();
  } else if (key == "x-max-length") {
    auto v = integer_argument(value, key, queue, {});
    if (!v) return v.error();
    out.max_length = v.value();
  } else if (key == "x-max-length-bytes") {
    auto v = integer_argument(value, key, queue, {});
    if (!v) return v.error();
    out.max_length_bytes = v.value();
  } else if (key == "x-max-priority") {
    auto v = integer_argument(value, key, queue, {.max = 255});  // 0 is allowed: a plain FIFO
    if (!v) return v.error();
    out.max_priority = static_cast<std::uint8_t>(v.value());
  } else if (key == "x-delivery-limit") {
    // Quorum queues (3.10) take any integer here; a negative one acts like 0 (one delivery).
    auto v = integer_argument(value, key, queue, {.allow_negative = true});
    if (!v) return v.error();
    out.delivery_limit = v.value();
  } else if (key == "x-overflow") {
    auto v = string_argument(value, key, queue);
    if (!v) return v.error();
    if (v.value() == "drop-head") {
      out.overflow = Overflow::kDropHead;
    } else if (v.value() == "reject-publish") {
      out.overflow = Overflow::kRejectPublish;
    } else if (v.value() == "reject-publish-dlx") {
      out.overflow = Overflow::kRejectPublishDlx;
    } else {
      return invalid_arg(key, queue, "invalid_overflow");
    }
  } else if (key == "x-dead-letter-exchange") {
    auto v = exchange_name_argument(value, key, queue);
    if (!v) return v.error();
    out.dead_letter_exchange = v.value();
  } else if (key == "x-dead-letter-routing-key") {
    auto v = string_argument(value, key, queue);
    if (!v) return v.error();
    out.dead_letter_routing_key = v.value();
  } else if (key == "x-single-active-consumer") {
    auto b = value.as_bool();
    if (!b) return invalid_arg(key, queue, "{unacceptable_type," + std::string(value.type_name()) + "}");
    out.single_active_consumer = *b;
  } else if (key == "x-queue-type") {
    auto v = string_argument(value, key, queue);
    if (!v) return v.error();
    if (v.value() == "classic") {
      out.type = QueueType::kClassic;
    } else if (v.value() == "quorum") {
      out.type = QueueType::kQuorum;
    } else if (v.value() == "stream") {
      out.type = QueueType::kStream;
    } else {
      return invalid_arg(key, queue, "\"unsupported queue type '" + v.value() + "'\"");
    }
  } else if (key == "x-queue-mode") {
    auto v = string_argument(value, key, queue);
    if (!v) return v.error();
    if (v.value() != "default" && v.value() != "lazy") {
      return invalid_arg(key, queue, "\"unsupported queue mode '" + v.value() + "'\"");
    }
  }
  return ok_status();
}

// Quorum queues and streams are durable, shared and long-lived.
Status check_flags(const QueueArguments& out, std::string_view queue, const QueueFlags& flags) {
  if (out.type != QueueType::kClassic) {
    if (flags.auto_delete) {
      return make_error(ReplyCode::kPreconditionFailed, "invalid property 'auto-delete' for " + resource(queue));
    }
    if (flags.exclusive) {
      return make_error(ReplyCode::kPreconditionFailed, "invalid property 'exclusive-owner' for " + resource(queue));
    }
    if (!flags.durable) {
      return make_error(ReplyCode::kPreconditionFailed, "invalid property 'non-durable' for " + resource(queue));
    }
  }
  return ok_status();
}

}  // namespace

Result<QueueArguments> parse_queue_arguments(const FieldTable& arguments, std::string_view queue,
                                             const QueueFlags& flags) {
  if (auto refused = refuse_for_type(arguments, queue); !refused) return refused.error();
  QueueArguments out;
  for (const auto& [key, value] : arguments) {
    if (auto applied = apply_argument(key, value, queue, out); !applied) return applied.error();
  }
  if (out.dead_letter_routing_key && !out.dead_letter_exchange) {
    return invalid_arg("x-dead-letter-routing-key", queue, "routing_key_but_no_dlx_defined");
  }
  if (auto checked = check_flags(out, queue, flags); !checked) return checked.error();
  return out;
}

}  // namespace brokersim::broker
