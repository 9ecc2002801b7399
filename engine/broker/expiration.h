#pragma once
// A message's expiration property, read as RabbitMQ reads it.
#include <cstdint>
#include <optional>
#include <string_view>

namespace brokersim::broker {

// Milliseconds, as rabbit_basic:parse_expiration takes them: a decimal integer (string:to_integer,
// so "+5", "007" and "-0" pass), nothing after it, from 0 to 10 years. nullopt when invalid.
std::optional<std::int64_t> parse_expiration_ms(std::string_view text);

}  // namespace brokersim::broker
