// Simulated time, the scheduler's total order and our own RNG and distributions.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "sim/clock.h"
#include "sim/deterministic_math.h"
#include "sim/rng.h"
#include "sim/scheduler.h"

using namespace brokersim::sim;

TEST_CASE("scheduler: tasks run by due time, then in the order they were scheduled") {
  SimClock clock;
  Scheduler scheduler(clock);
  std::vector<int> order;
  scheduler.schedule_at(300, [&] { order.push_back(3); });
  scheduler.schedule_at(100, [&] { order.push_back(1); });
  scheduler.schedule_at(200, [&] { order.push_back(21); });
  scheduler.schedule_at(200, [&] { order.push_back(22); });
  scheduler.schedule_at(100, [&] { order.push_back(12); });
  while (scheduler.run_next()) {
  }
  CHECK(order == std::vector<int>{1, 12, 21, 22, 3});
  CHECK(clock.now_us() == 300);
}

TEST_CASE("scheduler: the clock jumps to each due time, tasks may schedule more, and cancel works") {
  SimClock clock;
  Scheduler scheduler(clock);
  std::vector<TimeUs> seen;
  auto doomed = scheduler.schedule_at(50, [&] { seen.push_back(-1); });
  scheduler.schedule_at(10, [&] {
    seen.push_back(clock.now_us());
    scheduler.schedule_after(5, [&] { seen.push_back(clock.now_us()); });
  });
  CHECK(scheduler.cancel(doomed));
  CHECK_FALSE(scheduler.cancel(doomed));
  CHECK(scheduler.run_until(100) == 2);
  CHECK(seen == std::vector<TimeUs>{10, 15});
  CHECK(clock.now_us() == 100);
}

TEST_CASE("rng: the same seed gives the same stream, other seeds another") {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.next_u64();
    CHECK(x == b.next_u64());
    (void)c;
  }
  Rng d(42), e(43);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += d.next_u64() == e.next_u64();
  CHECK(same == 0);
}

TEST_CASE("rng: golden values pin the generator and distributions to exact bits on every platform") {
  // These numbers come from this implementation; any change of algorithm, or a platform that
  // computes differently, fails here rather than silently changing every run's trace.
  Rng rng(1);
  CHECK(rng.next_u64() == 0xb3f2af6d0fc710c5ULL);
  CHECK(rng.below(1000) == 520u);
  CHECK(rng.uniform_int(-5, 5) == 1);
  // Exact comparisons on purpose: the same bits under GCC and Clang, any libm.
  CHECK(rng.exponential(100.0) == 0x1.8d2e6f5b19a38p+5);
  CHECK(rng.normal(0.0, 1.0) == 0x1.c0d732ae4b3ddp-2);
  CHECK(rng.normal(0.0, 1.0) == -0x1.95abea9281847p-1);
}

TEST_CASE("rng: distributions have the right shape") {
  Rng rng(7);
  constexpr int kN = 200000;
  double sum_exp = 0, sum_norm = 0, sum_norm_sq = 0;
  std::vector<int> buckets(10, 0);
  std::vector<int> picks(3, 0);
  const std::vector<std::uint64_t> weights = {1, 2, 7};
  for (int i = 0; i < kN; ++i) {
    sum_exp += rng.exponential(50.0);
    const double n = rng.normal(10.0, 2.0);
    sum_norm += n;
    sum_norm_sq += n * n;
    const auto u = rng.uniform_int(0, 9);
    REQUIRE(u >= 0);
    REQUIRE(u <= 9);
    ++buckets[static_cast<std::size_t>(u)];
    ++picks[rng.weighted_choice(weights)];
  }
  CHECK(sum_exp / kN == doctest::Approx(50.0).epsilon(0.02));
  const double mean = sum_norm / kN;
  CHECK(mean == doctest::Approx(10.0).epsilon(0.01));
  CHECK(std::sqrt(sum_norm_sq / kN - mean * mean) == doctest::Approx(2.0).epsilon(0.02));
  for (int b : buckets) CHECK(b == doctest::Approx(kN / 10.0).epsilon(0.05));
  CHECK(picks[0] == doctest::Approx(kN * 0.1).epsilon(0.05));
  CHECK(picks[2] == doctest::Approx(kN * 0.7).epsilon(0.02));
}

TEST_CASE("deterministic_log agrees with libm to within a few ulps") {
  for (double x : {1e-300, 1e-9, 0.001, 0.5, 0.7071, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300}) {
    CAPTURE(x);
    CHECK(deterministic_log(x) == doctest::Approx(std::log(x)).epsilon(1e-14));
  }
  CHECK(deterministic_log(1.0) == 0.0);
  CHECK(std::isinf(deterministic_log(0.0)));
}
