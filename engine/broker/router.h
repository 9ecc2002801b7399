#pragma once
// The walk through the exchange graph, done once for every exchange type (LavinMQ and
// RabbitMQ put it in the exchange base the same way):
//   - start at the published-to exchange; follow exchange-to-exchange bindings breadth first;
//   - an exchange whose own bindings matched nothing hands the message to its alternate
//     exchange, if it has one;
//   - each exchange is visited at most once per publish, so cycles end;
//   - each queue receives one copy, however many paths lead to it.
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "broker/exchange.h"
#include "trace/event.h"

namespace brokersim::broker {

class Queue;

struct RouteResult {
  std::vector<Queue*> queues;             // in the order first reached
  std::vector<trace::RouteStep> steps;    // every binding tried (see explain limit)
  std::uint64_t steps_omitted = 0;        // non-matching bindings of large exchanges, not listed
};

class Router {
 public:
  using ExchangeLookup = std::function<Exchange*(std::string_view)>;
  // Exchanges with more bindings than this list only their matches in the explanation, so a
  // 10,000-binding topic exchange stays fast; the rest are counted.
  static constexpr std::size_t kListUnmatchedUpTo = 16;

  explicit Router(ExchangeLookup lookup, std::size_t list_unmatched_up_to = kListUnmatchedUpTo)
      : lookup_(std::move(lookup)), list_unmatched_up_to_(list_unmatched_up_to) {}

  // `visit_id` must be unique per call (the message id): it marks exchanges and queues seen.
  void route(Exchange& start, const RoutingInput& input, std::uint64_t visit_id, RouteResult& result);

 private:
  void explain(const Exchange& exchange, RouteResult& result);

  ExchangeLookup lookup_;
  std::size_t list_unmatched_up_to_;
  std::vector<Exchange*> worklist_;
  std::vector<const Binding*> matched_;
};

}  // namespace brokersim::broker
