#pragma once
// A broker on simulated time with a recorder on its trace, and clients that remember every
// push they receive. The clients are real users of the broker API, not mocks of it.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "sim/clock.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/tracer.h"

namespace brokersim::testing {

using namespace broker;
namespace trace = brokersim::trace;

class Client final : public ConnectionListener {
 public:
  Client(Broker& broker, std::string name) : broker_(broker) { id = broker_.open_connection(std::move(name), this); }

  ChannelKey channel(std::uint16_t number = 1) {
    ChannelKey key{id, number};
    if (!broker_.find_channel(key)) {
      auto status = broker_.channel_open(key);
      (void)status;
    }
    return key;
  }

  void on_deliver(const Delivery& d) override { deliveries.push_back(d); }
  void on_return(const Return& r) override { returns.push_back(r); }
  void on_confirm(const Confirm& c) override { confirms.push_back(c); }
  void on_consumer_cancelled(std::uint16_t ch, const std::string& tag) override { cancelled.emplace_back(ch, tag); }

  // Bodies of deliveries received, in order.
  std::vector<std::string> bodies() const {
    std::vector<std::string> out;
    for (const auto& d : deliveries) out.emplace_back(d.message->body());
    return out;
  }

  ConnectionId id = 0;
  std::vector<Delivery> deliveries;
  std::vector<Return> returns;
  std::vector<Confirm> confirms;
  std::vector<std::pair<std::uint16_t, std::string>> cancelled;

 private:
  Broker& broker_;
};

struct World {
  explicit World(std::uint64_t seed = 1) : scheduler(clock), rng(seed), tracer(clock), broker(scheduler, rng, tracer) {
    tracer.add_sink(&recorder);
    broker.check_invariants_after_every_operation(true);  // every test checks them, release builds too
  }

  Client& client(const std::string& name = "client") {
    clients.push_back(std::make_unique<Client>(broker, name));
    return *clients.back();
  }

  Status publish(ChannelKey ch, const std::string& exchange, const std::string& key, const std::string& body,
                 bool mandatory = false, BasicProperties props = {}) {
    Publish p;
    p.exchange = exchange;
    p.routing_key = key;
    p.body = body;
    p.mandatory = mandatory;
    p.properties = std::move(props);
    return broker.basic_publish(ch, p);
  }

  // Declares a queue with arguments (and durable, for quorum queues and streams).
  Result<QueueDeclareOk> declare_queue_with(ChannelKey ch, const std::string& name, FieldTable arguments,
                                            bool durable = false) {
    QueueDeclare d;
    d.name = name;
    d.durable = durable;
    d.arguments = std::move(arguments);
    return broker.queue_declare(ch, d);
  }

  // Moves simulated time forward, running everything due on the way.
  void advance_ms(std::int64_t ms) { scheduler.run_until(scheduler.now_us() + brokersim::sim::millis(ms)); }

  std::string declare_queue(ChannelKey ch, const std::string& name, bool exclusive = false, bool auto_delete = false) {
    QueueDeclare d;
    d.name = name;
    d.exclusive = exclusive;
    d.auto_delete = auto_delete;
    auto r = broker.queue_declare(ch, d);
    return r.ok() ? r.value().name : std::string();
  }

  Status declare_exchange(ChannelKey ch, const std::string& name, const std::string& type, FieldTable args = {},
                          bool internal = false, bool auto_delete = false) {
    ExchangeDeclare d;
    d.name = name;
    d.type = type;
    d.arguments = std::move(args);
    d.internal = internal;
    d.auto_delete = auto_delete;
    return broker.exchange_declare(ch, d);
  }

  std::string consume(ChannelKey ch, const std::string& queue, bool no_ack = false, std::int32_t priority = 0,
                      const std::string& tag = "") {
    Consume c;
    c.queue = queue;
    c.no_ack = no_ack;
    c.consumer_tag = tag;
    if (priority != 0) c.arguments.emplace_back("x-priority", FieldValue(priority));
    auto r = broker.basic_consume(ch, c);
    return r.ok() ? r.value() : std::string();
  }

  std::size_t ready(const std::string& queue) const {
    const Queue* q = broker.find_queue(queue);
    return q ? q->ready_count() : 0;
  }

  // Body of each ready message in the queue, front first.
  std::vector<std::string> ready_bodies(const std::string& queue) const {
    std::vector<std::string> out;
    if (const Queue* q = broker.find_queue(queue))
      q->ready().for_each([&](const QueuedMessage& m) { out.emplace_back(m.message->body()); });
    return out;
  }

  // The headers of the ready messages of a queue, front first.
  std::vector<FieldTable> ready_headers(const std::string& queue) const {
    std::vector<FieldTable> out;
    if (const Queue* q = broker.find_queue(queue))
      q->ready().for_each([&](const QueuedMessage& m) { out.push_back(m.message->headers() ? *m.message->headers() : FieldTable{}); });
    return out;
  }

  std::size_t count_events(trace::EventKind kind) const {
    std::size_t n = 0;
    for (const auto& e : recorder.events) n += e.kind == kind;
    return n;
  }

  sim::SimClock clock;
  sim::Scheduler scheduler;
  sim::Rng rng;
  trace::Tracer tracer;
  trace::Recorder recorder;
  Broker broker;
  std::vector<std::unique_ptr<Client>> clients;
};

}  // namespace brokersim::testing
