#include "broker/router.h"

#include <algorithm>

#include "broker/queue.h"

namespace brokersim::broker {

// Inline, and a plain loop: most walks reach one queue or a few, and this runs per binding.
inline bool Router::visited(const Exchange* exchange) const {
  for (const Exchange* seen : worklist_) {
    if (seen == exchange) return true;
  }
  return false;
}

inline void Router::reach(Queue* queue, RouteResult& result) {
  std::vector<Queue*>& queues = result.queues;
  if (queues.size() < kScanQueuesUpTo) {
    // One bit of 64 per queue reached (a multiplicative hash of its address): a clear bit
    // proves the queue new, so a fanout to distinct queues never scans. Addresses differ from
    // run to run, but they only decide whether to scan, never what the walk reaches.
    const std::uint64_t bit = std::uint64_t{1} << ((reinterpret_cast<std::uintptr_t>(queue) * 0x9E3779B97F4A7C15ULL) >> 58);
    const bool maybe_seen = (reached_bits_ & bit) != 0;
    reached_bits_ |= bit;
    if (maybe_seen) {
      for (const Queue* seen : queues) {
        if (seen == queue) return;
      }
    }
  } else {
    if (reached_.empty()) reached_.insert(queues.begin(), queues.end());
    if (!reached_.insert(queue).second) return;
  }
  queues.push_back(queue);
}

void Router::route(Exchange& start, const RoutingInput& input, RouteResult& result) {
  result.queues.clear();
  worklist_.clear();
  visits_.clear();
  matched_.clear();
  reached_bits_ = 0;
  if (!reached_.empty()) reached_.clear();
  worklist_.push_back(&start);

  for (std::size_t next = 0; next < worklist_.size(); ++next) {
    Exchange& exchange = *worklist_[next];
    const std::size_t first = matched_.size();
    exchange.route(input, matched_);
    Visit& visit = visits_.emplace_back(Visit{&exchange, first, matched_.size() - first, nullptr, false});

    if (visit.match_count == 0) {
      if (const std::string* alternate_name = exchange.alternate_exchange()) {
        Exchange* alternate = lookup_(*alternate_name);
        visit.alternate = alternate_name;
        // A missing alternate exchange, or one already visited (a cycle), routes nothing.
        visit.alternate_taken = alternate && !visited(alternate);
        if (visit.alternate_taken) worklist_.push_back(alternate);
      }
      continue;
    }
    for (std::size_t i = first; i < matched_.size(); ++i) {
      const Binding* binding = matched_[i];
      if (binding->to_exchange) {
        Exchange* destination = binding->destination_exchange;
        if (!visited(destination)) worklist_.push_back(destination);
      } else {
        reach(binding->queue, result);
      }
    }
  }
  result.explanation = explanation_of_walk();
}

std::size_t Router::PathHash::operator()(const std::vector<std::uint64_t>& path) const {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::uint64_t v : path) h = (h ^ v) * 0x100000001b3ULL + (h >> 29);
  return static_cast<std::size_t>(h);
}

trace::SharedRouteExplanation Router::explanation_of_walk() {
  // A stamp names an exchange and its bindings exactly (exchange names, binding keys and
  // arguments never change in place), and binding ids are never reused.
  path_.clear();
  for (const Visit& v : visits_) {
    path_.push_back(v.exchange->stamp());
    path_.push_back(v.match_count);
    for (std::size_t i = 0; i < v.match_count; ++i) path_.push_back(matched_[v.first_match + i]->id);
    if (v.alternate) path_.push_back(v.alternate_taken);
  }
  if (auto it = explained_.find(path_); it != explained_.end()) return it->second;

  auto explanation = std::make_shared<trace::RouteExplanation>();
  for (const Visit& v : visits_) explain(v, *explanation);
  if (explained_.size() >= kMaxExplainedPaths) explained_.clear();
  explained_.emplace(path_, explanation);
  return explanation;
}

void Router::explain(const Visit& visit, trace::RouteExplanation& out) const {
  const Exchange& exchange = *visit.exchange;
  const std::span<const Binding* const> matched(matched_.data() + visit.first_match, visit.match_count);
  auto add = [&](const Binding& b, bool hit) {
    trace::RouteStep& step = out.steps.emplace_back();
    step.source = exchange.name();
    step.destination = b.destination;
    step.to_exchange = b.to_exchange;
    step.matched = hit;
    step.binding_key = b.key;
    if (!b.arguments.empty()) step.arguments = to_display(b.arguments);
  };
  const auto& all = exchange.bindings();
  if (exchange.name().empty()) {
    // The default exchange's implicit bindings (one per queue) are not worth listing or counting.
    for (const Binding* b : matched) add(*b, true);
  } else if (all.size() <= list_unmatched_up_to_) {
    std::size_t m = 0;  // `matched` is in creation order, as is `all`
    for (const auto& b : all) {
      const bool hit = m < matched.size() && matched[m] == b.get();
      if (hit) ++m;
      add(*b, hit);
    }
  } else {
    for (const Binding* b : matched) add(*b, true);
    out.steps_omitted += all.size() - matched.size();
  }
  if (visit.alternate) {
    trace::RouteStep& step = out.steps.emplace_back();
    step.source = exchange.name();
    step.destination = *visit.alternate;
    step.to_exchange = true;
    step.alternate = true;
    step.matched = visit.alternate_taken;
  }
}

}  // namespace brokersim::broker
