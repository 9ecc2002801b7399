// Scenario speed: the e-commerce checkout stretched to 10 minutes at 100 orders/s (about half
// a million deliveries), simulated with the full trace kept in memory, as the GUI will keep
// it for seeking. Target: under 0.5 s. Prints the median of 5 runs.
//   usage: bench_scenario_speed [scenarios/ecommerce_checkout.yaml]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "scenario/loader.h"
#include "scenario/runner.h"
#include "trace/trace_log.h"

using namespace brokersim;

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : "scenarios/ecommerce_checkout.yaml";
  auto loaded = scenario::load_scenario_file(file);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 2;
  }
  scenario::Scenario s = loaded.scenario;
  s.duration_us = sim::seconds(600);
  for (auto& p : s.producers) {
    p.rate_per_second = 100;
    p.stop_us = s.duration_us;
  }
  s.timeline.clear();  // no outage: steady load

  std::vector<double> seconds;
  std::uint64_t deliveries = 0, events = 0;
  for (int run = 0; run < 5; ++run) {
    trace::TraceLog log;
    scenario::RunOptions options;
    options.sinks.push_back(&log);
    const auto start = std::chrono::steady_clock::now();
    scenario::Runner runner(s, options);
    runner.run();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    deliveries = 0;
    for (std::size_t i = 0; i < log.size(); ++i) deliveries += log.kind_at(i) == trace::EventKind::kDelivered;
    events = log.size();
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf("brokersim scenario speed: %s, 10 simulated minutes at 100 orders/s\n", file.c_str());
  std::printf("%llu deliveries, %llu trace events kept in memory\n", static_cast<unsigned long long>(deliveries),
              static_cast<unsigned long long>(events));
  std::printf("median %.3f s (min %.3f, max %.3f) over 5 runs; target under 0.5 s -> %s\n", seconds[2], seconds[0],
              seconds[4], seconds[2] < 0.5 ? "met" : "MISSED");
  return 0;
}
