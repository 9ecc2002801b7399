#include "scenario/verification.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "scenario/expectations.h"

namespace brokersim::scenario {
namespace {

using Counts = std::map<std::string, std::uint64_t>;

class Table {
 public:
  Table(const Scenario& scenario, std::vector<VerifyRow>& rows) : scenario_(scenario), rows_(rows) {}

  // A number: equal, or within the scenario's tolerance when it calls the quantity timing-dependent.
  void number(std::string quantity, std::int64_t simulated, std::int64_t broker) {
    VerifyRow row{std::move(quantity), VerifyRow::Kind::kExact, std::to_string(simulated), std::to_string(broker), true, ""};
    std::int64_t within = 0;
    if (const VerifySpec::Timing* t = timing(row.quantity)) {
      row.kind = VerifyRow::Kind::kTiming;
      row.why = t->why;
      within = t->within;
    }
    row.agrees = std::llabs(simulated - broker) <= within;
    if (!row.agrees && row.kind == VerifyRow::Kind::kExact) row.why = "differs by " + std::to_string(broker - simulated);
    rows_.push_back(std::move(row));
  }

  // A multiset of texts (messages, x-death headers, returns, errors): equal, or the first
  // entry that is not.
  void multiset(std::string quantity, const Counts& simulated, const Counts& broker) {
    std::uint64_t sim_total = 0, broker_total = 0;
    for (const auto& [text, n] : simulated) sim_total += n;
    for (const auto& [text, n] : broker) broker_total += n;
    VerifyRow row{std::move(quantity), VerifyRow::Kind::kExact, std::to_string(sim_total), std::to_string(broker_total),
                  simulated == broker, ""};
    if (const VerifySpec::Timing* t = timing(row.quantity)) {
      row.kind = VerifyRow::Kind::kTiming;
      row.why = t->why;
      row.agrees = std::llabs(static_cast<std::int64_t>(sim_total) - static_cast<std::int64_t>(broker_total)) <= t->within;
    }
    if (simulated != broker && row.kind == VerifyRow::Kind::kExact) row.why = first_difference(simulated, broker);
    rows_.push_back(std::move(row));
  }

  void simulation_only(std::string quantity, std::int64_t simulated) {
    rows_.push_back({std::move(quantity), VerifyRow::Kind::kSimulationOnly, std::to_string(simulated), "-", true,
                     "a broker-internal counter: no client sees it"});
  }

 private:
  const VerifySpec::Timing* timing(const std::string& quantity) const {
    for (const auto& t : scenario_.verify.timing) {
      if (::fnmatch(t.quantity.c_str(), quantity.c_str(), 0) == 0) return &t;
    }
    return nullptr;
  }

  static std::string first_difference(const Counts& simulated, const Counts& broker) {
    std::set<std::string> keys;
    for (const auto& [text, n] : simulated) keys.insert(text);
    for (const auto& [text, n] : broker) keys.insert(text);
    for (const std::string& key : keys) {
      const auto s = simulated.count(key) ? simulated.at(key) : 0;
      const auto b = broker.count(key) ? broker.at(key) : 0;
      if (s != b) return "'" + key + "': " + std::to_string(s) + " simulated, " + std::to_string(b) + " on the broker";
    }
    return {};
  }

