#include "demo.h"

#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "broker/broker.h"
#include "sim/clock.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/describe.h"
#include "trace/fingerprint.h"
#include "trace/jsonl_writer.h"

namespace brokersim::app {
namespace {

using broker::Broker;
using broker::ChannelKey;
using sim::millis;

// Prints each event as it happens: "[  1.234000s] published message #3 ...".
class LogPrinter final : public trace::Sink {
 public:
  explicit LogPrinter(std::ostream& out) : out_(out) {}
  void on_event(const trace::Event& e) override {
    out_ << '[' << trace::format_time(e.time_us) << "] " << trace::describe(e) << '\n';
  }

 private:
  std::ostream& out_;
};

// What a worker does with a message it cannot handle the first time.
enum class OnFailure { kRequeue, kDeadLetter };

// A worker: takes deliveries, spends a random processing time, then acks; one time in ten a
// first attempt fails, and the message is either requeued or rejected to its dead-letter
// exchange (from where a retry queue brings it back after its TTL).
class Worker final : public broker::ConnectionListener {
 public:
  Worker(Broker& broker, sim::Scheduler& scheduler, sim::Rng& rng, std::string name, std::string queue,
         std::uint16_t prefetch, double mean_ms, double stddev_ms, OnFailure on_failure = OnFailure::kRequeue)
      : broker_(broker),
        scheduler_(scheduler),
        rng_(rng),
        mean_ms_(mean_ms),
        stddev_ms_(stddev_ms),
        on_failure_(on_failure) {
    key_.connection = broker_.open_connection(name, this);
    key_.channel = 1;
    (void)broker_.channel_open(key_);
    (void)broker_.basic_qos(key_, 0, prefetch, false);
    broker::Consume consume;
    consume.queue = std::move(queue);
    consume.consumer_tag = name;
    (void)broker_.basic_consume(key_, consume);
  }

  void on_deliver(const broker::Delivery& d) override {
    const double ms = std::max(1.0, rng_.normal(mean_ms_, stddev_ms_));
    const std::uint64_t tag = d.delivery_tag;
    const broker::FieldTable* headers = d.message->headers();
    const bool first_attempt = !d.redelivered && !(headers && broker::find_field(*headers, "x-death"));
    const bool fail = first_attempt && rng_.chance(1, 10);
    scheduler_.schedule_after(static_cast<sim::TimeUs>(ms * 1000.0), [this, tag, fail] {
      if (!fail) {
        (void)broker_.basic_ack(key_, tag, false);
      } else {
        (void)broker_.basic_nack(key_, tag, false, on_failure_ == OnFailure::kRequeue);
      }
    });
  }

 private:
  Broker& broker_;
  sim::Scheduler& scheduler_;
  sim::Rng& rng_;
  ChannelKey key_;
  double mean_ms_;
  double stddev_ms_;
  OnFailure on_failure_;
};

// A producer publishing with Poisson arrivals, with confirms on.
class Producer final : public broker::ConnectionListener {
 public:
  struct Template {
    std::string routing_key;
    std::uint64_t weight;
  };

  Producer(Broker& broker, sim::Scheduler& scheduler, sim::Rng& rng, std::string name, std::string exchange,
           std::vector<Template> templates, double mean_gap_ms, bool mandatory, int count)
      : broker_(broker),
        scheduler_(scheduler),
        rng_(rng),
        exchange_(std::move(exchange)),
        templates_(std::move(templates)),
        mean_gap_ms_(mean_gap_ms),
        mandatory_(mandatory),
        remaining_(count) {
    key_.connection = broker_.open_connection(std::move(name), this);
    key_.channel = 1;
    (void)broker_.channel_open(key_);
    (void)broker_.confirm_select(key_);
    schedule_next();
  }

 private:
  void schedule_next() {
    if (remaining_-- <= 0) return;
    const auto gap = static_cast<sim::TimeUs>(rng_.exponential(mean_gap_ms_) * 1000.0);
    scheduler_.schedule_after(gap, [this] {
      std::vector<std::uint64_t> weights;
      for (const auto& t : templates_) weights.push_back(t.weight);
      broker::Publish p;
      p.exchange = exchange_;
      p.routing_key = templates_[rng_.weighted_choice(weights)].routing_key;
      p.mandatory = mandatory_;
      p.properties.content_type = "application/json";
      p.body = R"({"order":)" + std::to_string(++sent_) + "}";
      (void)broker_.basic_publish(key_, p);
      schedule_next();
    });
  }

