#include "scenario/expectations.h"

#include <array>

namespace brokersim::scenario {
namespace {

constexpr std::array<std::string_view, 14> kQueueMetrics = {
    "depth",   "enqueued",        "delivered",     "acked",   "requeued",  "dead_lettered", "expired",
    "dropped", "max_depth",       "dead_lettered_rejected",   "dead_lettered_expired",   "dead_lettered_maxlen",
    "dead_lettered_delivery_limit", "rejected_on_publish"};
constexpr std::array<std::string_view, 17> kConsumerMetrics = {
    "received", "processed", "acked",    "nacked",   "requeued", "rejected",     "lost",              "published", "parked",
    "requests", "replies",   "timeouts", "resent",   "late_replies", "duplicate_replies", "confirmed", "returned"};
constexpr std::array<std::string_view, 4> kExchangeMetrics = {"published", "routed", "unroutable", "returned"};

std::int64_t as_value(std::uint64_t n) { return static_cast<std::int64_t>(n); }

std::optional<std::int64_t> queue_metric(std::string_view m, const broker::QueueCounters& c, std::uint64_t depth) {
  const std::uint64_t* by_reason = c.dead_lettered_by_reason;
  if (m == "depth") return as_value(depth);
  if (m == "enqueued") return as_value(c.enqueued);
  if (m == "delivered") return as_value(c.delivered);
  if (m == "acked") return as_value(c.acked);
  if (m == "requeued") return as_value(c.requeued);
  if (m == "dead_lettered") return as_value(c.dead_lettered);
  if (m == "expired") return as_value(c.expired);
  if (m == "dropped") return as_value(c.dropped);
  if (m == "max_depth") return as_value(c.max_depth);
  if (m == "rejected_on_publish") return as_value(c.rejected_on_publish);
  // In the order of broker::DeathReason.
  if (m == "dead_lettered_rejected") return as_value(by_reason[0]);
  if (m == "dead_lettered_expired") return as_value(by_reason[1]);
  if (m == "dead_lettered_maxlen") return as_value(by_reason[2]);
  if (m == "dead_lettered_delivery_limit") return as_value(by_reason[3]);
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> actor_metric(std::string_view m, const ActorStats& s) {
  if (m == "received") return as_value(s.received);
  if (m == "processed") return as_value(s.processed);
  if (m == "acked") return as_value(s.acked);
  if (m == "nacked") return as_value(s.nacked);
  if (m == "requeued") return as_value(s.requeued);
  if (m == "rejected") return as_value(s.rejected);
  if (m == "lost") return as_value(s.lost);
  if (m == "published") return as_value(s.published);
  if (m == "parked") return as_value(s.parked);
  if (m == "requests") return as_value(s.requests);
  if (m == "replies") return as_value(s.replies);
  if (m == "timeouts") return as_value(s.timeouts);
  if (m == "resent") return as_value(s.resent);
  if (m == "confirmed") return as_value(s.confirmed);
  if (m == "returned") return as_value(s.returned);
  if (m == "late_replies") return as_value(s.late_replies);
  if (m == "duplicate_replies") return as_value(s.duplicate_replies);
  return std::nullopt;
}

namespace {

std::optional<std::int64_t> exchange_metric(std::string_view m, const broker::Exchange& x) {
  if (m == "published") return as_value(x.published_count);
  if (m == "routed") return as_value(x.published_count - x.unroutable_count);
  if (m == "unroutable") return as_value(x.unroutable_count);
  if (m == "returned") return as_value(x.returned_count);
  return std::nullopt;
}

std::optional<std::int64_t> broker_metric(std::string_view m, const Runner& runner) {
  const auto& a = runner.broker().accounting();
  if (m == "nothing_lost") return runner.nothing_lost() ? 1 : 0;
  if (m == "published") return as_value(a.published);
  if (m == "unroutable") return as_value(a.unroutable);
  return std::nullopt;
}

}  // namespace

std::span<const std::string_view> queue_metrics() { return kQueueMetrics; }
std::span<const std::string_view> consumer_metrics() { return kConsumerMetrics; }
std::span<const std::string_view> exchange_metrics() { return kExchangeMetrics; }

std::optional<std::int64_t> measure(const Expectation& e, const Runner& runner) {
  const auto& b = runner.broker();
  switch (e.subject) {
    case Expectation::Subject::kBroker: return broker_metric(e.metric, runner);
    case Expectation::Subject::kQueue: {
      if (const broker::Queue* q = b.find_queue(e.name)) return queue_metric(e.metric, q->counters(), q->message_count());
      const auto deleted = runner.deleted_queues().find(e.name);
      if (deleted == runner.deleted_queues().end()) return std::nullopt;
      return queue_metric(e.metric, deleted->second.counters, 0);
    }
    case Expectation::Subject::kExchange: {
      const auto it = b.exchanges().find(e.name);
      if (it == b.exchanges().end()) return std::nullopt;
      return exchange_metric(e.metric, *it->second);
    }
    case Expectation::Subject::kConsumer:
      for (const auto& [name, stats] : runner.consumer_stats()) {
        if (name == e.name) return actor_metric(e.metric, stats);
      }
      for (const auto& [name, stats] : runner.producer_stats()) {
        if (name == e.name) return actor_metric(e.metric, stats);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

std::vector<ExpectationResult> check_expectations(const Scenario& scenario, const Runner& runner) {
  std::vector<ExpectationResult> results;
  for (std::size_t i = 0; i < scenario.expectations.size(); ++i) {
    const Expectation& e = scenario.expectations[i];
    std::int64_t actual = 0;
    if (e.at_us) {
      const auto it = runner.snapshots().find(i);
      actual = it == runner.snapshots().end() ? 0 : it->second;
    } else {
      actual = measure(e, runner).value_or(0);
    }
    results.push_back({&e, actual, actual == e.value});
  }
  return results;
}

ErrorCheck check_errors(const Scenario& scenario, const Runner& runner) {
  ErrorCheck out;
  std::vector<bool> used(scenario.expected_errors.size(), false);
  for (const RunError& error : runner.errors()) {
    bool declared = false;
    for (std::size_t i = 0; i < scenario.expected_errors.size() && !declared; ++i) {
      const ExpectedError& x = scenario.expected_errors[i];
      if (used[i] || x.code != static_cast<std::uint16_t>(error.code)) continue;
      if (x.at_us && *x.at_us != error.time_us) continue;
      if (!x.actor.empty() && x.actor != error.who) continue;
      used[i] = declared = true;
    }
    if (!declared) out.undeclared.push_back(&error);
  }
  for (std::size_t i = 0; i < used.size(); ++i) {
    if (!used[i]) out.never_happened.push_back(&scenario.expected_errors[i]);
  }
  return out;
}

}  // namespace brokersim::scenario
