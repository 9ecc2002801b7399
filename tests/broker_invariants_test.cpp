// Random sequences of client operations, checking after every step that no message copy is
// lost or duplicated and that the broker's counters agree with its contents (in the manner
// of RabbitMQ's rabbit_fifo_prop_SUITE). Errors are allowed; crashes and leaks are not.
#include <doctest/doctest.h>

#include <string>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

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

}  // namespace

TEST_CASE("invariants: random client operations never lose or duplicate a message") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    World w(seed);
    brokersim::sim::Rng dice(seed * 7919);
    std::vector<Client*> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(&w.client("c" + std::to_string(i)));
    const std::vector<std::string> queues = {"a", "b", "c"};
    auto any_channel = [&]() -> ChannelKey {
      Client* c = clients[dice.below(clients.size())];
      if (!w.broker.connection_open(c->id)) {
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
          (void)w.broker.basic_consume(ch, c);
          break;
        }
        case 5: {
          const Channel* channel = w.broker.find_channel(ch);
          if (channel && !channel->consumers.empty()) (void)w.broker.basic_cancel(ch, channel->consumers.begin()->first);
          break;
        }
        case 6:
        case 7: {
          // Settle a delivery this channel really has, or a made-up tag now and then.
          std::uint64_t tag = 1 + dice.below(20);
          const bool multiple = dice.chance(1, 3);
          const auto what = dice.below(3);
          if (what == 0) (void)w.broker.basic_ack(ch, tag, multiple);
          if (what == 1) (void)w.broker.basic_nack(ch, tag, multiple, dice.chance(1, 2));
          if (what == 2) (void)w.broker.basic_reject(ch, tag, dice.chance(1, 2));
          break;
        }
        case 8: (void)w.broker.basic_get(ch, q, dice.chance(1, 2)); break;
        case 9:
          if (dice.chance(1, 2)) {
            (void)w.broker.channel_close(ch);
          } else {
            (void)w.broker.basic_recover(ch, true);
          }
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
          if (dice.chance(1, 5)) w.broker.close_connection(ch.connection);
          break;
      }
      check_consistency(w);
    }
    // Closing everything returns every unacked message to its queue.
    for (Client* c : clients) w.broker.close_connection(c->id);
    check_consistency(w);
    for (const auto& [name, q] : w.broker.queues()) CHECK(q->unacked_count() == 0);
  }
}
