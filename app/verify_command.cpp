#include "verify_command.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "real_broker_run.h"
#include "scenario/loader.h"
#include "scenario_commands.h"
#include "trace/describe.h"
#include "whole_number.h"

namespace brokersim::app {
namespace {

constexpr int kExitDiffers = 1;
constexpr int kExitCannotRun = 2;

struct Arguments {
  std::string file;
  std::vector<net::AmqpUrl> urls;
  std::optional<double> speed;
  std::optional<std::uint64_t> seed;
  std::string restart_command;
  bool keep = false;
};

int fail(const std::string& command, const std::string& message) {
  std::cerr << "brokersim " << command << ": " << message << '\n';
  return kExitCannotRun;
}

// nullopt and a message on stderr when the arguments are wrong.
std::optional<Arguments> parse(const std::string& command, int argc, char** argv) {
  Arguments a;
  auto bad = [&](const std::string& message) {
    fail(command, message);
    return std::nullopt;
  };
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    const bool takes_value = arg == "--against" || arg == "--speed" || arg == "--seed" || arg == "--restart-command";
    if (takes_value && !value) return bad(arg + " needs a value");
    if (arg == "--against") {
      std::string error;
      auto url = net::parse_amqp_url(value, error);
      if (!url) return bad(error);
      a.urls.push_back(*url);
    } else if (arg == "--speed") {
      char* end = nullptr;
      const double speed = std::strtod(value, &end);
      if (*end != '\0' || !(speed > 0)) return bad("--speed needs a number above 0 (2 plays twice as fast)");
      a.speed = speed;
    } else if (arg == "--seed") {
      const auto seed = parse_whole_number(value);
      if (!seed) return bad("--seed needs a non-negative integer");
      a.seed = *seed;
    } else if (arg == "--restart-command") {
      a.restart_command = value;
    } else if (arg == "--keep") {
      a.keep = true;
      continue;
    } else if (arg.rfind("--", 0) == 0 || !a.file.empty()) {
      return bad("unexpected argument '" + arg + "'");
    } else {
      a.file = arg;
      continue;
    }
    ++i;
  }
  if (a.file.empty()) return bad("no scenario file given");
  if (a.urls.empty()) return bad("--against amqp://user:password@host:port/vhost is required");
  return a;
}

// A live line on a terminal; into a log, a line every few seconds.
std::function<void(sim::TimeUs)> progress_line(const RealBrokerRun* const* run, sim::TimeUs end_us) {
  const bool terminal = ::isatty(STDERR_FILENO);
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [run, end_us, terminal, last](sim::TimeUs now_us) {
    const auto now = std::chrono::steady_clock::now();
    const bool done = now_us >= end_us;
    if (!done && now - *last < (terminal ? std::chrono::milliseconds(100) : std::chrono::milliseconds(2000))) return;
    *last = now;
    std::fprintf(stderr, "%s  on the broker: %s of %s, %zu connections open%s", terminal ? "\r" : "",
                 trace::format_time(now_us).c_str(), trace::format_time(end_us).c_str(),
                 *run ? (*run)->open_connections() : 0, terminal ? "   " : "\n");
  };
}

const char* kind_text(scenario::VerifyRow::Kind kind) {
  switch (kind) {
    case scenario::VerifyRow::Kind::kExact: return "exact";
    case scenario::VerifyRow::Kind::kTiming: return "timing";
    case scenario::VerifyRow::Kind::kSimulationOnly: return "sim only";
  }
  return "";
}

void print_table(const std::vector<scenario::VerifyRow>& rows) {
  std::size_t width = 8;
  for (const auto& r : rows) width = std::max(width, r.quantity.size());
  std::printf("\n%-*s  %-8s  %9s  %9s  %s\n", static_cast<int>(width), "quantity", "kind", "simulated", "broker", "agrees");
  for (const auto& r : rows) {
    std::printf("%-*s  %-8s  %9s  %9s  %s\n", static_cast<int>(width), r.quantity.c_str(), kind_text(r.kind),
                r.simulated.c_str(), r.broker.c_str(), r.agrees ? "yes" : "NO");
  }
  bool notes = false;
  for (const auto& r : rows) {
    if (r.kind != scenario::VerifyRow::Kind::kTiming && r.agrees) continue;
    if (!notes) std::printf("\n");
    notes = true;
    std::printf("%s %s: %s\n", r.agrees ? "timing-dependent," : "DIFFERS,", r.quantity.c_str(), r.why.c_str());
  }
}

// What a run against the broker saw, and why it stopped early if it did.
struct BrokerOutcome {
  scenario::RunSide seen;
  std::optional<std::string> lost;
};

// Checks, plays, measures and cleans up. nullopt (and why, on stderr) when it cannot start.
std::optional<BrokerOutcome> play_on_broker(RealBrokerRun& real, const std::string& command) {
  if (auto why = real.prepare()) {
    real.clean_up();
    fail(command, *why);
    return std::nullopt;
  }
  real.run();
  if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
  BrokerOutcome outcome{real.measure(), real.lost()};
  real.clean_up();
  return outcome;
}

// The scenario the arguments name; its errors printed as file:line:col.
std::optional<scenario::LoadResult> load(const Arguments& args) {
  scenario::LoadResult loaded = scenario::load_scenario_file(args.file);
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  if (!loaded.ok()) return std::nullopt;
  return loaded;
}

double chosen_speed(const Arguments& a, const scenario::Scenario& s) {
  if (a.speed) return *a.speed;
  if (s.verify.speed) return *s.verify.speed;
  return default_speed(s);
}

}  // namespace

