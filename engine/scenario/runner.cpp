#include "scenario/runner.h"

#include <algorithm>

#include "scenario/expectations.h"
#include "scenario/message_template.h"
#include "scenario/producer_actor.h"
#include "scenario/rpc_client_actor.h"
#include "scenario/topology.h"

namespace brokersim::scenario {

Runner::Runner(const Scenario& scenario, RunOptions options)
    : scenario_(scenario),
      options_(std::move(options)),
      seed_(options_.seed.value_or(scenario.seed)),
      end_us_(options_.until_us.value_or(scenario.duration_us)),
      scheduler_(clock_),
      rng_(seed_),
      tracer_(clock_) {
  tracer_.add_sink(this);
  for (trace::Sink* sink : options_.sinks) tracer_.add_sink(sink);
  broker_ = std::make_unique<broker::Broker>(scheduler_, rng_, tracer_);
  client_ = options_.client ? options_.client : &sim_client_.emplace(*broker_);
  if (options_.observations) client_ = &observer_.emplace(*client_, *options_.observations);
  context_.emplace(ActorContext{*client_, scheduler_, rng_, tracer_, scenario.latency, end_us_, errors_, meetings_, seed_});
  declare_topology();
  for (const auto& c : scenario_.consumers) {
    consumers_.push_back(std::make_unique<ConsumerActor>(context_for_actor(c.name), c, losses_));
  }
  for (const auto& p : scenario_.producers) producers_.push_back(std::make_unique<ProducerActor>(context_for_actor(p.name), p));
  for (const auto& c : scenario_.rpc_clients) {
    rpc_clients_.push_back(std::make_unique<RpcClientActor>(context_for_actor(c.name), c));
  }
  schedule_timeline();
  for (std::size_t i = 0; i < scenario_.expectations.size(); ++i) {
    if (scenario_.expectations[i].at_us) timed_expectations_.push_back(i);
  }
  std::stable_sort(timed_expectations_.begin(), timed_expectations_.end(), [&](std::size_t a, std::size_t b) {
    return *scenario_.expectations[a].at_us < *scenario_.expectations[b].at_us;
  });
}

Runner::~Runner() = default;

// Each actor draws from a stream of its own, seeded from the run's seed and its name: the
// order in which actors act (a real broker interleaves them a little differently, for
// `verify`), and adding or removing another actor in the GUI, change nothing it draws.
ActorContext& Runner::context_for_actor(const std::string& name) {
  sim::Rng& rng = actor_rngs_.emplace_back(sim::mix_seed(seed_, sim::hash_text(name)));
  ActorContext context = *context_;
  return actor_contexts_.emplace_back(ActorContext{context.client, context.scheduler, rng, context.tracer,
                                                   context.latency_distribution, context.end_us, context.errors,
                                                   context.meetings, context.run_seed});
}

// A deleted queue's counters are kept: the event comes before the broker forgets the queue.
void Runner::on_event(const trace::Event& e) {
  if (e.kind != trace::EventKind::kQueueDeleted) return;
  if (const broker::Queue* q = broker_->find_queue(e.queue)) {
    deleted_queues_[e.queue] = {e.queue, q->counters(), e.time_us};
  }
}

void Runner::declare_topology() {
  admin_ = {client_->open_connection("scenario topology", nullptr, trace::ConnectionRole::kScenario), 1};
  (void)client_->channel_open(admin_);
  // The loader checked all of this against a scratch broker; anything that still fails here
  // (it depends on the run) is the run's error.
  scenario::declare_topology(*client_, admin_, scenario_, [this](Position at, const broker::Error& e) {
    errors_.push_back({0, e.code, e.text, "topology", at});
  });
}

void Runner::schedule_timeline() {
  for (const auto& event : scenario_.timeline) {
    scheduler_.schedule_at(event.at_us, [this, &event] {
      // Timeline actions come from the operator's console, on a channel of its own.
      if (!client_->channel_is_open(admin_)) {
        if (!client_->connection_open(admin_.connection)) admin_.connection = client_->open_connection("timeline", nullptr, trace::ConnectionRole::kScenario);
        (void)client_->channel_open(admin_);
      }
      apply(event);
    });
  }
}

void Runner::apply(const TimelineEvent& event) {
  using K = TimelineEvent::Kind;
  auto& b = *client_;
  auto ok = [&](const auto& result) { context_->ok(result, "timeline", event.at); };
  switch (event.kind) {
    case K::kPublish: {
      broker::Publish publish;
      fill_publish(publish, event.exchange, event.message, 1, "timeline");
      publish.mandatory = event.mandatory;
      return ok(b.basic_publish(admin_, publish));
    }
    case K::kBind:
    case K::kUnbind: {
      const BindingSpec& x = event.binding;
      const bool bind = event.kind == K::kBind;
      if (x.to_exchange) {
        return ok(bind ? b.exchange_bind(admin_, x.destination, x.exchange, x.key, x.arguments)
                       : b.exchange_unbind(admin_, x.destination, x.exchange, x.key, x.arguments));
      }
      return ok(bind ? b.queue_bind(admin_, x.destination, x.exchange, x.key, x.arguments)
                     : b.queue_unbind(admin_, x.destination, x.exchange, x.key, x.arguments));
    }
    case K::kDeclareQueue:
      return ok(b.queue_declare(admin_, queue_declare_of(event.queue)));
    case K::kDeclareExchange:
      return ok(b.exchange_declare(admin_, exchange_declare_of(event.exchange_spec)));
    case K::kRestartBroker:
      if (!b.restart_broker()) {
        errors_.push_back({event.at_us, broker::ReplyCode::kNotImplemented, "this broker cannot be restarted from here",
                           "timeline", event.at});
        return;
      }
      // Clients reconnect, as real ones would; consumers stopped on purpose stay stopped.
      for (auto& c : consumers_) c->after_broker_restart();
      return;
    case K::kPurgeQueue: return ok(b.queue_purge(admin_, event.target));
    case K::kDeleteQueue: return ok(b.queue_delete(admin_, event.target));
    default: return apply_to_actor(event);
  }
}

// Actions on one actor, found by name.
void Runner::apply_to_actor(const TimelineEvent& event) {
  using K = TimelineEvent::Kind;
  for (auto& c : consumers_) {
    if (c->name() != event.target) continue;
    switch (event.kind) {
      case K::kStopConsumer: return c->stop_consuming();
      case K::kStartConsumer: return c->start_consuming();
      case K::kCrashConsumer: return c->crash();
      case K::kConnect: return c->connect();
      case K::kDisconnect: return c->disconnect();
      default: return;
    }
  }
  for (auto& p : producers_) {
    if (p->name() != event.target) continue;
    if (event.kind == K::kSetRate) p->set_rate(event.rate_per_second);
    if (event.kind == K::kConnect) p->connection().start();
    if (event.kind == K::kDisconnect) p->connection().stop();
  }
  for (auto& r : rpc_clients_) {
    if (r->name() != event.target) continue;
    if (event.kind == K::kConnect) r->connection().start();
    if (event.kind == K::kDisconnect) r->connection().stop();
  }
}

// Timed expectations see the run after everything due at their time has happened.
void Runner::take_snapshots_before(sim::TimeUs time_us) {
  for (; next_snapshot_ < timed_expectations_.size(); ++next_snapshot_) {
    const std::size_t index = timed_expectations_[next_snapshot_];
    const Expectation& e = scenario_.expectations[index];
    if (*e.at_us >= time_us) return;
    snapshots_[index] = measure(e, *this).value_or(0);
  }
}

void Runner::run() {
  std::uint64_t steps = 0;
  const std::uint64_t progress_every = options_.pacer ? 64 : 65536;
  for (;;) {
    const bool idle = scheduler_.empty() || scheduler_.next_due_us() > end_us_;
    if (options_.pacer && !options_.pacer->wait_until(idle ? end_us_ : scheduler_.next_due_us(), clock_)) continue;
    if (idle || (options_.pacer && options_.pacer->stopped())) break;
    take_snapshots_before(scheduler_.next_due_us());
    scheduler_.run_next();
    if (options_.progress && ++steps % progress_every == 0) options_.progress(scheduler_.now_us(), tracer_.events_emitted());
  }
  if (options_.pacer && options_.pacer->stopped()) return;
  scheduler_.run_until(end_us_);
  take_snapshots_before(end_us_ + 1);
}

std::vector<std::pair<std::string, ActorStats>> Runner::producer_stats() const {
  std::vector<std::pair<std::string, ActorStats>> out;
  for (const auto& p : producers_) out.emplace_back(p->name(), p->stats());
  return out;
}

std::vector<std::pair<std::string, ActorStats>> Runner::consumer_stats() const {
  std::vector<std::pair<std::string, ActorStats>> out;
  for (const auto& c : consumers_) out.emplace_back(c->name(), c->stats());
  for (const auto& c : rpc_clients_) out.emplace_back(c->name(), c->stats());
  return out;
}

}  // namespace brokersim::scenario
