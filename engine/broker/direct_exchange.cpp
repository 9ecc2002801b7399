#include "broker/direct_exchange.h"

#include <algorithm>

namespace brokersim::broker {

void DirectExchange::on_bind(const Binding& binding) { by_key_[binding.key].push_back(&binding); }

void DirectExchange::on_unbind(const Binding& binding) {
  auto it = by_key_.find(binding.key);
  if (it == by_key_.end()) return;
  auto& list = it->second;
  list.erase(std::remove(list.begin(), list.end(), &binding), list.end());
  if (list.empty()) by_key_.erase(it);
}

void DirectExchange::route(const RoutingInput& input, std::vector<const Binding*>& matched) const {
  const std::size_t from = matched.size();
  for (std::string_view key : input.routing_keys) {
    auto it = by_key_.find(key);
    if (it != by_key_.end()) matched.insert(matched.end(), it->second.begin(), it->second.end());
  }
  // One key (the usual case) gives creation order already; CC keys may repeat a binding.
  if (input.routing_keys.size() > 1) sort_unique_by_id(matched, from);
}

}  // namespace brokersim::broker
