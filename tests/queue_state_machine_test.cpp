// Each queue type alone, with no broker around it: seeded streams of commands, the queue's own
// invariants checked after every one, and a model on the test side that follows every message
// through the effects the queue hands back. The model never reads the queue's counters; it
// compares what it expects to be ready with what is.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "broker/channel.h"
#include "broker/consumer.h"
#include "broker/queue.h"
#include "broker/stream_queue.h"
#include "sim/rng.h"

using namespace brokersim;
using namespace brokersim::broker;

namespace {

struct Held {
  Consumer* consumer = nullptr;  // null for basic.get, or once its consumer is cancelled
  QueuedMessage entry;
  bool counts_toward_prefetch = false;  // a consumer's delivery does, basic.get's does not
};

class Replay {
 public:
  Replay(QueueType type, FieldTable arguments, std::uint64_t seed) : rng_(seed) {
    auto parsed = parse_queue_arguments(arguments, "q", {.durable = type != QueueType::kClassic});
    REQUIRE(parsed.ok());
    queue_ = make_queue("q", QueueSettings{type != QueueType::kClassic, false, 0, arguments}, parsed.value());
    channel_ = std::make_unique<Channel>(1, 1, 1, nullptr);
  }

  Queue& queue() { return *queue_; }
  bool stream() const { return queue_->type() == QueueType::kStream; }

  // One random step: a command, or time passing.
  void step() {
    const std::uint64_t roll = rng_.below(100);
    if (roll < 30) return enqueue();
    if (roll < 40) return apply(command::Dispatch{.fresh_publish = rng_.below(2) == 0});
    if (roll < 50) {
      now_ += static_cast<sim::TimeUs>(rng_.below(400)) * 1000;
      return apply(command::Tick{});
    }
    if (roll < 56 && !stream()) {
      taking_no_ack_ = rng_.below(3) == 0;
      return apply(command::Take{.no_ack = taking_no_ack_});
    }
    if (roll < 80) return settle();
    if (roll < 87 && live_consumers() < 3) return add_consumer();
    if (roll < 90) return cancel_consumer();
    if (roll < 92 && !stream()) return apply(command::Purge{});
    apply(command::Dispatch{});
  }

  // Applies a command and everything it asks to be applied next, following every effect.
  void apply(Command command) {
    std::vector<Command> todo{std::move(command)};
    while (!todo.empty()) {
      Command next = std::move(todo.back());
      todo.pop_back();
      const bool arriving = std::holds_alternative<command::Enqueue>(next);
      const Message::Id arriving_id = arriving ? std::get<command::Enqueue>(next).message->id() : 0;
      if (arriving && !stream()) ready_.insert(arriving_id);
      Effects effects;
      queue_->apply(now_, std::move(next), effects);
      for (Effect& effect : effects) follow(effect, todo);
      queue_->check_invariants();
      check_model();
    }
  }

  void check_model() {
    std::set<Message::Id> actual;
    queue_->ready().for_each([&](const QueuedMessage& m) { CHECK(actual.insert(m.message->id()).second); });
    CHECK(actual == ready_);
    std::uint64_t awaiting = 0;
    for (const auto& [id, held] : held_) awaiting += 1;
    CHECK(queue_->unacked_count() == awaiting);
    for (const auto& c : consumers_) {
      if (c->prefetch_limit && !c->no_ack) CHECK(c->unacked <= c->prefetch_limit);
    }
    if (stream()) CHECK(queue_->stream_log().size() == appended_);
  }

  std::uint64_t deliveries() const { return deliveries_; }
  std::uint64_t deaths(DeathReason reason) const { return deaths_.count(reason) ? deaths_.at(reason) : 0; }
  std::uint64_t drops(trace::Reason reason) const { return drops_.count(reason) ? drops_.at(reason) : 0; }
  std::uint64_t ticks_scheduled() const { return ticks_; }