  const Scenario& scenario_;
  std::vector<VerifyRow>& rows_;
};

template <typename Map>
std::set<std::string> keys_of(const Map& a, const Map& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  return keys;
}

void compare_actors(Table& table, const RunSide& sim, const RunSide& real) {
  const ActorStats none;
  for (std::size_t i = 0; i < sim.actors.size(); ++i) {
    const auto& [name, s] = sim.actors[i];
    const ActorStats& r = i < real.actors.size() ? real.actors[i].second : none;
    for (std::string_view metric : consumer_metrics()) {
      const std::int64_t a = actor_metric(metric, s).value_or(0), b = actor_metric(metric, r).value_or(0);
      if (a != 0 || b != 0) table.number("actor " + name + " " + std::string(metric), a, b);
    }
  }
}

void compare_queues(Table& table, const RunSide& sim, const RunSide& real) {
  const QueueSeen none;
  for (const std::string& name : keys_of(sim.seen.queues, real.seen.queues)) {
    const auto s_it = sim.seen.queues.find(name), r_it = real.seen.queues.find(name);
    const QueueSeen& s = s_it == sim.seen.queues.end() ? none : s_it->second;
    const QueueSeen& r = r_it == real.seen.queues.end() ? none : r_it->second;
    const std::string q = "queue " + name + " ";
    table.multiset(q + "messages delivered", s.contents, r.contents);
    table.number(q + "redelivered", static_cast<std::int64_t>(s.redelivered), static_cast<std::int64_t>(r.redelivered));
    table.number(q + "acked", static_cast<std::int64_t>(s.acked), static_cast<std::int64_t>(r.acked));
    table.number(q + "nacked or rejected", static_cast<std::int64_t>(s.nacked), static_cast<std::int64_t>(r.nacked));
    if (!s.x_deaths.empty() || !r.x_deaths.empty()) table.multiset(q + "x-death as received", s.x_deaths, r.x_deaths);
    for (const std::string& actor : keys_of(s.by_actor, r.by_actor)) {
      const auto a = s.by_actor.count(actor) ? s.by_actor.at(actor) : 0, b = r.by_actor.count(actor) ? r.by_actor.at(actor) : 0;
      table.number(q + "delivered to " + actor, static_cast<std::int64_t>(a), static_cast<std::int64_t>(b));
    }
  }
  for (const auto& [name, s] : sim.queues_at_end) {
    const auto it = real.queues_at_end.find(name);
    const auto& r = it == real.queues_at_end.end() ? std::optional<broker::QueueDeclareOk>() : it->second;
    table.number("queue " + name + " exists at the end", s.has_value(), r.has_value());
    if (!s || !r) continue;
    table.number("queue " + name + " depth at the end", s->message_count, r->message_count);
    table.number("queue " + name + " consumers at the end", s->consumer_count, r->consumer_count);
  }
}

Counts counts_of(const std::vector<std::string>& texts) {
  Counts out;
  for (const auto& t : texts) ++out[t];
  return out;
}

std::string expectation_name(const Expectation& e) {
  static constexpr const char* kSubjects[] = {"queue", "consumer", "exchange", "broker"};
  std::string out = "expect " + std::string(kSubjects[static_cast<int>(e.subject)]);
  if (!e.name.empty()) out += " " + e.name;
  out += " " + e.metric;
  if (e.at_us) out += " at " + std::to_string(*e.at_us / 1000) + "ms";
  return out + " = " + std::to_string(e.value);
}

}  // namespace

std::vector<VerifyRow> compare_runs(const Scenario& scenario, const RunSide& sim, const RunSide& real) {
  std::vector<VerifyRow> rows;
  Table table(scenario, rows);
  compare_actors(table, sim, real);
  compare_queues(table, sim, real);
  table.multiset("returns", sim.seen.returns, real.seen.returns);
  table.multiset("channel and connection errors", counts_of(sim.errors), counts_of(real.errors));
  for (std::size_t i = 0; i < scenario.expectations.size(); ++i) {
    const auto s = i < sim.expectations.size() ? sim.expectations[i] : std::nullopt;
    const auto r = i < real.expectations.size() ? real.expectations[i] : std::nullopt;
    const std::string name = expectation_name(scenario.expectations[i]);
    if (r) {
      table.number(name, s.value_or(0), *r);
    } else {
      table.simulation_only(name, s.value_or(0));
    }
  }
  return rows;
}

std::size_t differences(const std::vector<VerifyRow>& rows) {
  return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [](const VerifyRow& r) { return !r.agrees; }));
}

}  // namespace brokersim::scenario
