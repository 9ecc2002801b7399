// Scenario speed: the e-commerce checkout stretched to 10 minutes at 100 orders/s (about
// 380,000 deliveries, each service with as many workers as its prefetch), simulated with the
// full trace kept in memory, as the GUI keeps it for seeking. Target: under 0.5 s. Prints the
// median of 11 runs (fewer when asked: one run is enough for an instruction count under
// callgrind, which is noise-free where wall time on this VM is not).
//   usage: bench_scenario_speed [scenarios/ecommerce_checkout.yaml] [runs]
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "scenario/loader.h"
#include "scenario/runner.h"
#include "trace/fingerprint.h"
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
  // Each service gets a pool of workers as large as its prefetch, so the load flows through
  // (with one worker each, most orders would wait in their queues and the run would measure
  // little).
  for (auto& c : s.consumers) c.concurrency = std::max<std::uint16_t>(c.prefetch, 1);

  // This machine is a shared VM whose speed drifts by tens of percent from one second to the
  // next, so the figure is the median of many runs, with wall and CPU time both shown.
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 11;
  std::vector<double> wall, cpu;
  std::uint64_t deliveries = 0, events = 0;
  std::string fingerprint;
  std::printf("brokersim scenario speed: %s, 10 simulated minutes at 100 orders/s\n", file.c_str());
  for (int run = 0; run < runs; ++run) {
    trace::TraceLog log;
    scenario::RunOptions options;
    options.sinks.push_back(&log);
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    scenario::Runner runner(s, options);
    runner.run();
    cpu.push_back(static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
    wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::printf("  run %2d: %.3f s wall, %.3f s cpu\n", run + 1, wall.back(), cpu.back());
    std::fflush(stdout);
    if (run + 1 == runs) {
      // Untimed: the kept trace is the whole run, and the same run every time.
      trace::Fingerprint fp;
      for (std::size_t i = 0; i < log.size(); ++i) {
        deliveries += log.kind_at(i) == trace::EventKind::kDelivered;
        fp.on_event(log.at(i));
      }
      events = log.size();
      fingerprint = fp.hex();
    }
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  const double median = wall[runs / 2];
  std::printf("%llu deliveries, %llu trace events kept in memory, trace fingerprint %s\n",
              static_cast<unsigned long long>(deliveries), static_cast<unsigned long long>(events), fingerprint.c_str());
  std::printf("cpu median %.3f s (min %.3f, max %.3f)\n", cpu[runs / 2], cpu.front(), cpu.back());
  std::printf("median %.3f s (min %.3f, max %.3f) over %d runs; target under 0.5 s -> %s\n", median, wall.front(),
              wall.back(), runs, median < 0.5 ? "met" : "MISSED");
  return 0;
}
