#include "serve_command.h"

#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "amqp/users.h"
#include "net/server.h"
#include "scenario/loader.h"
#include "scenario/runner.h"
#include "sim/clock.h"
#include "sim/rng.h"
#include "sim/scheduler.h"
#include "trace/describe.h"
#include "trace/tracer.h"
#include "whole_number.h"

namespace brokersim::app {
namespace {

constexpr int kExitBadInput = 2;

constexpr std::string_view kServeUsage =
    "usage: brokersim serve [--listen HOST:PORT ...] [--scenario FILE] [--users FILE]\n"
    "                       [--heartbeat SECONDS] [--frame-max BYTES] [--channel-max N]\n"
    "                       [--memory-high-watermark BYTES] [--log-events]\n"
    "  Serves AMQP 0-9-1 in real time. By default it listens on 127.0.0.1:5672 and [::1]:5672.\n"
    "  guest/guest may log in from loopback only; --users adds name:password lines.\n";

// Prints every broker event in plain words, as `brokersim run` does, when asked to.
class EventLog final : public trace::Sink {
 public:
  void on_event(const trace::Event& event) override {
    std::cout << trace::format_time(event.time_us) << "  " << trace::describe(event) << '\n' << std::flush;
  }
};

int bad_usage(const std::string& message) {
  std::cerr << "brokersim serve: " << message << "\n\n" << kServeUsage;
  return kExitBadInput;
}

}  // namespace

namespace {

struct ServeRequest {
  net::ServerOptions options;
  std::string scenario_path;
  std::string users_path;
  bool log_events = false;
  bool help = false;
};

// The command line, or the exit code after saying what is wrong.
std::variant<ServeRequest, int> parse_serve(int argc, char** argv) {
  ServeRequest r;
  bool explicit_listen = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    auto number = [&](std::uint64_t max, std::uint64_t& out) {
      const auto parsed = value ? parse_whole_number(value) : std::nullopt;
      if (!parsed || *parsed > max) return false;
      out = *parsed;
      ++i;
      return true;
    };
    auto text = [&](std::string& out) {
      if (!value) return false;
      out = value;
      ++i;
      return true;
    };
    std::uint64_t n = 0;
    if (arg == "--listen") {
      net::ListenAddress address;
      std::string error;
      if (!value || !net::parse_listen_address(value, address, error)) {
        return bad_usage("--listen: " + (value ? error : std::string("needs HOST:PORT")));
      }
      r.options.listen.push_back(address);
      explicit_listen = true;
      ++i;
    } else if (arg == "--scenario") {
      if (!text(r.scenario_path)) return bad_usage("--scenario needs a file");
    } else if (arg == "--users") {
      if (!text(r.users_path)) return bad_usage("--users needs a file");
    } else if (arg == "--heartbeat") {
      if (!number(65535, n)) return bad_usage("--heartbeat needs seconds (0-65535)");
      r.options.connection.heartbeat_s = static_cast<std::uint16_t>(n);
    } else if (arg == "--frame-max") {
      if (!number(UINT32_MAX, n) || n < 4096) return bad_usage("--frame-max needs bytes, at least 4096");
      r.options.connection.frame_max = static_cast<std::uint32_t>(n);
    } else if (arg == "--channel-max") {
      if (!number(65535, n) || n == 0) return bad_usage("--channel-max needs 1-65535");
      r.options.connection.channel_max = static_cast<std::uint16_t>(n);
    } else if (arg == "--memory-high-watermark") {
      if (!number(UINT64_MAX, n)) return bad_usage("--memory-high-watermark needs bytes");
      r.options.memory_high_watermark_bytes = n;
    } else if (arg == "--log-events") {
      r.log_events = true;
    } else if (arg == "--help" || arg == "-h") {
      r.help = true;
    } else {
      return bad_usage("unknown option '" + std::string(arg) + "'");
    }
  }
  if (!explicit_listen) r.options.listen = {{"127.0.0.1", 5672, true}, {"::1", 5672, false}};
  return r;
}

}  // namespace

int serve_command(int argc, char** argv) {
  auto parsed = parse_serve(argc, argv);
  if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const ServeRequest& request = std::get<ServeRequest>(parsed);
  if (request.help) {
    std::cout << kServeUsage;
    return 0;
  }
  const net::ServerOptions& options = request.options;
  const std::string& scenario_path = request.scenario_path;
  const std::string& users_path = request.users_path;
  const bool log_events = request.log_events;

  amqp::Users users;
  if (!users_path.empty()) {
    if (auto error = users.load_file(users_path)) {
      std::cerr << *error << '\n';
      return kExitBadInput;
    }
  }

  EventLog event_log;
  std::vector<trace::Sink*> sinks;
  if (log_events) sinks.push_back(&event_log);

  // With a scenario, its runner owns the broker and the scheduler and its actors play along;
  // without one, a bare broker.
  std::unique_ptr<scenario::Scenario> scenario;
  std::unique_ptr<scenario::Runner> runner;
  sim::SimClock clock;
  sim::Scheduler scheduler(clock);
  sim::Rng rng(1);
  trace::Tracer tracer(clock);
  std::unique_ptr<broker::Broker> bare_broker;
  broker::Broker* broker = nullptr;
  sim::Scheduler* live_scheduler = &scheduler;
  if (!scenario_path.empty()) {
    scenario::LoadResult loaded = scenario::load_scenario_file(scenario_path);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
      return kExitBadInput;
    }
    scenario = std::make_unique<scenario::Scenario>(std::move(loaded.scenario));
    scenario::RunOptions run_options;
    run_options.sinks = sinks;
    runner = std::make_unique<scenario::Runner>(*scenario, run_options);
    broker = &runner->live_broker();
    live_scheduler = &runner->live_scheduler();
  } else {
    for (trace::Sink* sink : sinks) tracer.add_sink(sink);
    bare_broker = std::make_unique<broker::Broker>(scheduler, rng, tracer);
    broker = bare_broker.get();
  }

  net::Server server(*broker, *live_scheduler, users, options);
  if (!server.start()) return 1;
  std::cerr << "brokersim serve: ready" << (scenario ? " with scenario " + scenario->name : std::string()) << '\n';
  server.run(/*handle_signals=*/true);
  std::cerr << "brokersim serve: stopped\n";
  return 0;
}

}  // namespace brokersim::app
