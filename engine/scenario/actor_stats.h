#pragma once
// What each simulated client counted: the numbers `run` prints and `expect:` reads.
#include <cstdint>

#include "sim/time.h"

namespace brokersim::scenario {

struct ActorStats {
  std::uint64_t received = 0;
  std::uint64_t processed = 0;  // work finished (for manual ack: settled)
  std::uint64_t acked = 0;
  std::uint64_t nacked = 0;    // nack without requeue
  std::uint64_t requeued = 0;  // this consumer's nack with requeue, and its own republished retries
  std::uint64_t rejected = 0;
  std::uint64_t lost = 0;       // auto-ack messages in hand when the application died
  std::uint64_t published = 0;  // follow-ups, replies, parked messages and its own publishes
  std::uint64_t parked = 0;
  // RPC clients.
  std::uint64_t requests = 0;
  std::uint64_t replies = 0;
  std::uint64_t timeouts = 0;           // requests given up on, after their retries
  std::uint64_t resent = 0;             // requests sent again after a timeout
  std::uint64_t late_replies = 0;       // replies to a request already given up on
  std::uint64_t duplicate_replies = 0;  // second replies to a request already answered
  sim::TimeUs round_trip_total_us = 0;
  sim::TimeUs round_trip_max_us = 0;
  // Producers in confirm mode: the broker's answers (`nacked` is then the broker's basic.nack).
  std::uint64_t confirmed = 0;
  std::uint64_t returned = 0;
};

}  // namespace brokersim::scenario
