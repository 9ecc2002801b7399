// Broker: stream queues, read from an offset with credit.
#include "broker/broker_internal.h"

#include <algorithm>
#include <cassert>

namespace brokersim::broker {

using namespace internal;

// =====================================================================================
// [SECTION] streams: an append-only log that consumers read from an offset
// =====================================================================================

Result<std::uint64_t> Broker::stream_start_offset(const Queue& stream, const FieldValue* requested) const {
  const std::uint64_t end = stream.stream_log().size();
  if (!requested) return end;  // RabbitMQ's default is "next": only what arrives from now on
  auto first_at_or_after = [&](sim::TimeUs t) -> std::uint64_t {
    const auto& log = stream.stream_log();
    for (std::uint64_t i = 0; i < log.size(); ++i)
      if (log[i]->published_us() >= t) return i;
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
      const std::string digits = text->substr(0, text->size() - 1);
      const auto amount = parse_expiration(digits);
      const std::int64_t seconds_per = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'D' ? 86400 : 0;
      if (amount && seconds_per) {
        return first_at_or_after(scheduler_.now_us() - *amount * seconds_per * sim::kMicrosPerSecond);
      }
    }
  }
  return make_error(ReplyCode::kPreconditionFailed, "invalid arg 'x-stream-offset' for " + queue_resource(stream.name()) +
                                                        ": {invalid_stream_offset_arg," + to_display(*requested) + "}");
}

void Broker::dispatch_stream(Queue& stream) {
  // Every consumer reads every message, each from its own offset, as its credit allows.
  const auto& log = stream.stream_log();
  for (Consumer* consumer : stream.consumers()) {
    while (consumer->stream_offset < log.size() && can_take(*consumer)) {
      const std::uint64_t offset = consumer->stream_offset++;
      BasicProperties properties = log[offset]->properties();
      if (!properties.headers) properties.headers.emplace();
      set_field(*properties.headers, "x-stream-offset", FieldValue(static_cast<std::int64_t>(offset)));
      QueuedMessage entry;
      entry.message = log[offset]->with_properties(std::move(properties), log[offset]->returns());
      entry.position = offset;
      deliver(*consumer, std::move(entry));
    }
  }
}

}  // namespace brokersim::broker

