#include "scenario/consumer_actor.h"

#include <algorithm>

#include "broker/headers_exchange.h"
#include "scenario/message_template.h"
#include "scenario/topology.h"

namespace brokersim::scenario {

ConsumerActor::ConsumerActor(ActorContext& context, const ConsumerSpec& spec, std::vector<Loss>& losses)
    : context_(context),
      spec_(spec),
      losses_(losses),
      publishes_(!spec.on_ack.empty() || spec.retry || spec.park || spec.reply),
      connection_(context, spec.name, spec.at, this),
      queue_(spec.queue),
      worker_free_at_(std::max<std::uint16_t>(spec.concurrency, 1), 0) {
  connection_.add_setup([this](broker::ChannelKey key) { setup(key); });
  if (spec.publishes) producer_.emplace(context, *spec.publishes, &connection_);
  if (spec.start_us > 0) {
    context_.scheduler.schedule_at(spec.start_us, [this] { connect(); });
  } else {
    connect();
  }
  if (spec.stop_us) context_.scheduler.schedule_at(*spec.stop_us, [this] { disconnect(); });
}

ActorStats ConsumerActor::stats() const {
  ActorStats out = stats_;
  if (producer_) out.published += producer_->sent();
  return out;
}

// On each new channel: its own queue first (as an application declares before it consumes),
// then its prefetch, then basic.consume.
void ConsumerActor::setup(broker::ChannelKey key) {
  auto& b = context_.client;
  if (spec_.own_queue) {
    const QueueSpec& q = *spec_.own_queue;
    auto declared = b.queue_declare(key, queue_declare_of(q));
    if (!context_.ok(declared, spec_.name, q.at)) return;
    queue_ = declared.value().name;
    for (const BindingSpec& binding : spec_.own_bindings) {
      if (!context_.ok(b.queue_bind(key, queue_, binding.exchange, binding.key, binding.arguments), spec_.name, binding.at)) {
        return;
      }
    }
  }
  if (spec_.prefetch && !context_.ok(b.basic_qos(key, spec_.prefetch), spec_.name, spec_.at)) return;
  if (!consuming_) return;
  if (spec_.poll_us) return poll(++poll_generation_);
  broker::Consume c;
  c.queue = queue_;
  c.consumer_tag = spec_.name;
  c.no_ack = spec_.auto_ack;
  c.exclusive = spec_.exclusive;
  if (spec_.priority) c.arguments.emplace_back("x-priority", broker::FieldValue(spec_.priority));
  if (spec_.stream_offset) c.arguments.emplace_back("x-stream-offset", *spec_.stream_offset);
  context_.ok(b.basic_consume(key, c), spec_.name, spec_.at);
}

void ConsumerActor::connect() {
  if (connection_.running()) return;
  std::fill(worker_free_at_.begin(), worker_free_at_.end(), context_.now());
  connection_.start();
}

void ConsumerActor::disconnect() {
  lose_in_hand("disconnected");
  connection_.stop();
}

void ConsumerActor::crash() {
  lose_in_hand("crashed");
  connection_.crash();
}

void ConsumerActor::start_consuming() {
  consuming_ = true;
  if (!connection_.running()) return connect();
  const auto key = connection_.channel();
  if (!key) return;
  if (!context_.client.has_consumer(*key, spec_.name)) setup(*key);
}

void ConsumerActor::stop_consuming() {
  consuming_ = false;
  ++poll_generation_;  // a polling loop ends
  if (spec_.poll_us) return;
  if (const auto key = connection_.open_channel()) context_.ok(context_.client.basic_cancel(*key, spec_.name), spec_.name, spec_.at);
}

// The broker closed every connection; the application is still running and reconnects, unless
// it had stopped consuming (then it has no reason to).
void ConsumerActor::after_broker_restart() {
  if (connection_.running() && consuming_) (void)connection_.channel();
}

// One basic.get, as a polling loop does: a message is worked on like a delivery and the next
// get follows once a worker is free; an empty queue means a sleep of `poll` first. A loop
// belongs to one channel and one start: a newer generation ends it.
void ConsumerActor::poll(std::uint64_t generation) {
  if (generation != poll_generation_ || !consuming_) return;
  const auto key = connection_.open_channel();
  if (!key) return;
  auto got = context_.client.basic_get(*key, queue_, spec_.auto_ack);
  if (!context_.ok(got, spec_.name, spec_.at)) return;
  sim::TimeUs next = context_.now() + context_.latency() + context_.latency() + *spec_.poll_us;
  if (got.value()) {
    static const auto tag = std::make_shared<const std::string>("");
    const broker::GetOk& ok = *got.value();
    on_deliver({key->channel, tag, ok.delivery_tag, ok.redelivered, ok.message});
    next = *std::min_element(worker_free_at_.begin(), worker_free_at_.end()) + context_.latency();
  }
  context_.scheduler.schedule_at(std::max(next, context_.now() + 1), [this, generation] { poll(generation); });
}

// The message reaches the application at `arrives_us` and waits for the first free worker.
sim::TimeUs ConsumerActor::finish_time(sim::TimeUs arrives_us, sim::TimeUs processing_us) {
  const auto worker = std::min_element(worker_free_at_.begin(), worker_free_at_.end());
  *worker = std::max(arrives_us, *worker) + processing_us;
  return *worker;
}

// The random numbers for one delivery, keyed by its queue, the message's content and how often
// the queue's consumers have met that content, not by how many deliveries came before it or
// by which competing consumer got it: a message published by hand changes no other message's
// processing time or outcome, and a real broker's different share-out among consumers
// (`verify`) changes no outcome either.
sim::Rng ConsumerActor::draws_for(const broker::Delivery& d) {
  // A server-named queue's name differs from run to run: such a queue is this consumer's own.
  const std::string& queue = spec_.queue.empty() ? spec_.name : spec_.queue;
  const std::uint64_t key = sim::hash_text(d.message->body(), sim::hash_text(d.message->routing_key()));
  const std::uint32_t meeting = context_.meetings[queue][key]++;
  return sim::Rng(sim::mix_seed(sim::mix_seed(sim::mix_seed(context_.run_seed, sim::hash_text(queue)), key), meeting));
}

void ConsumerActor::on_deliver(const broker::Delivery& d) {
  ++stats_.received;
  sim::Rng draws = draws_for(d);
  if (spec_.auto_ack) return take_auto_acked(d, draws);
  const Outcome outcome = decide(d, draws);
  const sim::TimeUs to_client = draw(draws, context_.latency_distribution);
  const sim::TimeUs processing = draw(draws, spec_.processing);
  const sim::TimeUs to_broker = draw(draws, context_.latency_distribution);
  const sim::TimeUs done = finish_time(context_.now() + to_client, processing);
  // What a service needs from the message once its work is done. Only one that publishes
  // keeps the message (a reference, not a copy) to answer it.
  Handled handled;
  handled.retries = retries_of(d);
  if (publishes_) handled.message = d.message;
  const bool failed = outcome != Outcome::kAck;
  const bool park = spec_.max_retries && failed && handled.retries >= *spec_.max_retries;
  const bool retry = spec_.retry && failed && !park;
  const std::uint64_t generation = connection_.generation();
  const std::uint64_t tag = d.delivery_tag;
  context_.scheduler.schedule_at(done + to_broker, [this, generation, tag, outcome, park, retry, handled = std::move(handled)] {
    if (generation != connection_.generation()) return;  // its channel died meanwhile: the tag is void
    finish(tag, outcome, park, retry, handled);
  });
}

// Auto-ack: the broker forgot the message when it sent it. The application holds it until its
// work is done; if it dies before that, the message is lost.
void ConsumerActor::take_auto_acked(const broker::Delivery& d, sim::Rng& draws) {
  const sim::TimeUs to_client = draw(draws, context_.latency_distribution);
  const sim::TimeUs done = finish_time(context_.now() + to_client, draw(draws, spec_.processing));
  const std::uint64_t taken = ++taken_;
  in_hand_.emplace(taken, d.message->id());
  context_.scheduler.schedule_at(done, [this, taken] {
    if (in_hand_.erase(taken)) ++stats_.processed;
  });
}

void ConsumerActor::lose_in_hand(std::string_view how) {
  if (in_hand_.empty()) return;
  const auto key = connection_.open_channel();
  for (const auto& [taken, message_id] : in_hand_) {
    auto& e = context_.tracer.begin(trace::EventKind::kLostInConsumer);
    e.message_id = message_id;
    e.consumer_tag = spec_.name;
    if (key) {
      e.connection = key->connection;
      e.channel = key->channel;
    }
    e.text = std::string(how);
    context_.tracer.emit();
  }
  stats_.lost += in_hand_.size();
  losses_.push_back({spec_.name, context_.now(), in_hand_.size(), std::string(how)});
  in_hand_.clear();
}

void ConsumerActor::finish(std::uint64_t tag, Outcome outcome, bool park, bool retry, const Handled& handled) {
  const auto key = connection_.open_channel();
  if (!key) return;
  ++stats_.processed;
  auto& b = context_.client;
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
    context_.ok(b.basic_ack(*key, tag), spec_.name, spec_.at);
    return;
  }
  if (park) {
    // Out of retries: set aside for a person to look at, and acked so it stops cycling.
    ++stats_.parked;
    publish(*spec_.park, handled);
    ++stats_.acked;
    context_.ok(b.basic_ack(*key, tag), spec_.name, spec_.at);
    return;
  }
  settle(*key, tag, outcome, handled);
}

