// Random sequences of client operations, in the manner of RabbitMQ's rabbit_fifo_prop_SUITE.
// The broker checks its own invariants after every operation (the fixture turns that on);
// these tests add what a client can see, kept by a model of their own that does not read the
// broker's counters: which deliveries it holds, which settles must succeed, and that a copy it
// acked never comes back while one it held comes back flagged redelivered. Errors are allowed;
// crashes, leaks and lost or duplicated messages are not.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

// What the clients know: every delivery they hold unsettled, by channel and tag, and the fate
// of every message copy (a body in a queue) they have been given.
class ClientModel {
 public:
  using Channel = std::pair<ConnectionId, std::uint16_t>;
  using Copy = std::pair<std::string, std::string>;  // body, queue

  void consumed(const std::string& consumer_tag, const std::string& queue, bool no_ack) {
    consumers_[consumer_tag] = {queue, no_ack};
  }
  // A delivery pushed to a consumer, or a basic.get's message.
  void received(Channel ch, std::uint64_t tag, const std::string& body, const std::string& queue, bool no_ack,
                bool redelivered) {
    const Copy copy{body, queue};
    CHECK_MESSAGE(!settled_.count(copy), "a settled copy came back: " << body << " in " << queue);
    // A copy the clients were given before and did not settle comes back flagged.
    if (given_.count(copy)) CHECK_MESSAGE(redelivered, "a copy came back without the redelivered flag: " << body);
    given_.insert(copy);
    if (no_ack) settled_.insert(copy);
    else held_[ch][tag] = copy;
  }
  void pushed(Client& client) {
    for (std::size_t& i = seen_[&client]; i < client.deliveries.size(); ++i) {
      const Delivery& d = client.deliveries[i];
      const auto& [queue, no_ack] = consumers_.at(*d.consumer_tag);
      received({client.id, d.channel}, d.delivery_tag, std::string(d.message->body()), queue, no_ack, d.redelivered);
    }
  }
  // Whether RabbitMQ accepts this ack, nack or reject: `multiple` with tag 0 means all held,
  // otherwise the tag itself must be held (rabbit_channel's collect_acks).
  bool settle_allowed(Channel ch, std::uint64_t tag, bool multiple) const {
    if (multiple && tag == 0) return true;
    auto it = held_.find(ch);
    return it != held_.end() && it->second.count(tag);
  }
  // A settle the broker accepted: an ack, or a nack/reject without requeue, ends the copies.
  void settled(Channel ch, std::uint64_t tag, bool multiple, bool ends_them) {
    auto& held = held_[ch];
    for (auto it = held.begin(); it != held.end();) {
      if (it->first == tag || (multiple && (tag == 0 || it->first < tag))) {
        if (ends_them) settled_.insert(it->second);
        it = held.erase(it);
      } else {
        ++it;
      }
    }
  }
  // The channel closed, or recovered with requeue: what it held goes back to its queues.
  void released(Channel ch) { held_.erase(ch); }
  // Any operation's error may have closed a channel (a soft error) or its connection: a
  // client learns it from channel.close; here `is_open` says.
  template <typename IsOpen>
  void release_closed(IsOpen is_open) {
    std::erase_if(held_, [&](const auto& entry) { return !is_open(entry.first); });
  }
  void released_connection(ConnectionId id) {
    std::erase_if(held_, [&](const auto& entry) { return entry.first.first == id; });
  }
  std::size_t copies_given() const { return given_.size(); }
  std::size_t copies_settled() const { return settled_.size(); }

 private:
  std::map<std::string, std::pair<std::string, bool>> consumers_;  // tag: queue, no_ack
  std::map<const Client*, std::size_t> seen_;  // deliveries already read, per client (across its reconnections)
  std::map<Channel, std::map<std::uint64_t, Copy>> held_;
  std::set<Copy> given_, settled_;
};

// Recomputes what the broker's own counters claim, from its read-only views.
void check_consistency(World& w) {
  REQUIRE(w.broker.nothing_lost());
  for (const auto& [name, q] : w.broker.queues()) {
    std::uint64_t bytes = 0;
    std::uint64_t last_position = 0;
    bool first = true;
    q->ready().for_each([&](const QueuedMessage& m) {
      bytes += m.message->body_size();
      // Ready messages stay in arrival order, requeued ones included (these queues have no
      // priorities).
      if (!first) REQUIRE(m.position > last_position);
      last_position = m.position;
      first = false;
    });
    REQUIRE(bytes == q->ready_bytes());
    for (const Consumer* c : q->consumers()) REQUIRE(c->queue == q.get());
  }
}


