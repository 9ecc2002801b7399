#include "scenario/runner.h"

#include "scenario/topology.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <string_view>

namespace brokersim::scenario {
namespace {

// A "${name}" in a message template and what it stands for.
struct Variable {
  std::string_view name;
  std::string_view value;
};

// Replaces every "${name}" in `text` that names one of `variables`, in a single pass: a
// replacement's own text is not searched again, and unknown names stay as they are. This runs
// for every message, so it writes into `out`, reusing its buffer.
void expand(std::string& out, std::string_view text, std::initializer_list<Variable> variables) {
  out.clear();
  std::size_t at = text.find("${");
  std::size_t copied = 0;
  for (; at != std::string_view::npos; at = text.find("${", at + 1)) {
    const std::size_t close = text.find('}', at + 2);
    if (close == std::string_view::npos) break;
    const std::string_view name = text.substr(at + 2, close - at - 2);
    const auto it = std::find_if(variables.begin(), variables.end(), [&](const Variable& v) { return v.name == name; });
    if (it == variables.end()) continue;
    out.append(text.substr(copied, at - copied)).append(it->value);
    copied = close + 1;
    at = close;
  }
  out.append(text.substr(copied));
}

sim::TimeUs draw(sim::Rng& rng, const Distribution& d) {
  switch (d.kind) {
    case Distribution::Kind::kConstant: return d.a_us;
    case Distribution::Kind::kUniform: return rng.uniform_int(d.a_us, d.b_us);
    case Distribution::Kind::kExponential:
      return static_cast<sim::TimeUs>(std::llround(rng.exponential(static_cast<double>(d.a_us))));
    case Distribution::Kind::kNormal:
      return std::max<sim::TimeUs>(
          0, static_cast<sim::TimeUs>(std::llround(rng.normal(static_cast<double>(d.a_us), static_cast<double>(d.b_us)))));
  }
  return 0;
}

// Makes `p` the publish a template describes, overwriting every field. `handled` is the
// message a service is answering, if any: its body and correlation id are what "${body}" and
// "${correlation_id}" stand for. Actors keep one Publish and refill it, so the strings of
// the last message are reused rather than allocated again for each one.
void fill_publish(broker::Publish& p, const std::string& exchange, const MessageTemplate& t, std::uint64_t seq,
                  const std::string& producer, const broker::Message* handled = nullptr) {
  p.exchange = exchange;
  p.routing_key = t.routing_key;
  p.mandatory = false;
  p.immediate = false;
  p.properties = t.properties;
  char digits[24];
  const std::string_view seq_text(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, seq).ptr - digits));
  if (handled) {
    const auto& id = handled->properties().correlation_id;
    const std::string_view correlation_id = id ? std::string_view(*id) : std::string_view{};
    expand(p.body, t.body, {{"seq", seq_text}, {"producer", producer}, {"body", handled->body()},
                            {"correlation_id", correlation_id}});
    if (!correlation_id.empty() && !p.properties.correlation_id) p.properties.correlation_id = correlation_id;
  } else {
    expand(p.body, t.body, {{"seq", seq_text}, {"producer", producer}});
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------
// A producer: sends at a constant rate, with Poisson arrivals, or on a schedule.
class Runner::ProducerActor final : public broker::ConnectionListener {
 public:
  ProducerActor(Runner& runner, const ProducerSpec& spec) : runner_(runner), spec_(spec), rate_(spec.rate_per_second) {
    key_ = {runner_.broker_->open_connection(spec.name, this), 1};
    (void)runner_.broker_->channel_open(key_);
    if (spec.confirms) (void)runner_.broker_->confirm_select(key_);
    weights_ = weights();
    if (!spec.schedule.empty()) {
      for (sim::TimeUs t : spec.schedule) runner_.scheduler_.schedule_at(t, [this] { send(); });
    } else {
      schedule_next(spec.start_us);
    }
  }

  void set_rate(double rate) {
    const bool was_idle = rate_ <= 0;
    rate_ = rate;
    if (was_idle && rate_ > 0) schedule_next(runner_.scheduler_.now_us());
  }

 private:
  std::vector<std::uint64_t> weights() const {
    std::vector<std::uint64_t> w;
    for (const auto& m : spec_.messages) w.push_back(m.weight);
    return w;
  }

  void schedule_next(sim::TimeUs from_us) {
    if (rate_ <= 0 || spec_.messages.empty()) return;
    const double mean_gap_us = 1e6 / rate_;
    const double gap = spec_.arrivals == ProducerSpec::Arrivals::kPoisson ? runner_.rng_.exponential(mean_gap_us)
                                                                            : mean_gap_us;
    const sim::TimeUs at = from_us + static_cast<sim::TimeUs>(std::llround(gap));
    if (at > spec_.stop_us || at > runner_.end_us_) return;
    runner_.scheduler_.schedule_at(at, [this] {
      if (send()) schedule_next(runner_.scheduler_.now_us());
    });
  }

  // Returns false once the producer has sent its count.
  bool send() {
    if (spec_.count && sent_ >= *spec_.count) return false;
    if (rate_ <= 0 && spec_.schedule.empty()) return false;
    const MessageTemplate* t = &spec_.messages[runner_.rng_.weighted_choice(weights_)];
    const std::uint64_t seq = ++sent_;
    // The publish reaches the broker after the network latency. Only the choice travels in
    // the task (it stays small enough to be stored inline); the template is filled in on arrival.
    runner_.scheduler_.schedule_after(runner_.latency(), [this, t, seq] {
      auto& b = *runner_.broker_;
      if (!b.find_channel(key_)) {  // the broker restarted: reconnect, as a real client would
        if (!b.connection_open(key_.connection)) key_.connection = b.open_connection(spec_.name, this);
        (void)b.channel_open(key_);
        if (spec_.confirms) (void)b.confirm_select(key_);
      }
      fill_publish(publish_scratch_, spec_.exchange, *t, seq, spec_.name);
      publish_scratch_.mandatory = spec_.mandatory;
      (void)b.basic_publish(key_, publish_scratch_);
    });
    return !spec_.count || sent_ < *spec_.count;
  }

  Runner& runner_;
  const ProducerSpec& spec_;
  broker::ChannelKey key_;
  std::vector<std::uint64_t> weights_;
  broker::Publish publish_scratch_;  // refilled for each message (see fill_publish)
  double rate_;
  std::uint64_t sent_ = 0;
};

// ------------------------------------------------------------------------------------------
// A consumer: takes deliveries, works on each for a random time, then acks, nacks or rejects.
class Runner::ConsumerActor final : public broker::ConnectionListener {
 public:
  ConsumerActor(Runner& runner, const ConsumerSpec& spec)
      : runner_(runner), spec_(spec), publishes_(!spec.on_ack.empty() || spec.retry || spec.park || spec.reply) {
    start();
  }

  const std::string& name() const { return spec_.name; }
  const ConsumerStats& stats() const { return stats_; }

  void start() {
    stopped_ = false;
    auto& b = *runner_.broker_;
    if (key_ && b.find_channel(*key_) && b.find_channel(*key_)->consumers.count(spec_.name)) return;  // running
    if (!key_ || !b.connection_open(key_->connection)) {
      key_ = broker::ChannelKey{b.open_connection(spec_.name, this), 1};
      ++generation_;
    }
    if (!b.find_channel(*key_)) (void)b.channel_open(*key_);
    if (spec_.prefetch) (void)runner_.broker_->basic_qos(*key_, 0, spec_.prefetch, false);
    broker::Consume c;
    c.queue = spec_.queue;
    c.consumer_tag = spec_.name;
    c.no_ack = spec_.auto_ack;
    c.exclusive = spec_.exclusive;
    if (spec_.priority) c.arguments.emplace_back("x-priority", broker::FieldValue(spec_.priority));
    (void)runner_.broker_->basic_consume(*key_, c);
  }

  void stop() {
    stopped_ = true;
    if (key_ && runner_.broker_->find_channel(*key_)) (void)runner_.broker_->basic_cancel(*key_, spec_.name);
  }

  void reconnect_after_restart() {
    if (!stopped_) start();
  }

  // The process dies: its connection goes, and the broker requeues what it had not acked.
  void crash() {
    if (!key_) return;
    runner_.broker_->close_connection(key_->connection, broker::ReplyCode::kConnectionForced, "consumer crashed");
    ++generation_;
  }

  void on_deliver(const broker::Delivery& d) override {
    ++stats_.received;
    if (spec_.auto_ack) return;
    Outcome outcome = decide(d);
    const sim::TimeUs work = runner_.latency() + draw(runner_.rng_, spec_.processing) + runner_.latency();
    const std::uint64_t generation = generation_;
    const std::uint64_t tag = d.delivery_tag;
    // What a service needs from the message once its work is done. Only one that publishes
    // keeps the message (a reference, not a copy) to answer it.
    Handled handled;
    handled.retries = retries_of(d);
    if (publishes_) handled.message = d.message;
    const bool failed = outcome != Outcome::kAck;
    const bool park = spec_.max_retries && failed && handled.retries >= *spec_.max_retries;
    const bool retry = spec_.retry && failed && !park;
    runner_.scheduler_.schedule_after(work, [this, generation, tag, outcome, park, retry, handled = std::move(handled)] {
      if (generation != generation_ || !key_ || !runner_.broker_->find_channel(*key_)) return;  // crashed meanwhile
      auto& b = *runner_.broker_;
      if (retry) {
        // Republished to the retry ladder by the application itself, then acked.
        FollowUp again = *spec_.retry;
        const std::string attempt = std::to_string(handled.retries + 1);
        expand(again.message.routing_key, spec_.retry->message.routing_key, {{"attempt", attempt}});
        if (!again.message.properties.headers) again.message.properties.headers.emplace();
        broker::set_field(*again.message.properties.headers, "x-retry-count",
                          broker::FieldValue(static_cast<std::int64_t>(handled.retries + 1)));
        if (again.message.body.empty()) again.message.body = "${body}";
        ++stats_.requeued;
        publish(again, handled);
        ++stats_.acked;
        (void)b.basic_ack(*key_, tag, false);
        return;
      }
      if (park) {
        // Out of retries: set aside for a person to look at, and acked so it stops cycling.
        ++stats_.parked;
        publish(*spec_.park, handled);
        ++stats_.acked;
        (void)b.basic_ack(*key_, tag, false);
        return;
      }
      switch (outcome) {
        case Outcome::kAck:
          for (const FollowUp& f : spec_.on_ack) publish(f, handled);
          if (spec_.reply) {
            if (const auto& reply_to = handled.message->properties().reply_to; reply_to && !reply_to->empty()) {
              FollowUp reply;
              reply.message.routing_key = *reply_to;
              reply.message.body = "reply to ${body}";
              publish(reply, handled);
            }
          }
          ++stats_.acked;
          (void)b.basic_ack(*key_, tag, false);
          break;
        case Outcome::kNackRequeue:
          ++stats_.requeued;
          (void)b.basic_nack(*key_, tag, false, true);
          break;
        case Outcome::kNack:
          ++stats_.nacked;
          (void)b.basic_nack(*key_, tag, false, false);
          break;
        case Outcome::kReject:
          ++stats_.rejected;
          (void)b.basic_reject(*key_, tag, false);
          break;
      }
    });
  }

 private:
  struct Handled {
    broker::MessageRef message;  // only kept by a consumer that publishes in answer
    std::uint64_t retries = 0;
  };

  // How many times this message was already retried: the x-retry-count header this service
  // sets when it retries by republishing, or else its deaths in this queue (from x-death).
  std::uint64_t retries_of(const broker::Delivery& d) const {
    const broker::FieldTable* headers = d.message->headers();
    if (spec_.retry) {
      const broker::FieldValue* count = headers ? broker::find_field(*headers, "x-retry-count") : nullptr;
      return count && count->as_integer() ? static_cast<std::uint64_t>(*count->as_integer()) : 0;
    }
    const broker::FieldValue* deaths = headers ? broker::find_field(*headers, "x-death") : nullptr;
    const broker::FieldArray* list = deaths ? deaths->as_array() : nullptr;
    std::uint64_t retries = 0;
    if (!list) return 0;
    for (const broker::FieldValue& v : *list) {
      const broker::FieldTable* entry = v.as_table();
      const broker::FieldValue* queue = entry ? broker::find_field(*entry, "queue") : nullptr;
      const broker::FieldValue* count = entry ? broker::find_field(*entry, "count") : nullptr;
      if (queue && queue->as_string() && *queue->as_string() == spec_.queue && count && count->as_integer()) {
        retries += static_cast<std::uint64_t>(*count->as_integer());
      }
    }
    return retries;
  }

  void publish(const FollowUp& f, const Handled& handled) {
    broker::Publish& p = publish_scratch_;
    fill_publish(p, f.exchange, f.message, stats_.published + 1, spec_.name, handled.message.get());
    ++stats_.published;
    (void)runner_.broker_->basic_publish(*key_, p);
  }

  Outcome decide(const broker::Delivery& d) {
    if (const broker::FieldTable* headers = d.message->headers()) {
      for (const auto& rule : spec_.rules) {
        if (broker::find_field(*headers, rule.header)) return rule.outcome;
      }
    }
    const std::uint64_t weights[] = {spec_.ack_ppm, spec_.nack_requeue_ppm, spec_.nack_ppm, spec_.reject_ppm};
    static constexpr Outcome kOutcomes[] = {Outcome::kAck, Outcome::kNackRequeue, Outcome::kNack, Outcome::kReject};
    if (weights[0] + weights[1] + weights[2] + weights[3] == 0) return Outcome::kAck;
    return kOutcomes[runner_.rng_.weighted_choice(weights)];
  }

  Runner& runner_;
  const ConsumerSpec& spec_;
  const bool publishes_;  // follow-ups, retries, parking or replies: it needs the handled texts
  std::optional<broker::ChannelKey> key_;
  std::uint64_t generation_ = 0;
  bool stopped_ = false;
  ConsumerStats stats_;
  broker::Publish publish_scratch_;  // refilled for each follow-up (see fill_publish)
};

// ------------------------------------------------------------------------------------------
// An RPC client: sends requests with reply_to and a correlation id, matches the replies, and
// gives up on a request after its timeout.
class Runner::RpcClientActor final : public broker::ConnectionListener {
 public:
  RpcClientActor(Runner& runner, const RpcClientSpec& spec) : runner_(runner), spec_(spec) {
    auto& b = *runner_.broker_;
    key_ = {b.open_connection(spec.name, this), 1};
    (void)b.channel_open(key_);
    if (spec.direct_reply_to) {
      reply_to_ = std::string(broker::Broker::kDirectReplyTo);
    } else {
      auto declared = b.queue_declare(key_, {.name = "", .exclusive = true});
      if (declared.ok()) reply_to_ = declared.value().name;
    }
    (void)b.basic_consume(key_, {.queue = reply_to_, .consumer_tag = spec.name + "-replies", .no_ack = true});
    schedule_next();
  }

  const std::string& name() const { return spec_.name; }
  const ConsumerStats& stats() const { return stats_; }

  void on_deliver(const broker::Delivery& d) override {
    ++stats_.received;
    const auto& id = d.message->properties().correlation_id;
    if (!id) return;
    auto it = pending_.find(*id);
    if (it == pending_.end()) return;  // a late reply to a request that timed out
    const sim::TimeUs rtt = runner_.scheduler_.now_us() - it->second;
    pending_.erase(it);
    ++stats_.replies;
    stats_.round_trip_total_us += rtt;
    stats_.round_trip_max_us = std::max(stats_.round_trip_max_us, rtt);
  }

 private:
  void schedule_next() {
    if (spec_.rate_per_second <= 0 || (spec_.count && sent_ >= *spec_.count)) return;
    const auto gap = static_cast<sim::TimeUs>(std::llround(1e6 / spec_.rate_per_second));
    if (runner_.scheduler_.now_us() + gap > runner_.end_us_) return;
    runner_.scheduler_.schedule_after(gap, [this] {
      send();
      schedule_next();
    });
  }

  void send() {
    const std::uint64_t seq = ++sent_;
    const std::string id = spec_.name + "-" + std::to_string(seq);
    broker::Publish p;
    p.exchange = spec_.exchange;
    p.routing_key = spec_.routing_key;
    expand(p.body, spec_.body, {{"seq", std::to_string(seq)}});
    p.properties.correlation_id = id;
    p.properties.reply_to = reply_to_;
    ++stats_.requests;
    pending_[id] = runner_.scheduler_.now_us();
    runner_.scheduler_.schedule_after(runner_.latency(), [this, p = std::move(p)] {
      if (runner_.broker_->find_channel(key_)) (void)runner_.broker_->basic_publish(key_, p);
    });
    runner_.scheduler_.schedule_after(spec_.timeout_us, [this, id] {
      if (pending_.erase(id)) ++stats_.timeouts;
    });
  }

  Runner& runner_;
  const RpcClientSpec& spec_;
  broker::ChannelKey key_;
  std::string reply_to_;
  std::uint64_t sent_ = 0;
  std::map<std::string, sim::TimeUs> pending_;  // correlation id -> when sent
  ConsumerStats stats_;
};

// ------------------------------------------------------------------------------------------

Runner::Runner(const Scenario& scenario, RunOptions options)
    : scenario_(scenario),
      options_(std::move(options)),
      seed_(options_.seed.value_or(scenario.seed)),
      end_us_(options_.until_us.value_or(scenario.duration_us)),
      scheduler_(clock_),
      rng_(seed_),
      tracer_(clock_) {
  for (trace::Sink* sink : options_.sinks) tracer_.add_sink(sink);
  broker_ = std::make_unique<broker::Broker>(scheduler_, rng_, tracer_);
  declare_topology();
  for (const auto& c : scenario_.consumers) consumers_.push_back(std::make_unique<ConsumerActor>(*this, c));
  for (const auto& p : scenario_.producers) producers_.push_back(std::make_unique<ProducerActor>(*this, p));
  for (const auto& c : scenario_.rpc_clients) rpc_clients_.push_back(std::make_unique<RpcClientActor>(*this, c));
  schedule_timeline();
}

Runner::~Runner() = default;

sim::TimeUs Runner::latency() { return draw(rng_, scenario_.latency); }

void Runner::declare_topology() {
  admin_ = {broker_->open_connection("scenario topology", nullptr), 1};
  (void)broker_->channel_open(admin_);
  // The loader checked all of this against a scratch broker, so nothing here should fail.
  scenario::declare_topology(*broker_, admin_, scenario_, [](Position, const broker::Error&) {});
}

void Runner::schedule_timeline() {
  auto consumer = [this](const std::string& name) -> ConsumerActor* {
    for (auto& c : consumers_)
      if (c->name() == name) return c.get();
    return nullptr;
  };
  for (const auto& event : scenario_.timeline) {
    scheduler_.schedule_at(event.at_us, [this, &event, consumer] {
      // Timeline actions come from the operator's console, on a channel of its own.
      if (!broker_->find_channel(admin_)) {
        if (!broker_->connection_open(admin_.connection)) admin_.connection = broker_->open_connection("timeline", nullptr);
        (void)broker_->channel_open(admin_);
      }
      using K = TimelineEvent::Kind;
      switch (event.kind) {
        case K::kStopConsumer:
          if (auto* c = consumer(event.target)) c->stop();
          break;
        case K::kStartConsumer:
          if (auto* c = consumer(event.target)) c->start();
          break;
        case K::kCrashConsumer:
          if (auto* c = consumer(event.target)) c->crash();
          break;
        case K::kSetRate:
          for (std::size_t i = 0; i < scenario_.producers.size(); ++i) {
            if (scenario_.producers[i].name == event.target) producers_[i]->set_rate(event.rate_per_second);
          }
          break;
        case K::kPublish: {
          broker::Publish publish;
          fill_publish(publish, event.exchange, event.message, 1, "timeline");
          publish.mandatory = event.mandatory;
          (void)broker_->basic_publish(admin_, publish);
          break;
        }
        case K::kBind:
        case K::kUnbind: {
          const BindingSpec& b = event.binding;
          const bool bind = event.kind == K::kBind;
          if (b.to_exchange) {
            (void)(bind ? broker_->exchange_bind(admin_, b.destination, b.exchange, b.key, b.arguments)
                        : broker_->exchange_unbind(admin_, b.destination, b.exchange, b.key, b.arguments));
          } else {
            (void)(bind ? broker_->queue_bind(admin_, b.destination, b.exchange, b.key, b.arguments)
                        : broker_->queue_unbind(admin_, b.destination, b.exchange, b.key, b.arguments));
          }
          break;
        }
        case K::kRestartBroker:
          broker_->restart();
          // Clients reconnect, as real ones would; consumers stopped on purpose stay stopped.
          for (auto& c : consumers_) c->reconnect_after_restart();
          break;
        case K::kPurgeQueue: (void)broker_->queue_purge(admin_, event.target); break;
        case K::kDeleteQueue: (void)broker_->queue_delete(admin_, event.target, false, false); break;
      }
    });
  }
}

void Runner::run() {
  std::uint64_t steps = 0;
  while (!scheduler_.empty() && scheduler_.next_due_us() <= end_us_) {
    scheduler_.run_next();
    if (options_.progress && ++steps % 65536 == 0) options_.progress(scheduler_.now_us(), tracer_.events_emitted());
  }
  scheduler_.run_until(end_us_);
}

std::vector<std::pair<std::string, ConsumerStats>> Runner::consumer_stats() const {
  std::vector<std::pair<std::string, ConsumerStats>> out;
  for (const auto& c : consumers_) out.emplace_back(c->name(), c->stats());
  for (const auto& c : rpc_clients_) out.emplace_back(c->name(), c->stats());
  return out;
}

std::vector<ExpectationResult> check_expectations(const Scenario& scenario, const Runner& runner) {
  std::vector<ExpectationResult> results;
  const auto& b = runner.broker();
  const auto consumers = runner.consumer_stats();
  for (const Expectation& e : scenario.expectations) {
    std::int64_t actual = 0;
    if (e.subject == Expectation::Subject::kBroker) {
      if (e.metric == "nothing_lost") actual = b.nothing_lost() ? 1 : 0;
      if (e.metric == "published") actual = static_cast<std::int64_t>(b.accounting().published);
      if (e.metric == "unroutable") actual = static_cast<std::int64_t>(b.accounting().unroutable);
    } else if (e.subject == Expectation::Subject::kQueue) {
      if (const broker::Queue* q = b.find_queue(e.name)) {
        const auto& c = q->counters();
        if (e.metric == "depth") actual = static_cast<std::int64_t>(q->ready_count());
        if (e.metric == "enqueued") actual = static_cast<std::int64_t>(c.enqueued);
        if (e.metric == "delivered") actual = static_cast<std::int64_t>(c.delivered);
        if (e.metric == "acked") actual = static_cast<std::int64_t>(c.acked);
        if (e.metric == "requeued") actual = static_cast<std::int64_t>(c.requeued);
        if (e.metric == "dead_lettered") actual = static_cast<std::int64_t>(c.dead_lettered);
        if (e.metric == "expired") actual = static_cast<std::int64_t>(c.expired);
        if (e.metric == "dropped") actual = static_cast<std::int64_t>(c.dropped);
      }
    } else {
      for (const auto& [name, stats] : consumers) {
        if (name != e.name) continue;
        if (e.metric == "received") actual = static_cast<std::int64_t>(stats.received);
        if (e.metric == "acked") actual = static_cast<std::int64_t>(stats.acked);
        if (e.metric == "nacked") actual = static_cast<std::int64_t>(stats.nacked);
        if (e.metric == "requeued") actual = static_cast<std::int64_t>(stats.requeued);
        if (e.metric == "rejected") actual = static_cast<std::int64_t>(stats.rejected);
        if (e.metric == "published") actual = static_cast<std::int64_t>(stats.published);
        if (e.metric == "parked") actual = static_cast<std::int64_t>(stats.parked);
        if (e.metric == "requests") actual = static_cast<std::int64_t>(stats.requests);
        if (e.metric == "replies") actual = static_cast<std::int64_t>(stats.replies);
        if (e.metric == "timeouts") actual = static_cast<std::int64_t>(stats.timeouts);
      }
    }
    results.push_back({&e, actual, actual == e.value});
  }
  return results;
}

}  // namespace brokersim::scenario