void ConsumerActor::settle(broker::ChannelKey key, std::uint64_t tag, Outcome outcome, const Handled& handled) {
  auto& b = context_.client;
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
      context_.ok(b.basic_ack(key, tag), spec_.name, spec_.at);
      break;
    case Outcome::kNackRequeue:
      ++stats_.requeued;
      context_.ok(b.basic_nack(key, tag, true), spec_.name, spec_.at);
      break;
    case Outcome::kNack:
      ++stats_.nacked;
      context_.ok(b.basic_nack(key, tag, false), spec_.name, spec_.at);
      break;
    case Outcome::kReject:
      ++stats_.rejected;
      context_.ok(b.basic_reject(key, tag, false), spec_.name, spec_.at);
      break;
  }
}

// How many times this message was already retried: the x-retry-count header this service
// sets when it retries by republishing, or else its deaths in this queue (from x-death).
std::uint64_t ConsumerActor::retries_of(const broker::Delivery& d) const {
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
    if (queue && queue->as_string() && *queue->as_string() == queue_ && count && count->as_integer()) {
      retries += static_cast<std::uint64_t>(*count->as_integer());
    }
  }
  return retries;
}

void ConsumerActor::publish(const FollowUp& f, const Handled& handled) {
  const auto key = connection_.open_channel();
  if (!key) return;
  broker::Publish& p = publish_scratch_;
  fill_publish(p, f.exchange, f.message, stats_.published + 1, spec_.name, handled.message.get());
  ++stats_.published;
  context_.ok(context_.client.basic_publish(*key, p), spec_.name, spec_.at);
}

// A rule on a header (its presence, or its value, compared as RabbitMQ compares header values)
// decides first; otherwise the weighted draw.
Outcome ConsumerActor::decide(const broker::Delivery& d, sim::Rng& draws) {
  if (const broker::FieldTable* headers = d.message->headers()) {
    for (const auto& rule : spec_.rules) {
      const broker::FieldValue* value = broker::find_field(*headers, rule.header);
      if (value && (!rule.equals || broker::erlang_equal(*value, *rule.equals))) return rule.outcome;
    }
  }
  const std::uint64_t weights[] = {spec_.ack_ppm, spec_.nack_requeue_ppm, spec_.nack_ppm, spec_.reject_ppm};
  static constexpr Outcome kOutcomes[] = {Outcome::kAck, Outcome::kNackRequeue, Outcome::kNack, Outcome::kReject};
  if (weights[0] + weights[1] + weights[2] + weights[3] == 0) return Outcome::kAck;
  return kOutcomes[draws.weighted_choice(weights)];
}

}  // namespace brokersim::scenario