struct LifecycleSequence {
  World w;
  brokersim::sim::Rng dice;
  std::vector<Client*> clients;
  std::vector<std::string> queues = {"plain", "ttl", "limited", "prio", "sac", "quorum", "dead"};

  explicit LifecycleSequence(std::uint64_t seed) : w(seed), dice(seed ^ 0x5eed) {
    for (int i = 0; i < 3; ++i) clients.push_back(&w.client("c" + std::to_string(i)));
    auto ch = channel();
    REQUIRE(w.declare_exchange(ch, "dlx", "topic").ok());
    REQUIRE(w.declare_exchange(ch, "events", "topic").ok());
    auto dl = [](FieldTable t) {
      t.emplace_back("x-dead-letter-exchange", "dlx");
      return t;
    };
    REQUIRE(w.declare_queue_with(ch, "plain", dl({})).ok());
    REQUIRE(w.declare_queue_with(ch, "ttl", dl({{"x-message-ttl", FieldValue(50)}})).ok());
    REQUIRE(w.declare_queue_with(ch, "limited", dl({{"x-max-length", FieldValue(3)}, {"x-overflow", dice.chance(1, 2) ? "reject-publish-dlx" : "drop-head"}})).ok());
    REQUIRE(w.declare_queue_with(ch, "prio", dl({{"x-max-priority", FieldValue(3)}, {"x-max-length-bytes", FieldValue(40)}})).ok());
    REQUIRE(w.declare_queue_with(ch, "sac", dl({{"x-single-active-consumer", true}})).ok());
    REQUIRE(w.declare_queue_with(ch, "quorum", dl({{"x-queue-type", "quorum"}, {"x-delivery-limit", FieldValue(2)}}), true).ok());
    // The dead-letter queue expires its messages back into "plain": cycles happen.
    REQUIRE(w.declare_queue_with(ch, "dead", {{"x-message-ttl", FieldValue(80)}, {"x-dead-letter-exchange", ""}, {"x-dead-letter-routing-key", "plain"}}).ok());
    REQUIRE(w.broker.queue_bind(ch, "dead", "dlx", "#").ok());
    for (const auto& q : queues) REQUIRE(w.broker.queue_bind(ch, q, "events", q + ".#").ok());
  }

  ChannelKey channel() {
    Client* c = clients[dice.below(clients.size())];
    if (!w.broker.connection_open(c->id)) c->id = w.broker.open_connection("again", c);
    return c->channel(static_cast<std::uint16_t>(1 + dice.below(2)));
  }

  void step() {
    ChannelKey ch = channel();
    const std::string& q = queues[dice.below(queues.size())];
    switch (dice.below(10)) {
      case 0:
      case 1:
      case 2: {
        BasicProperties props;
        if (dice.chance(1, 3)) props.expiration = std::to_string(dice.below(100));
        if (dice.chance(1, 2)) props.priority = static_cast<std::uint8_t>(dice.below(6));
        (void)w.publish(ch, dice.chance(1, 2) ? "events" : "", dice.chance(1, 2) ? q + ".x" : q,
                        std::string(1 + dice.below(12), 'b'), dice.chance(1, 4), props);
        break;
      }
      case 3: {
        (void)w.broker.basic_qos(ch, 0, static_cast<std::uint16_t>(dice.below(3)), false);
        Consume c{.queue = q, .no_ack = dice.chance(1, 5)};
        (void)w.broker.basic_consume(ch, c);
        break;
      }
      case 4:
      case 5: {
        const std::uint64_t tag = 1 + dice.below(15);
        const auto what = dice.below(3);
        if (what == 0) (void)w.broker.basic_ack(ch, tag, dice.chance(1, 3));
        if (what == 1) (void)w.broker.basic_nack(ch, tag, dice.chance(1, 3), dice.chance(1, 2));
        if (what == 2) (void)w.broker.basic_reject(ch, tag, dice.chance(1, 2));
        break;
      }
      case 6: w.advance_ms(static_cast<std::int64_t>(dice.below(120))); break;
      case 7: {
        const Channel* channel = w.broker.find_channel(ch);
        if (channel && !channel->consumers.empty()) (void)w.broker.basic_cancel(ch, channel->consumers.begin()->first);
        break;
      }
      case 8:
        if (dice.chance(1, 2)) {
          (void)w.broker.channel_close(ch);
        } else {
          (void)w.broker.basic_get(ch, q, dice.chance(1, 2));
        }
        break;
      case 9:
        if (dice.chance(1, 8)) w.broker.close_connection(ch.connection);
        break;
    }
  }
};