  Broker& broker_;
  sim::Scheduler& scheduler_;
  sim::Rng& rng_;
  ChannelKey key_;
  std::string exchange_;
  std::vector<Template> templates_;
  double mean_gap_ms_;
  bool mandatory_;
  int remaining_;
  int sent_ = 0;
};

void declare_topology(Broker& broker) {
  const ChannelKey admin{broker.open_connection("admin", nullptr), 1};
  (void)broker.channel_open(admin);
  (void)broker.exchange_declare(admin, {.name = "orders", .type = "topic", .durable = true, .arguments = {}});
  (void)broker.exchange_declare(admin, {.name = "payments", .type = "direct", .durable = true, .arguments = {}});
  for (const char* q : {"eu-orders", "billing", "audit"}) {
    broker::QueueDeclare d;
    d.name = q;
    d.durable = true;
    (void)broker.queue_declare(admin, d);
  }
  // A failed charge is rejected to charges.retry, waits there 1 s (its TTL), then is
  // dead-lettered back to charges for another try: retry with TTL, as production systems do.
  broker::QueueDeclare charges{.name = "charges", .durable = true,
                               .arguments = {{"x-dead-letter-exchange", ""}, {"x-dead-letter-routing-key", "charges.retry"}}};
  (void)broker.queue_declare(admin, charges);
  broker::QueueDeclare retry{.name = "charges.retry", .durable = true,
                             .arguments = {{"x-message-ttl", broker::FieldValue(1000)},
                                           {"x-dead-letter-exchange", ""},
                                           {"x-dead-letter-routing-key", "charges"}}};
  (void)broker.queue_declare(admin, retry);
  (void)broker.queue_bind(admin, "eu-orders", "orders", "order.*.eu");
  (void)broker.queue_bind(admin, "billing", "orders", "order.created.*");
  (void)broker.queue_bind(admin, "audit", "orders", "order.#");
  (void)broker.queue_bind(admin, "charges", "payments", "charge");
  broker.close_connection(admin.connection);
}

}  // namespace

std::string run_demo(const DemoOptions& options, std::ostream& out) {
  sim::SimClock clock;
  sim::Scheduler scheduler(clock);
  sim::Rng rng(options.seed);
  trace::Tracer tracer(clock);
  trace::Fingerprint fingerprint;
  tracer.add_sink(&fingerprint);
  LogPrinter printer(out);
  if (options.print_log) tracer.add_sink(&printer);
  std::ofstream trace_file;
  std::unique_ptr<trace::JsonlWriter> jsonl;
  if (!options.trace_path.empty()) {
    trace_file.open(options.trace_path);
    if (!trace_file) throw std::runtime_error("cannot write trace file '" + options.trace_path + "'");
    jsonl = std::make_unique<trace::JsonlWriter>(trace_file);
    tracer.add_sink(jsonl.get());
  }

  Broker broker(scheduler, rng, tracer);
  declare_topology(broker);
  Worker eu(broker, scheduler, rng, "eu-worker", "eu-orders", 2, 300, 80);
  Worker billing(broker, scheduler, rng, "billing-worker", "billing", 1, 150, 40);
  Worker auditor(broker, scheduler, rng, "auditor", "audit", 10, 20, 5);
  Worker charger(broker, scheduler, rng, "charger", "charges", 1, 100, 20, OnFailure::kDeadLetter);
  Producer shop(broker, scheduler, rng, "shop", "orders",
                {{"order.created.eu", 4}, {"order.created.us", 3}, {"order.paid.eu", 2}, {"order.shipped.apac", 1}},
                250, false, 12);
  Producer payments(broker, scheduler, rng, "payment-service", "payments", {{"charge", 3}, {"refund", 1}}, 400, true, 12);

  // Runs until every task is done: producers stop after their count, consumers ack all.
  constexpr sim::TimeUs kLimit = sim::seconds(600);
  while (!scheduler.empty() && scheduler.next_due_us() <= kLimit) scheduler.run_next();

  const auto& a = broker.accounting();
  out << "\nsummary: " << a.published << " published, " << a.unroutable << " unroutable, " << a.copies_enqueued
      << " copies enqueued, " << a.copies_acked << " acked, " << a.copies_dead_lettered << " dead-lettered, "
      << a.copies_dropped << " dropped; nothing lost: " << (broker.nothing_lost() ? "yes" : "NO") << '\n';
  out << "events: " << tracer.events_emitted() << ", simulated time: " << trace::format_time(clock.now_us()) << '\n';
  return fingerprint.hex();
}

}  // namespace brokersim::app
