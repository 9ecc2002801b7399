#pragma once
// Direct: a binding matches when its key equals a routing key. The default exchange is a direct
// exchange whose bindings (one per queue, by name) the broker keeps itself.
#include <string>
#include <vector>

#include "broker/exchange.h"
#include "broker/string_hash.h"

namespace brokersim::broker {

class DirectExchange final : public Exchange {
 public:
  DirectExchange(std::string name, ExchangeSettings settings)
      : Exchange(std::move(name), ExchangeType::kDirect, std::move(settings)) {}
  void route(const RoutingInput& input, std::vector<const Binding*>& matched) const override;

 protected:
  void on_bind(const Binding& binding) override;
  void on_unbind(const Binding& binding) override;

 private:
  // Looked up, never iterated, so its order cannot leak into results.
  StringMap<std::vector<const Binding*>> by_key_;
};

}  // namespace brokersim::broker
