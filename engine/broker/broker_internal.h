#pragma once
// Shared by the files that implement the Broker (one per concept: declarations, publishing,
// delivery, queue lifecycle, streams, direct reply-to, transactions). Not part of the API.
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "broker/broker.h"

namespace brokersim::broker::internal {


inline std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }
inline std::string queue_resource(std::string_view name) { return "queue " + quoted(name) + " in vhost '/'"; }
inline std::string exchange_resource(std::string_view name) { return "exchange " + quoted(name) + " in vhost '/'"; }

inline Error queue_not_found(std::string_view name) {
  return make_error(ReplyCode::kNotFound, "no " + queue_resource(name));
}
inline Error exchange_not_found(std::string_view name) {
  return make_error(ReplyCode::kNotFound, "no " + exchange_resource(name));
}
inline Error default_exchange_refused() {
  return make_error(ReplyCode::kAccessRefused, "operation not permitted on the default exchange");
}

// Queue arguments RabbitMQ compares on redeclare; others (x-foo) may differ freely.
inline constexpr std::string_view kEquivalenceQueueArgs[] = {
    "x-expires",        "x-message-ttl",  "x-dead-letter-exchange", "x-dead-letter-routing-key",
    "x-max-length",     "x-max-length-bytes", "x-max-in-memory-length", "x-max-in-memory-bytes",
    "x-max-priority",   "x-overflow",     "x-queue-mode",           "x-single-active-consumer",
    "x-queue-type",     "x-quorum-initial-group-size", "x-max-age", "x-stream-max-segment-size-bytes",
    "x-initial-cluster-size", "x-queue-leader-locator", "x-delivery-limit"};

// RabbitMQ treats all integer widths as one type class when comparing arguments.
inline bool equivalent_argument(const FieldValue* a, const FieldValue* b) {
  if (!a || !b) return a == b;
  auto ia = a->as_integer(), ib = b->as_integer();
  if (ia && ib) return *ia == *ib;
  return *a == *b;
}

// RabbitMQ shows bare values when both sides have one, and adds the type when one is missing.
inline std::string describe_argument(const FieldValue* value, bool both_present) {
  if (!value) return "none";
  const std::string shown = value->as_string() ? *value->as_string() : to_display(*value);
  if (both_present) return "'" + shown + "'";
  return "the value '" + shown + "' of type '" + std::string(value->type_name()) + "'";
}

inline std::optional<Error> check_arguments_equivalent(const FieldTable& current, const FieldTable& requested,
                                                std::string_view resource, std::span<const std::string_view> keys) {
  for (std::string_view key : keys) {
    const FieldValue* have = find_field(current, key);
    const FieldValue* want = find_field(requested, key);
    if (!equivalent_argument(have, want)) {
      return make_error(ReplyCode::kPreconditionFailed, "inequivalent arg '" + std::string(key) + "' for " +
                                                            std::string(resource) + ": received " +
                                                            describe_argument(want, have && want) +
                                                            " but current is " + describe_argument(have, have && want));
    }
  }
  return std::nullopt;
}

inline std::optional<Error> check_flag_equivalent(bool current, bool requested, std::string_view field,
                                           std::string_view resource) {
  if (current == requested) return std::nullopt;
  auto text = [](bool b) { return std::string(b ? "'true'" : "'false'"); };
  return make_error(ReplyCode::kPreconditionFailed, "inequivalent arg '" + std::string(field) + "' for " +
                                                        std::string(resource) + ": received " + text(requested) +
                                                        " but current is " + text(current));
}

inline std::string flags_summary(std::initializer_list<std::pair<bool, std::string_view>> flags) {
  std::string out;
  for (auto [on, name] : flags) {
    if (!on) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// CC and BCC headers add routing keys; they must be arrays of long strings.
inline std::optional<Error> collect_routing_keys(const Publish& publish, std::vector<std::string_view>& keys) {
  keys.clear();
  keys.push_back(publish.routing_key);
  const auto& headers = publish.properties.headers;
  if (!headers) return std::nullopt;
  for (std::string_view header : {"CC", "BCC"}) {
    const FieldValue* value = find_field(*headers, header);
    if (!value) continue;
    const FieldArray* array = value->as_array();
    if (!array) {
      return make_error(ReplyCode::kPreconditionFailed,
                        "invalid message: {unacceptable_type_in_header,\"" + std::string(header) + "\"," +
                            std::string(value->type_name()) + "}");
    }
    for (const FieldValue& entry : *array) {
      if (const std::string* key = entry.as_string()) keys.push_back(*key);
    }
  }
  return std::nullopt;
}


inline std::uint64_t channel_index_key(ChannelKey key) { return (key.connection << 16) | key.channel; }

}  // namespace brokersim::broker::internal

namespace brokersim::broker {

struct Broker::Outgoing {
  std::uint64_t channel_serial = 0;  // a reopened channel with the same number must not get it
  std::variant<Delivery, Return, Confirm, std::string /*cancelled consumer tag*/> what;
};

// Applies a command to a queue and carries out all that follows. A command of a known type
// goes to the queue without the variant: the hot path (publish, deliver, ack) stays cheap.
// Inline, so that the commonest Dispatch of all (after an ack, to a queue with nothing ready)
// costs no call.
template <typename C>
inline void Broker::run(Queue& queue, C&& command) {
  using Kind = std::remove_cvref_t<C>;
  if constexpr (std::is_same_v<Kind, command::Dispatch> || std::is_same_v<Kind, command::Tick>) {
    if (queue.idle()) return;
  }
  apply_and_carry_out(queue, std::forward<C>(command));
}

template <typename C>
void Broker::apply_and_carry_out(Queue& queue, C&& command) {
  if constexpr (std::is_same_v<std::remove_cvref_t<C>, command::Enqueue>) count_enqueue(queue);
  Effects& effects = effects_scratch_;  // run is never nested: carry_out does not call it
  effects.clear();
  queue.apply(scheduler_.now_us(), std::forward<C>(command), effects);
  if (effects.empty()) return;
  // One delivery or one ack leads to nothing more: no need for the loop.
  if (effects.size() == 1 && (std::holds_alternative<effect::Deliver>(effects.front()) ||
                              std::holds_alternative<effect::Acked>(effects.front()))) {
    return carry_out_effect(queue, effects.front());
  }
  carry_out(queue, effects);
}

// Entered by every public method. When the outermost one ends, pending pushes are handed to
// listeners; a listener that calls back into the broker just queues more.
class Broker::OperationScope {
 public:
  explicit OperationScope(Broker& broker) : broker_(broker) { ++broker_.operation_depth_; }
  ~OperationScope() {
    if (--broker_.operation_depth_ != 0) return;
    broker_.flush_outbox();
    if (broker_.check_invariants_always_) broker_.check_invariants();
  }

 private:
  Broker& broker_;
};

}  // namespace brokersim::broker