 private:
  void follow(Effect& effect, std::vector<Command>& todo) {
    if (auto* d = std::get_if<effect::Deliver>(&effect)) return delivered(d->consumer, std::move(d->entry));
    if (auto* h = std::get_if<effect::Hand>(&effect)) return handed(std::move(h->entry));
    if (auto* d = std::get_if<effect::DeadLetter>(&effect)) {
      ++deaths_[d->reason];
      return gone(d->entry);
    }
    if (auto* d = std::get_if<effect::Drop>(&effect)) {
      ++drops_[d->reason];
      return gone(d->entry);
    }
    if (auto* r = std::get_if<effect::Requeued>(&effect)) {
      CHECK(!stream());
      ready_.insert(r->message);
      return;
    }
    if (auto* s = std::get_if<effect::ScheduleTick>(&effect)) {
      CHECK(s->at > now_);  // whatever was due has gone
      ++ticks_;
      return;
    }
    if (auto* t = std::get_if<effect::Then>(&effect)) todo.push_back(std::move(t->next));
  }

  void delivered(Consumer* consumer, QueuedMessage entry) {
    ++deliveries_;
    REQUIRE(consumer != nullptr);
    CHECK(consumer->queue == queue_.get());
    if (stream()) {
      // Each consumer reads the log in order, from where it started.
      const auto* offset = find_field(*entry.message->properties().headers, "x-stream-offset");
      REQUIRE(offset != nullptr);
      const auto read = static_cast<std::uint64_t>(*offset->as_integer());
      CHECK(read < consumer->stream_offset);
      if (auto last = last_read_.find(consumer); last != last_read_.end()) CHECK(read == last->second + 1);
      last_read_[consumer] = read;
    } else {
      CHECK(ready_.erase(entry.message->id()) == 1);
    }
    if (consumer->no_ack) return;
    // The queue spent the consumer's credit as it chose it, never past its prefetch.
    if (consumer->prefetch_limit) CHECK(consumer->unacked <= consumer->prefetch_limit);
    held_.emplace(next_tag_++, Held{consumer, std::move(entry), true});
  }

  void handed(QueuedMessage entry) {
    ++deliveries_;
    CHECK(ready_.erase(entry.message->id()) == 1);
    if (!taking_no_ack_) held_.emplace(next_tag_++, Held{nullptr, std::move(entry), false});
  }

  void gone(const QueuedMessage& entry) {
    // A refused arrival, a settled delivery, or a ready message: it is nowhere now.
    ready_.erase(entry.message->id());
  }

  void enqueue() {
    BasicProperties properties;
    if (rng_.below(3) == 0) properties.priority = static_cast<std::uint8_t>(rng_.below(12));
    if (rng_.below(4) == 0) properties.expiration = std::to_string(rng_.below(500));
    if (rng_.below(2) == 0) properties.delivery_mode = 2;
    const Message::Id id = next_id_++;
    auto message = Message::create(id, std::make_shared<const std::string>("x"), "k", std::move(properties),
                                   std::string(rng_.below(40), 'b'), now_);
    if (stream()) ++appended_;
    apply(command::Enqueue{std::move(message)});
  }

  void settle() {
    if (held_.empty()) return;
    auto it = held_.begin();
    std::advance(it, static_cast<long>(rng_.below(held_.size())));
    Held held = std::move(it->second);
    const std::uint64_t tag = it->first;
    held_.erase(it);
    if (held.counts_toward_prefetch) --channel_->unacked_toward_global;
    if (held.consumer) --held.consumer->unacked;
    Settlement how = Settlement::kAck;
    const std::uint64_t roll = rng_.below(3);
    if (roll == 1) how = Settlement::kRequeue;
    if (roll == 2 && !stream()) how = Settlement::kReject;
    apply(command::Settle{how, std::move(held.entry), DeliveryOrigin{1, 1, tag, false},
                          how == Settlement::kAck ? SettledBy::kAck : SettledBy::kNack});
    if (held.consumer && held.consumer->passed_over) apply(command::Credit{held.consumer});
  }

