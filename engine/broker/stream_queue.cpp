#include "broker/stream_queue.h"

#include "broker/consumer.h"
#include "broker/expiration.h"

namespace brokersim::broker {

Result<std::uint64_t> StreamQueue::start_offset(sim::TimeUs now, const FieldValue* requested) const {
  const std::uint64_t end = log_.size();
  if (!requested) return end;  // RabbitMQ's default is "next": only what arrives from now on
  auto first_at_or_after = [&](sim::TimeUs t) -> std::uint64_t {
    for (std::uint64_t i = 0; i < log_.size(); ++i)
      if (log_[i]->published_us() >= t) return i;
    return end;
  };
  if (auto number = requested->as_integer()) return *number < 0 ? 0 : static_cast<std::uint64_t>(*number);
  if (auto ts = std::get_if<Timestamp>(&requested->value)) {
    return first_at_or_after(static_cast<sim::TimeUs>(ts->seconds) * sim::kMicrosPerSecond);
  }
  if (const std::string* text = requested->as_string()) {
    if (*text == "first") return std::uint64_t{0};
    if (*text == "last") return end == 0 ? 0 : end - 1;  // each publish is its own chunk here
    if (*text == "next") return end;
    // An interval back from now: "30s", "10m", "1h", "2D".
    if (text->size() >= 2) {
      const char unit = text->back();
      const auto amount = parse_expiration_ms(std::string_view(*text).substr(0, text->size() - 1));
      const std::int64_t seconds_per = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'D' ? 86400 : 0;
      if (amount && seconds_per) return first_at_or_after(now - *amount * seconds_per * sim::kMicrosPerSecond);
    }
  }
  return make_error(ReplyCode::kPreconditionFailed, "invalid arg 'x-stream-offset' for queue '" + name() +
                                                        "' in vhost '/': {invalid_stream_offset_arg," +
                                                        to_display(*requested) + "}");
}

// Appended to the log, where it stays: consumers read it, acks do not remove it.
void StreamQueue::enqueue(sim::TimeUs /*now*/, MessageRef message, Effects& /*effects*/) {
  log_.push_back(std::move(message));
  ++counters_.enqueued;
}

// Every consumer reads every message, each from its own offset, as its credit allows.
void StreamQueue::dispatch(sim::TimeUs /*now*/, bool /*fresh_publish*/, Effects& effects) {
  for (Consumer* consumer : consumers()) {
    while (consumer->stream_offset < log_.size() && has_credit(*consumer)) deliver_next(*consumer, effects);
  }
}

// The consumer's next offset, with x-stream-offset set as RabbitMQ sets it.
void StreamQueue::deliver_next(Consumer& consumer, Effects& effects) {
  const std::uint64_t offset = consumer.stream_offset++;
  BasicProperties properties = log_[offset]->properties();
  if (!properties.headers) properties.headers.emplace();
  set_field(*properties.headers, "x-stream-offset", FieldValue(static_cast<std::int64_t>(offset)));
  QueuedMessage entry;
  entry.message = log_[offset]->with_properties(std::move(properties), log_[offset]->returns());
  entry.position = offset;
  spend_credit(consumer);
  effects.emplace_back(effect::Deliver{&consumer, std::move(entry)});
}


void StreamQueue::requeue(command::Settle&& /*settle*/, Effects& /*effects*/) {}  // a read needs no requeue

}  // namespace brokersim::broker
