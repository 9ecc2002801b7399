#pragma once
// Headers: a binding's arguments are matched against the message's headers.
//   x-match all (default): every argument must match; any: at least one.
//   all-with-x / any-with-x: arguments starting with "x-" take part too (x-match never does).
//   A void-typed argument matches when the header is present, whatever its value.
// So "all" with no plain arguments matches every message and "any" with none matches nothing.
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/exchange.h"

namespace brokersim::broker {

enum class HeadersMatch : std::uint8_t { kAll, kAny, kAllWithX, kAnyWithX };

// Checks x-match as RabbitMQ does at bind time; returns a 406 for a bad value or type.
std::optional<Error> validate_headers_binding(const FieldTable& arguments);
// Matches one binding's arguments against one message's headers (null = no headers).
bool headers_match(const FieldTable& arguments, const FieldTable* headers);

class HeadersExchange final : public Exchange {
 public:
  HeadersExchange(std::string name, ExchangeSettings settings)
      : Exchange(std::move(name), ExchangeType::kHeaders, std::move(settings)) {}
  std::optional<Error> validate_binding(const Binding& binding) const override;
  void route(const RoutingInput& input, std::vector<const Binding*>& matched) const override;

 protected:
  void on_bind(const Binding&) override {}
  void on_unbind(const Binding&) override {}
};

}  // namespace brokersim::broker
