// How long the GUI takes to seek: loading runs the scenario once and builds the animation;
// after that, the scene at any time is a lookup. Prints the load time and the seek times
// (median, p99, max) over 1,000 random times, for each scenario given.
#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdio>
#include <vector>

#include <string>

#include "gui/model/session.h"
#include "scenario/loader.h"
#include "scenario/units.h"
#include "sim/rng.h"

using namespace brokersim;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_gui_seek [--duration 10m] SCENARIO.yaml...\n");
    return 2;
  }
  std::optional<sim::TimeUs> duration;
  for (int a = 1; a < argc; ++a) {
    // --duration stretches the scenarios that follow, for a long run out of a short one.
    if (std::string(argv[a]) == "--duration" && a + 1 < argc) {
      duration = scenario::parse_duration(argv[++a]);
      continue;
    }
    scenario::LoadResult loaded = scenario::load_scenario_file(argv[a]);
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.errors.front().to_string().c_str());
      return 2;
    }
    if (duration) loaded.scenario.duration_us = *duration;
    gui::Session session;
    const auto t0 = std::chrono::steady_clock::now();
    session.open(std::move(loaded.scenario));
    const auto t1 = std::chrono::steady_clock::now();
    sim::Rng rng(42);
    gui::Scene scene;
    std::vector<double> ms;
    std::size_t dots = 0;
    for (int i = 0; i < 1000; ++i) {
      const auto t = static_cast<sim::TimeUs>(rng.next_u64() % static_cast<std::uint64_t>(session.end_us() + 1));
      const auto s0 = std::chrono::steady_clock::now();
      session.scene_at(t, scene);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count());
      dots = std::max(dots, scene.dots.size());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%s: %.1f s simulated, %zu events; load (run + animation) %.0f ms; seek median %.3f ms, p99 %.3f ms, max %.3f ms (up to %zu dots)\n",
                argv[a], static_cast<double>(session.end_us()) / 1e6, session.trace().size(),
                std::chrono::duration<double, std::milli>(t1 - t0).count(), ms[ms.size() / 2], ms[ms.size() * 99 / 100],
                ms.back(), dots);
  }
  return 0;
}