// Settles (ack, nack or reject) a tag the channel holds, or a made-up one now and then, and
// checks the broker accepts exactly what the model says RabbitMQ would.
void random_settle(World& w, ClientModel& model, brokersim::sim::Rng& dice, ChannelKey ch) {
  const auto what = dice.below(3);  // ack, nack, reject
  const std::uint64_t tag = dice.below(20);
  const bool multiple = what != 2 && (dice.chance(1, 3) || tag == 0);
  const bool requeue = dice.chance(1, 2);
  const ClientModel::Channel at{ch.connection, ch.channel};
  const bool open = w.broker.find_channel(ch) != nullptr;
  const bool allowed = model.settle_allowed(at, tag, multiple);
  const Status status = what == 0   ? w.broker.basic_ack(ch, tag, multiple)
                        : what == 1 ? w.broker.basic_nack(ch, tag, multiple, requeue)
                                    : w.broker.basic_reject(ch, tag, requeue);
  if (open) {
    CHECK_MESSAGE(status.ok() == allowed, "settling tag " << tag << (multiple ? " (multiple)" : ""));
    if (!status.ok()) CHECK(status.code() == ReplyCode::kPreconditionFailed);  // unknown delivery tag
  }
  if (status.ok()) model.settled(at, tag, multiple, what == 0 || !requeue);
  else model.released(at);  // the channel is closed (or was), and what it held went back
}

}  // namespace

TEST_CASE("invariants: random client operations never lose or duplicate a message") {
  std::size_t given = 0, settled = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    World w(seed);
    ClientModel model;
    brokersim::sim::Rng dice(seed * 7919);
    std::vector<Client*> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(&w.client("c" + std::to_string(i)));
    const std::vector<std::string> queues = {"a", "b", "c"};
    auto any_channel = [&]() -> ChannelKey {
      Client* c = clients[dice.below(clients.size())];
      if (!w.broker.connection_open(c->id)) {
        model.released_connection(c->id);
        c->id = w.broker.open_connection("again", c);
      }
      return c->channel(static_cast<std::uint16_t>(1 + dice.below(2)));
    };
    {
      auto ch = any_channel();
      REQUIRE(w.declare_exchange(ch, "t", "topic").ok());
      for (const auto& q : queues) w.declare_queue(ch, q);
    }
    for (int step = 0; step < 400; ++step) {
      CAPTURE(step);
      ChannelKey ch = any_channel();
      const std::string& q = queues[dice.below(queues.size())];
      switch (dice.below(12)) {
        case 0:
        case 1:
          (void)w.publish(ch, dice.chance(1, 2) ? "" : "t", dice.chance(1, 2) ? q : "k." + q, "m" + std::to_string(step),
                          dice.chance(1, 3));
          break;
        case 2: (void)w.broker.queue_bind(ch, q, "t", dice.chance(1, 2) ? "k.*" : "#"); break;
        case 3: (void)w.broker.queue_unbind(ch, q, "t", "#"); break;
        case 4: {
          Consume c;
          c.queue = q;
          c.no_ack = dice.chance(1, 4);
          if (dice.chance(1, 3)) c.arguments.emplace_back("x-priority", FieldValue(static_cast<std::int32_t>(dice.below(3))));
          (void)w.broker.basic_qos(ch, 0, static_cast<std::uint16_t>(dice.below(4)), dice.chance(1, 2));
          // Known before the consume: its first deliveries come with it.
          const std::string tag = "ctag" + std::to_string(step);
          model.consumed(tag, q, c.no_ack);
          c.consumer_tag = tag;
          (void)w.broker.basic_consume(ch, c);
          break;
        }
        case 5: {
          const Channel* channel = w.broker.find_channel(ch);
          if (channel && !channel->consumers.empty()) (void)w.broker.basic_cancel(ch, channel->consumers.begin()->first);
          break;
        }
        case 6:
        case 7: random_settle(w, model, dice, ch); break;
        case 8: {
          const bool no_ack = dice.chance(1, 2);
          auto got = w.broker.basic_get(ch, q, no_ack);
          if (got.ok() && got.value())
            model.received({ch.connection, ch.channel}, got.value()->delivery_tag, std::string(got.value()->message->body()), q,
                           no_ack, got.value()->redelivered);
          if (!got.ok()) model.released({ch.connection, ch.channel});
          break;
        }
        case 9:
          if (dice.chance(1, 2)) {
            (void)w.broker.channel_close(ch);
          } else {
            (void)w.broker.basic_recover(ch, true);
          }
          model.released({ch.connection, ch.channel});
          break;
        case 10:
          if (dice.chance(1, 4)) {
            (void)w.broker.queue_delete(ch, q, false, false);
            w.declare_queue(any_channel(), q);
          } else {
            (void)w.broker.queue_purge(ch, q);
          }
          break;
        case 11:
          if (dice.chance(1, 5)) {
            w.broker.close_connection(ch.connection);
            model.released_connection(ch.connection);
          }
          break;
      }
      for (Client* c : clients) model.pushed(*c);
      model.release_closed([&](ClientModel::Channel c) { return w.broker.find_channel({c.first, c.second}) != nullptr; });
      check_consistency(w);
    }
    // Closing everything returns every unacked message to its queue; draining the queues
    // then gives nothing the clients settled (the model checks each copy as it comes).
    for (Client* c : clients) w.broker.close_connection(c->id);
    check_consistency(w);
    for (const auto& [name, q] : w.broker.queues()) CHECK(q->unacked_count() == 0);
    Client& drain = w.client("drain");
    for (const std::string& q : queues) {
      for (;;) {
        auto got = w.broker.basic_get(drain.channel(), q, true);
        if (!got.ok() || !got.value()) break;
        model.received({drain.id, 1}, got.value()->delivery_tag, std::string(got.value()->message->body()), q, true,
                       got.value()->redelivered);
      }
    }
    given += model.copies_given();
    settled += model.copies_settled();
  }
  // What the sequences exercised, so a change that made them trivial would show.
  MESSAGE("copies given to clients " << given << ", settled " << settled);
  CHECK(given > 1200);
  CHECK(settled > 800);
}