  void add_consumer() {
    auto consumer = std::make_unique<Consumer>();
    consumer->id = next_consumer_id_++;
    consumer->shared_tag = std::make_shared<const std::string>("c" + std::to_string(consumer->id));
    consumer->channel = channel_.get();
    consumer->queue = queue_.get();
    consumer->no_ack = !stream() && rng_.below(4) == 0;
    consumer->priority = static_cast<std::int32_t>(rng_.below(3));
    consumer->prefetch_limit = stream() ? 1 + static_cast<std::uint32_t>(rng_.below(4))
                                        : static_cast<std::uint32_t>(rng_.below(4));
    if (stream()) {
      auto offset = static_cast<const StreamQueue&>(*queue_).start_offset(now_, nullptr);
      REQUIRE(offset.ok());
      consumer->stream_offset = rng_.below(2) == 0 ? 0 : offset.value();
    }
    Consumer* added = consumer.get();
    consumers_.push_back(std::move(consumer));
    apply(command::AddConsumer{added});
    apply(command::Dispatch{});
  }

  void cancel_consumer() {
    if (live_consumers() == 0) return;
    Consumer* victim = queue_->consumers()[rng_.below(queue_->consumers().size())];
    apply(command::CancelConsumer{victim});
    // Its deliveries stay awaiting settlement, no longer counted against it.
    for (auto& [tag, held] : held_) {
      if (held.consumer == victim) held.consumer = nullptr;
    }
    victim->queue = nullptr;
  }

  std::size_t live_consumers() const { return queue_->consumers().size(); }

  sim::Rng rng_;
  std::unique_ptr<Queue> queue_;
  std::unique_ptr<Channel> channel_;
  std::vector<std::unique_ptr<Consumer>> consumers_;
  sim::TimeUs now_ = 0;
  Message::Id next_id_ = 1;
  std::uint64_t next_consumer_id_ = 1;
  std::uint64_t next_tag_ = 1;
  std::set<Message::Id> ready_;
  std::map<std::uint64_t, Held> held_;
  std::uint64_t appended_ = 0;
  bool taking_no_ack_ = false;
  std::uint64_t deliveries_ = 0;
  std::uint64_t ticks_ = 0;
  std::map<DeathReason, std::uint64_t> deaths_;
  std::map<trace::Reason, std::uint64_t> drops_;
  std::map<const Consumer*, std::uint64_t> last_read_;  // streams: the offset each consumer read last
};

FieldTable limited(std::string_view overflow) {
  return {{"x-max-length", FieldValue(5)}, {"x-message-ttl", FieldValue(800)}, {"x-overflow", std::string(overflow)}};
}

// A durable classic or quorum queue named "q" with these arguments.
std::unique_ptr<Queue> durable_queue(QueueType type, FieldTable arguments) {
  if (type == QueueType::kQuorum) arguments.emplace_back("x-queue-type", std::string("quorum"));
  auto parsed = parse_queue_arguments(arguments, "q", {.durable = true});
  REQUIRE(parsed.ok());
  return make_queue("q", QueueSettings{true, false, 0, arguments}, parsed.value());
}

}  // namespace

TEST_CASE("a classic queue, replayed alone: the model and the queue agree after every command") {
  for (std::string_view overflow : {"drop-head", "reject-publish", "reject-publish-dlx"}) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      CAPTURE(overflow);
      CAPTURE(seed);
      FieldTable arguments = limited(overflow);
      arguments.emplace_back("x-max-priority", FieldValue(3));
      Replay replay(QueueType::kClassic, arguments, seed);
      for (int i = 0; i < 1500; ++i) {
        replay.step();
        // A drop-head classic queue never holds more ready messages than its limit.
        if (overflow == "drop-head") CHECK(replay.queue().ready_count() <= 5);
      }
      CHECK(replay.deliveries() > 100);
      // A full queue drops its head as maxlen, or refuses the arrival: dead-lettered with
      // reject-publish-dlx, dropped with reject-publish.
      CHECK((replay.deaths(DeathReason::kMaxlen) > 0) == (overflow != "reject-publish"));
      CHECK((replay.drops(trace::Reason::kRefused) > 0) == (overflow == "reject-publish"));
      CHECK(replay.deaths(DeathReason::kRejected) > 0);
      CHECK(replay.deaths(DeathReason::kExpired) > 0);
      CHECK(replay.ticks_scheduled() > 0);
    }
  }
}

