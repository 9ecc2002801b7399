#pragma once
// Turning a scenario's message template into a publish: "${seq}", "${producer}", "${body}" and
// "${correlation_id}" are filled in per message.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "broker/broker.h"
#include "scenario/scenario.h"

namespace brokersim::scenario {

// A "${name}" in a message template and what it stands for.
struct Variable {
  std::string_view name;
  std::string_view value;
};

// Replaces every "${name}" in `text` that names one of `variables`, in a single pass: a
// replacement's own text is not searched again, and unknown names stay as they are. Writes
// into `out`, reusing its buffer.
void expand(std::string& out, std::string_view text, std::initializer_list<Variable> variables);

// Makes `p` the publish a template describes, overwriting every field. `handled` is the
// message a service is answering, if any: its body and correlation id are what "${body}" and
// "${correlation_id}" stand for. Actors keep one Publish and refill it, so the strings of
// the last message are reused rather than allocated again for each one.
void fill_publish(broker::Publish& p, const std::string& exchange, const MessageTemplate& t, std::uint64_t seq,
                  const std::string& producer, const broker::Message* handled = nullptr);

}  // namespace brokersim::scenario