TEST_CASE("invariant: every message is in exactly one place, over thousands of random command sequences") {
  constexpr std::uint64_t kSequences = 1500;
  constexpr int kSteps = 120;
  // What the sequences exercised, so a change that made them trivial would show.
  std::uint64_t dead_lettered = 0, dropped = 0, acked = 0, expired = 0, requeued = 0, delivery_limited = 0;
  for (std::uint64_t seed = 1; seed <= kSequences; ++seed) {
    LifecycleSequence s(seed);
    for (int step = 0; step < kSteps; ++step) {
      s.step();
      if (!s.w.broker.nothing_lost()) {
        const auto& a = s.w.broker.accounting();
        std::ostringstream why;
        why << "message accounting broken: reproduce with seed=" << seed << " at step " << step << " (enqueued "
            << a.copies_enqueued << ", acked " << a.copies_acked << ", auto-acked " << a.copies_auto_acked
            << ", dropped " << a.copies_dropped << ", dead-lettered " << a.copies_dead_lettered << ")";
        FAIL(why.str());
      }
    }
    // Let every TTL run out, then close everything: nothing stays unacked.
    s.w.advance_ms(10'000);
    for (Client* c : s.clients) s.w.broker.close_connection(c->id);
    if (!s.w.broker.nothing_lost()) FAIL("message accounting broken at the end: reproduce with seed=" << seed);
    for (const auto& [name, q] : s.w.broker.queues()) {
      if (q->unacked_count() != 0) FAIL("unacked left after closing everything: reproduce with seed=" << seed);
      expired += q->counters().expired;
      requeued += q->counters().requeued;
    }
    const auto& a = s.w.broker.accounting();
    dead_lettered += a.copies_dead_lettered;
    dropped += a.copies_dropped;
    acked += a.copies_acked;
    for (const auto& e : s.w.recorder.events)
      delivery_limited += e.kind == trace::EventKind::kDeadLettered && e.reason == trace::Reason::kDeliveryLimit;
  }
  MESSAGE("dead-lettered " << dead_lettered << ", expired " << expired << ", dropped " << dropped << ", acked "
                           << acked << ", requeued " << requeued << ", over delivery limit " << delivery_limited);
  CHECK(dead_lettered > 1000);
  CHECK(expired > 1000);
  CHECK(dropped > 100);
  CHECK(acked > 100);
  CHECK(requeued > 1000);
  CHECK(delivery_limited > 0);
}