TEST_CASE("a quorum queue, replayed alone: delivery limits dead-letter, and the model agrees throughout") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    FieldTable arguments = limited("drop-head");
    arguments.emplace_back("x-queue-type", std::string("quorum"));
    arguments.emplace_back("x-delivery-limit", FieldValue(1));
    Replay replay(QueueType::kQuorum, arguments, seed);
    for (int i = 0; i < 1500; ++i) replay.step();
    CHECK(replay.deliveries() > 100);
    CHECK(replay.deaths(DeathReason::kDeliveryLimit) > 0);
    CHECK(replay.deaths(DeathReason::kExpired) > 0);
  }
}

TEST_CASE("a stream, replayed alone: every consumer reads the log in order, and nothing leaves it") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    Replay replay(QueueType::kStream, {{"x-queue-type", std::string("stream")}}, seed);
    for (int i = 0; i < 1500; ++i) replay.step();
    CHECK(replay.deliveries() > 100);
    CHECK(replay.queue().ready_count() == 0);
    CHECK(replay.deaths(DeathReason::kExpired) == 0);
  }
}

TEST_CASE("a quorum queue lets one message past its limit, where a classic queue refuses it") {
  for (QueueType type : {QueueType::kClassic, QueueType::kQuorum}) {
    auto queue = durable_queue(type, {{"x-max-length", FieldValue(1)}, {"x-overflow", std::string("reject-publish")}});
    auto origin = std::make_shared<const std::string>("x");
    Effects effects;
    for (Message::Id id = 1; id <= 3; ++id) {
      queue->apply(0, command::Enqueue{Message::create(id, origin, "k", {}, "body", 0)}, effects);
    }
    const auto refused = std::count_if(effects.begin(), effects.end(),
                                       [](const Effect& e) { return std::holds_alternative<effect::RefusePublish>(e); });
    CHECK(queue->ready_count() == (type == QueueType::kQuorum ? 2 : 1));
    CHECK(refused == (type == QueueType::kQuorum ? 1 : 2));
  }
}

TEST_CASE("a requeue over the limit drops the head in a classic queue, and not in a quorum queue") {
  for (QueueType type : {QueueType::kClassic, QueueType::kQuorum}) {
    CAPTURE(static_cast<int>(type));
    auto queue = durable_queue(type, {{"x-max-length", FieldValue(2)}});
    auto origin = std::make_shared<const std::string>("x");
    Effects effects;
    queue->apply(0, command::Enqueue{Message::create(1, origin, "k", {}, "a", 0)}, effects);
    queue->apply(0, command::Enqueue{Message::create(2, origin, "k", {}, "b", 0)}, effects);
    queue->apply(0, command::Take{.no_ack = false}, effects);
    REQUIRE(effects.size() == 1);
    QueuedMessage taken = std::get<effect::Hand>(effects.front()).entry;
    effects.clear();
    queue->apply(0, command::Enqueue{Message::create(3, origin, "k", {}, "c", 0)}, effects);
    CHECK(effects.empty());  // b and c: at the limit, not over it
    queue->apply(0, command::Settle{Settlement::kRequeue, std::move(taken), {}, SettledBy::kNack}, effects);
    // Then whatever the queue asks next (a classic queue trims its head one step at a time).
    for (std::size_t i = 0; i < effects.size(); ++i) {
      if (auto* then = std::get_if<effect::Then>(&effects[i])) {
        Command next = std::move(then->next);  // out of the vector, which the apply may grow
        queue->apply(0, std::move(next), effects);
      }
    }
    const auto died = std::count_if(effects.begin(), effects.end(), [](const Effect& e) {
      const auto* d = std::get_if<effect::DeadLetter>(&e);
      return d && d->reason == DeathReason::kMaxlen && d->entry.message->id() == 1;
    });
    CHECK(died == (type == QueueType::kClassic ? 1 : 0));
    CHECK(queue->ready_count() == (type == QueueType::kClassic ? 2u : 3u));
  }
}