int verify_command(int argc, char** argv) {
  const auto args = parse("verify", argc, argv);
  const auto loaded = args ? load(*args) : std::nullopt;
  if (!loaded) return kExitCannotRun;
  const scenario::Scenario& s = loaded->scenario;
  const double speed = chosen_speed(*args, s);
  std::printf("brokersim verify %s against %s\n", args->file.c_str(), args->urls.front().display().c_str());
  std::printf("speed: x%g (%g s of scenario time take %.1f s on the wall clock)\n", speed,
              static_cast<double>(s.duration_us) / 1e6, static_cast<double>(s.duration_us) / 1e6 / speed);

  // The prediction: the same actors on the simulated broker.
  scenario::Observations predicted;
  scenario::RunOptions options;
  options.seed = args->seed;
  options.observations = &predicted;
  scenario::Runner prediction(s, options);
  prediction.run();
  const scenario::RunSide simulated = measure_side(s, prediction, predicted, true);

  const RealBrokerRun* live = nullptr;
  RealBrokerRun real(s, {args->urls, speed, args->seed, args->restart_command, args->keep,
                         progress_line(&live, prediction.end_us())});
  live = &real;
  const auto broker = play_on_broker(real, "verify");
  if (!broker) return kExitCannotRun;
  const auto rows = scenario::compare_runs(s, simulated, broker->seen);
  print_table(rows);
  if (broker->lost) {
    std::printf("\nverdict: incomplete: the run stopped early: %s\n", broker->lost->c_str());
    return kExitCannotRun;
  }
  const std::size_t n = scenario::differences(rows);
  std::printf("\nverdict: %s\n", n == 0 ? "agree" : ("differs in " + std::to_string(n) + " places").c_str());
  return n == 0 ? 0 : kExitDiffers;
}

int drive_command(int argc, char** argv) {
  const auto args = parse("drive", argc, argv);
  const auto loaded = args ? load(*args) : std::nullopt;
  if (!loaded) return kExitCannotRun;
  const scenario::Scenario& s = loaded->scenario;
  const double speed = chosen_speed(*args, s);
  std::printf("brokersim drive %s against", args->file.c_str());
  for (const auto& url : args->urls) std::printf(" %s", url.display().c_str());
  std::printf("\nspeed: x%g; %g s of scenario time take %.1f s\n", speed, static_cast<double>(s.duration_us) / 1e6,
              static_cast<double>(s.duration_us) / 1e6 / speed);
  const RealBrokerRun* live = nullptr;
  RealBrokerRun real(s, {args->urls, speed, args->seed, args->restart_command, args->keep,
                         progress_line(&live, s.duration_us)});
  live = &real;
  const auto outcome = play_on_broker(real, "drive");
  if (!outcome) return kExitCannotRun;
  print_drive_summary(real.runner(), outcome->seen);
  std::printf("connections opened per node:");
  for (std::size_t i = 0; i < args->urls.size(); ++i) {
    std::printf(" %s:%u: %zu", args->urls[i].host.c_str(), unsigned{args->urls[i].port}, real.connections_per_url()[i]);
  }
  std::printf("\n");
  if (outcome->lost) {
    std::printf("\nthe run stopped early: %s\n", outcome->lost->c_str());
    return kExitCannotRun;
  }
  return 0;
}

}  // namespace brokersim::app
