#pragma once
// Fanout: every binding matches; keys and headers are ignored.
#include "broker/exchange.h"

namespace brokersim::broker {

class FanoutExchange final : public Exchange {
 public:
  FanoutExchange(std::string name, ExchangeSettings settings)
      : Exchange(std::move(name), ExchangeType::kFanout, std::move(settings)) {}
  void route(const RoutingInput&, std::vector<const Binding*>& matched) const override {
    for (const auto& b : bindings()) matched.push_back(b.get());
  }

 protected:
  void on_bind(const Binding&) override {}
  void on_unbind(const Binding&) override {}
};

}  // namespace brokersim::broker
