// Engine throughput: publish -> route -> enqueue -> deliver -> ack, single-threaded, with a
// trace sink that counts and keeps nothing. Prints messages/s for four topologies, as the
// median of several runs. Run a Release build: `make bench`.
//   usage: bench_throughput [messages per run] [only topologies whose name contains this]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "sim/clock.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/tracer.h"

using namespace brokersim;
using namespace brokersim::broker;

namespace {

// Acks every delivery straight away, from inside the broker's push, like a fast consumer.
class AckingConsumer final : public ConnectionListener {
 public:
  Broker* broker = nullptr;
  ChannelKey key;
  std::uint64_t received = 0;
  void on_deliver(const Delivery& d) override {
    ++received;
    (void)broker->basic_ack(key, d.delivery_tag, false);
  }
};

struct Topology {
  const char* name;
  std::string exchange;
  std::string type;
  int queues;
  // Adds the bindings and returns the routing keys / headers to publish with, round-robin.
  void (*bind)(Broker&, ChannelKey, const std::string& exchange, int queues);
  std::vector<std::string> keys;
  std::vector<FieldTable> headers;
};

struct Run {
  double messages_per_second;
  std::uint64_t deliveries;
  std::uint64_t events;
};

Run run_once(const Topology& t, int messages) {
  sim::SimClock clock;
  sim::Scheduler scheduler(clock);
  sim::Rng rng(1);
  trace::Tracer tracer(clock);
  trace::CountingSink counter;
  tracer.add_sink(&counter);
  Broker broker(scheduler, rng, tracer);

  ChannelKey admin{broker.open_connection("admin", nullptr), 1};
  (void)broker.channel_open(admin);
  if (!t.exchange.empty()) (void)broker.exchange_declare(admin, {.name = t.exchange, .type = t.type});
  std::vector<std::unique_ptr<AckingConsumer>> consumers;
  for (int i = 0; i < t.queues; ++i) {
    const std::string q = "q" + std::to_string(i);
    (void)broker.queue_declare(admin, {.name = q});
    auto c = std::make_unique<AckingConsumer>();
    c->broker = &broker;
    c->key = {broker.open_connection("consumer", c.get()), 1};
    (void)broker.channel_open(c->key);
    (void)broker.basic_qos(c->key, 0, 100, false);
    (void)broker.basic_consume(c->key, {.queue = q, .consumer_tag = "c"});
    consumers.push_back(std::move(c));
  }
  t.bind(broker, admin, t.exchange, t.queues);

  ChannelKey publisher{broker.open_connection("publisher", nullptr), 1};
  (void)broker.channel_open(publisher);
  // Messages are prepared up front, so the timing is the broker's, not the string building's.
  std::vector<Publish> prepared(std::max(t.keys.size(), t.headers.size()));
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    prepared[i].exchange = t.exchange;
    prepared[i].body = std::string(100, 'x');
    if (!t.keys.empty()) prepared[i].routing_key = t.keys[i % t.keys.size()];
    if (!t.headers.empty()) prepared[i].properties.headers = t.headers[i % t.headers.size()];
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < messages; ++i) {
    (void)broker.basic_publish(publisher, prepared[static_cast<std::size_t>(i) % prepared.size()]);
  }
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uint64_t delivered = 0;
  for (const auto& c : consumers) delivered += c->received;
  if (!broker.nothing_lost()) std::fprintf(stderr, "bench: accounting broken!\n");
  return {messages / elapsed, delivered, counter.count};
}

}  // namespace

int main(int argc, char** argv) {
  const int messages = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  constexpr int kRuns = 7;  // a shared VM is noisy: the median of 7 is steadier than a mean

  std::vector<Topology> topologies;
  topologies.push_back({"direct exchange, 1 queue", "bench.direct", "direct", 1,
                        [](Broker& b, ChannelKey ch, const std::string& x, int) { (void)b.queue_bind(ch, "q0", x, "k"); },
                        {"k"}, {}});
  topologies.push_back({"fanout exchange, 10 queues", "bench.fanout", "fanout", 10,
                        [](Broker& b, ChannelKey ch, const std::string& x, int n) {
                          for (int i = 0; i < n; ++i) (void)b.queue_bind(ch, "q" + std::to_string(i), x, "");
                        },
                        {""}, {}});
  // 10,000 bindings over 100 queues: region.service.* patterns, some with '#'. Each key
  // matches one or two bindings, as a real topic exchange would.
  Topology topic{"topic exchange, 10,000 bindings", "bench.topic", "topic", 100,
                 [](Broker& b, ChannelKey ch, const std::string& x, int n) {
                   for (int i = 0; i < 10'000; ++i) {
                     const std::string q = "q" + std::to_string(i % n);
                     const std::string key = i % 10 == 0 ? "region" + std::to_string(i / 100) + ".#.audit"
                                                         : "region" + std::to_string(i / 100) + ".svc" +
                                                               std::to_string(i % 100) + ".*";
                     (void)b.queue_bind(ch, q, x, key);
                   }
                 },
                 {}, {}};
  for (int i = 0; i < 1000; ++i) {
    topic.keys.push_back("region" + std::to_string(i % 100) + ".svc" + std::to_string((i * 7) % 100) + ".created");
  }
  topologies.push_back(topic);
  // 1,000 bindings, each matching one (format, tenant) pair with x-match all.
  Topology headers{"headers exchange, 1,000 bindings", "bench.headers", "headers", 10,
                   [](Broker& b, ChannelKey ch, const std::string& x, int n) {
                     for (int i = 0; i < 1000; ++i) {
                       FieldTable args{{"x-match", "all"},
                                       {"format", FieldValue("f" + std::to_string(i % 10))},
                                       {"tenant", FieldValue("t" + std::to_string(i / 10))}};
                       (void)b.queue_bind(ch, "q" + std::to_string(i % n), x, "", args);
                     }
                   },
                   {}, {}};
  for (int i = 0; i < 100; ++i) {
    headers.headers.push_back(FieldTable{{"format", FieldValue("f" + std::to_string(i % 10))},
                                         {"tenant", FieldValue("t" + std::to_string(i))}});
  }
  topologies.push_back(headers);

  std::printf("brokersim engine throughput: %d messages of 100 bytes per run, median of %d runs\n", messages, kRuns);
  std::printf("(publish -> route -> enqueue -> deliver -> ack, trace counted, one thread)\n\n");
  const std::string only = argc > 2 ? argv[2] : "";  // run only topologies whose name contains this
  for (const auto& t : topologies) {
    if (std::string(t.name).find(only) == std::string::npos) continue;
    std::vector<double> rates;
    Run last{};
    for (int r = 0; r < kRuns; ++r) {
      last = run_once(t, t.type == "headers" ? messages / 10 : messages);
      rates.push_back(last.messages_per_second);
    }
    std::sort(rates.begin(), rates.end());
    std::printf("%-36s %12.0f msg/s   (min %.0f, max %.0f; %llu deliveries, %llu events per run)\n", t.name,
                rates[kRuns / 2], rates.front(), rates.back(), static_cast<unsigned long long>(last.deliveries),
                static_cast<unsigned long long>(last.events));
  }
  return 0;
}
