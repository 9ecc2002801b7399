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
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker/exchange.h"
#include "trace/event.h"

namespace brokersim::broker {

class Queue;

struct RouteResult {
  std::vector<Queue*> queues;                // in the order first reached
  trace::SharedRouteExplanation explanation;  // every binding tried (see the listing limit)
};

class Router {
 public:
  using ExchangeLookup = std::function<Exchange*(std::string_view)>;
  // Exchanges with more bindings than this list only their matches in the explanation, so a
  // 10,000-binding topic exchange stays fast; the rest are counted.
  static constexpr std::size_t kListUnmatchedUpTo = 16;

  explicit Router(ExchangeLookup lookup, std::size_t list_unmatched_up_to = kListUnmatchedUpTo)
      : lookup_(std::move(lookup)), list_unmatched_up_to_(list_unmatched_up_to) {}

  void route(Exchange& start, const RoutingInput& input, RouteResult& result);

 private:
  // One exchange the walk reached: the bindings that matched (a slice of matched_), and the
  // alternate-exchange hop tried when none did.
  struct Visit {
    const Exchange* exchange;
    std::size_t first_match;
    std::size_t match_count;
    const std::string* alternate;  // the alternate exchange tried, if any
    bool alternate_taken;          // it exists and was not visited already
  };
  // The walk's own record of what it reached, so that routing leaves no marks on exchanges
  // and queues. A walk reaches few exchanges and, mostly, few queues: a filter and a scan are
  // cheapest, and a fanout to many queues switches to a set.
  static constexpr std::size_t kScanQueuesUpTo = 16;
  bool visited(const Exchange* exchange) const;
  void reach(Queue* queue, RouteResult& result);

  struct PathHash {
    std::size_t operator()(const std::vector<std::uint64_t>& path) const;
  };

  // The explanation of the walk just made. Every publish that takes the same path (the same
  // exchange stamps, matched bindings and alternate hops) is explained the same way, so each
  // path is explained once and then shared: a publish lists every binding it tried, and
  // building that list anew was most of the cost of routing.
  trace::SharedRouteExplanation explanation_of_walk();
  void explain(const Visit& visit, trace::RouteExplanation& out) const;

  // Paths seen since the last clear. Old stamps make stale entries unreachable, and the
  // cap bounds what they cost; explanations handed out stay alive with their holders.
  static constexpr std::size_t kMaxExplainedPaths = 4096;

  ExchangeLookup lookup_;
  std::size_t list_unmatched_up_to_;
  std::vector<Exchange*> worklist_;  // every exchange visited, in order
  std::uint64_t reached_bits_ = 0;             // a filter over the queues reached (see reach)
  std::unordered_set<const Queue*> reached_;  // once a walk reaches more than kScanQueuesUpTo
  std::vector<Visit> visits_;
  std::vector<const Binding*> matched_;
  std::vector<std::uint64_t> path_;
  std::unordered_map<std::vector<std::uint64_t>, trace::SharedRouteExplanation, PathHash> explained_;
};

}  // namespace brokersim::broker
