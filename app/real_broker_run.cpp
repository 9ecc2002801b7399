#include "real_broker_run.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "scenario/expectations.h"
#include "broker/reserved_names.h"

namespace brokersim::app {
namespace {

using scenario::Scenario;

void add_unique(std::vector<std::string>& names, const std::string& name) {
  if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

// Every duration the broker itself enforces (queue TTL, x-expires, a message's expiration),
// in microseconds: on a real broker these race the actors, so they must not get too short.
std::vector<sim::TimeUs> broker_timers_of(const Scenario& s) {
  std::vector<sim::TimeUs> out;
  auto queue_timers = [&](const scenario::QueueSpec& q) {
    for (const char* name : {"x-message-ttl", "x-expires"}) {
      const broker::FieldValue* v = broker::find_field(q.arguments, name);
      if (v && v->as_integer()) out.push_back(*v->as_integer() * sim::kMicrosPerMilli);
    }
  };
  for (const auto& q : s.queues) queue_timers(q);
  for (const auto& c : s.consumers) {
    if (c.own_queue) queue_timers(*c.own_queue);
  }
  for (const auto& t : s.timeline) {
    if (t.kind == scenario::TimelineEvent::Kind::kDeclareQueue) queue_timers(t.queue);
  }
  for (const auto& p : s.producers) {
    for (const auto& m : p.messages) {
      if (m.properties.expiration) out.push_back(std::atoll(m.properties.expiration->c_str()) * sim::kMicrosPerMilli);
    }
  }
  for (const auto& r : s.rpc_clients) {
    if (r.expiration_us) out.push_back(*r.expiration_us);
  }
  std::erase_if(out, [](sim::TimeUs d) { return d <= 0; });
  return out;
}

// A client's view of one expectation: actors count for themselves, and a queue's depth,
// deliveries and acks show on the wire; the broker's internal counters do not.
std::optional<std::int64_t> wire_value(const scenario::Expectation& e, std::size_t index, const scenario::Runner& runner,
                                       const scenario::RunSide& side) {
  using Subject = scenario::Expectation::Subject;
  if (e.subject == Subject::kConsumer) {
    if (e.at_us) {
      const auto it = runner.snapshots().find(index);
      return it == runner.snapshots().end() ? std::nullopt : std::optional<std::int64_t>(it->second);
    }
    for (const auto& [name, stats] : side.actors) {
      if (name == e.name) return scenario::actor_metric(e.metric, stats);
    }
    return std::nullopt;
  }
  if (e.subject != Subject::kQueue || e.at_us) return std::nullopt;
  if (e.metric == "depth") {
    const auto it = side.queues_at_end.find(e.name);
    if (it == side.queues_at_end.end()) return std::nullopt;
    return it->second ? static_cast<std::int64_t>(it->second->message_count) : 0;
  }
  const auto seen = side.seen.queues.find(e.name);
  const scenario::QueueSeen none;
  const scenario::QueueSeen& q = seen == side.seen.queues.end() ? none : seen->second;
  if (e.metric == "delivered") return static_cast<std::int64_t>(q.delivered);
  if (e.metric == "acked") return static_cast<std::int64_t>(q.acked);
  return std::nullopt;
}

// An error as the table compares it: who met it, RabbitMQ's code and text.
std::string error_text(const std::string& who, broker::ReplyCode code, const std::string& text) {
  return who + ": " + std::to_string(static_cast<int>(code)) + " " + text;
}

}  // namespace

FixedNames fixed_names_of(const Scenario& s) {
  FixedNames names;
  auto exchange = [&](const std::string& name) {
    if (!broker::is_reserved_name(name)) add_unique(names.exchanges, name);
  };
  for (const auto& x : s.exchanges) exchange(x.name);
  for (const auto& q : s.queues) add_unique(names.queues, q.name);
  for (const auto& c : s.consumers) {
    if (c.own_queue) add_unique(names.queues, c.own_queue->name);
  }
  for (const auto& t : s.timeline) {
    if (t.kind == scenario::TimelineEvent::Kind::kDeclareQueue) add_unique(names.queues, t.queue.name);
    if (t.kind == scenario::TimelineEvent::Kind::kDeclareExchange) exchange(t.exchange_spec.name);
  }
  return names;
}

double default_speed(const Scenario& s) {
  const auto timers = broker_timers_of(s);
  // With no timer to race, a run takes about 4 s; never slower than the scenario's own time,
  // and at most 10 times faster, so the real network's fraction of a millisecond stays a few
  // milliseconds of the scenario's time.
  const double speed = timers.empty() ? static_cast<double>(s.duration_us) / 4e6
                                      : static_cast<double>(*std::min_element(timers.begin(), timers.end())) / 20000.0;
  return std::clamp(speed, 1.0, 10.0);
}

scenario::RunSide measure_side(const Scenario& s, scenario::Runner& runner, scenario::Observations seen,
                               bool broker_counters_visible) {
  scenario::RunSide side;
  side.seen = std::move(seen);
  side.actors = runner.consumer_stats();
  for (auto& p : runner.producer_stats()) side.actors.push_back(std::move(p));
  for (const auto& e : runner.errors()) {
    side.errors.push_back(error_text(e.who, e.code, e.text));
  }
  scenario::BrokerClient& client = runner.client();
  broker::ChannelKey key{client.open_connection("verify", nullptr, trace::ConnectionRole::kScenario), 1};
  for (const std::string& queue : fixed_names_of(s).queues) {
    if (!client.channel_is_open(key)) (void)client.channel_open(key);
    auto declared = client.queue_declare(key, {.name = queue, .passive = true});
    side.queues_at_end[queue] = declared.ok() ? std::optional(declared.value()) : std::nullopt;
  }
  client.close_connection(key.connection, broker::ReplyCode::kSuccess, "measured");
  const auto checked = scenario::check_expectations(s, runner);
  for (std::size_t i = 0; i < s.expectations.size(); ++i) {
    auto value = wire_value(s.expectations[i], i, runner, side);
    if (!value && broker_counters_visible) value = checked[i].actual;
    side.expectations.push_back(value);
  }
  return side;
}

RealBrokerRun::RealBrokerRun(const Scenario& scenario, RealRunOptions options)
    : scenario_(scenario), options_(std::move(options)) {
  client_ = std::make_unique<net::AmqpBrokerClient>(
      net::AmqpBrokerClient::Options{options_.urls, options_.speed, std::chrono::milliseconds(5000), options_.restart_command});
}

RealBrokerRun::~RealBrokerRun() = default;

broker::ChannelKey RealBrokerRun::admin() {
  if (!client_->connection_open(admin_.connection)) admin_ = {client_->open_connection("brokersim verify", nullptr, trace::ConnectionRole::kScenario), 1};
  if (!client_->channel_is_open(admin_)) (void)client_->channel_open(admin_);
  return admin_;
}

std::optional<std::string> RealBrokerRun::prepare() {
  (void)admin();
  if (client_->lost()) return client_->lost();
  const FixedNames names = fixed_names_of(scenario_);
  for (const std::string& queue : names.queues) {
    if (client_->queue_declare(admin(), {.name = queue, .passive = true}).ok()) {
      return "queue '" + queue + "' already exists on the broker; this scenario declares it, and brokersim will not touch "
             "what is not its own (delete it, or point --against at another vhost)";
    }
  }
  for (const std::string& exchange : names.exchanges) {
    if (client_->exchange_declare(admin(), {.name = exchange, .passive = true}).ok()) {
      return "exchange '" + exchange + "' already exists on the broker; this scenario declares it, and brokersim will not "
             "touch what is not its own (delete it, or point --against at another vhost)";
    }
  }
  if (client_->lost()) return client_->lost();
  scenario::RunOptions run;
  run.seed = options_.seed;
  run.client = client_.get();
  run.pacer = client_.get();
  run.observations = &seen_;
  if (options_.progress) run.progress = [this](sim::TimeUs now_us, std::uint64_t) { options_.progress(now_us); };
  runner_ = std::make_unique<scenario::Runner>(scenario_, std::move(run));
  prepared_ = true;
  return client_->lost();
}

void RealBrokerRun::run() {
  if (!prepared_) return;
  runner_->run();
  if (options_.progress && !client_->lost()) options_.progress(runner_->end_us());
}

scenario::RunSide RealBrokerRun::measure() {
  scenario::RunSide side = measure_side(scenario_, *runner_, seen_, false);
  for (const auto& e : client_->async_errors()) {
    side.errors.push_back(error_text(e.who, e.error.code, e.error.text));
  }
  return side;
}

void RealBrokerRun::clean_up() {
  if (!options_.keep && !client_->lost() && prepared_) {
    const FixedNames names = fixed_names_of(scenario_);
    for (const std::string& queue : names.queues) (void)client_->queue_delete(admin(), queue);
    for (const std::string& exchange : names.exchanges) (void)client_->exchange_delete(admin(), exchange);
  }
  client_->close_all();
}

}  // namespace brokersim::app
