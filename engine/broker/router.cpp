#include "broker/router.h"

#include <algorithm>

#include "broker/queue.h"

namespace brokersim::broker {

void Router::route(Exchange& start, const RoutingInput& input, std::uint64_t visit_id, RouteResult& result) {
  result.queues.clear();
  result.steps.clear();
  result.steps_omitted = 0;
  worklist_.clear();
  worklist_.push_back(&start);
  start.last_visit = visit_id;

  for (std::size_t next = 0; next < worklist_.size(); ++next) {
    Exchange& exchange = *worklist_[next];
    matched_.clear();
    exchange.route(input, matched_);
    explain(exchange, result);

    if (matched_.empty()) {
      if (const std::string* alternate_name = exchange.alternate_exchange()) {
        Exchange* alternate = lookup_(*alternate_name);
        trace::RouteStep step;
        step.source = exchange.name();
        step.destination = *alternate_name;
        step.to_exchange = true;
        step.alternate = true;
        // A missing alternate exchange, or one already visited (a cycle), routes nothing.
        step.matched = alternate && alternate->last_visit != visit_id;
        result.steps.push_back(std::move(step));
        if (alternate && alternate->last_visit != visit_id) {
          alternate->last_visit = visit_id;
          worklist_.push_back(alternate);
        }
      }
      continue;
    }
    for (const Binding* binding : matched_) {
      if (binding->to_exchange) {
        Exchange* destination = binding->destination_exchange;
        if (destination->last_visit != visit_id) {
          destination->last_visit = visit_id;
          worklist_.push_back(destination);
        }
      } else if (binding->queue->last_routed_message != visit_id) {
        binding->queue->last_routed_message = visit_id;
        result.queues.push_back(binding->queue);
      }
    }
  }
}

void Router::explain(const Exchange& exchange, RouteResult& result) {
  // Built in place: a publish lists every binding it tried, so this runs several times per
  // message, and a temporary step would copy each name twice.
  auto add = [&](const Binding& b, bool matched) {
    trace::RouteStep& step = result.steps.emplace_back();
    step.source = exchange.name();
    step.destination = b.destination;
    step.to_exchange = b.to_exchange;
    step.matched = matched;
    step.binding_key = b.key;
    if (!b.arguments.empty()) step.arguments = to_display(b.arguments);
  };
  const auto& all = exchange.bindings();
  // The default exchange's implicit bindings (one per queue) are not worth listing or counting.
  if (exchange.name().empty()) {
    for (const Binding* b : matched_) add(*b, true);
    return;
  }
  if (all.size() <= list_unmatched_up_to_) {
    std::size_t m = 0;  // matched_ is in creation order, as is `all`
    for (const auto& b : all) {
      const bool hit = m < matched_.size() && matched_[m] == b.get();
      if (hit) ++m;
      add(*b, hit);
    }
    return;
  }
  for (const Binding* b : matched_) add(*b, true);
  result.steps_omitted += all.size() - matched_.size();
}

}  // namespace brokersim::broker
