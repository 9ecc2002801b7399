// The invariant of issue "queue lifecycle": every message copy is in exactly one place (ready,
// unacked, acked, dead-lettered into another queue, returned, or dropped with a reason), over
// thousands of random command sequences that use TTLs, priorities, length limits,
// dead-lettering, single active consumers and quorum queues while the clock moves.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

struct Scenario {
  World w;
  brokersim::sim::Rng dice;
  std::vector<Client*> clients;
  std::vector<std::string> queues = {"plain", "ttl", "limited", "prio", "sac", "quorum", "dead"};

  explicit Scenario(std::uint64_t seed) : w(seed), dice(seed ^ 0x5eed) {
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

}  // namespace

TEST_CASE("invariant: every message is in exactly one place, over thousands of random command sequences") {
  constexpr std::uint64_t kSequences = 1500;
  constexpr int kSteps = 120;
  // What the sequences exercised, so a change that made them trivial would show.
  std::uint64_t dead_lettered = 0, dropped = 0, acked = 0, expired = 0, requeued = 0, delivery_limited = 0;
  for (std::uint64_t seed = 1; seed <= kSequences; ++seed) {
    Scenario s(seed);
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
      delivery_limited += e.kind == trace::EventKind::kDeadLettered && e.text.starts_with("delivery_limit");
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
