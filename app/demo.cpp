#include "demo.h"

#include <fstream>
#include <memory>
#include <stdexcept>

#include "demo_scenario.h"
#include "scenario/loader.h"
#include "scenario/runner.h"
#include "trace/describe.h"
#include "trace/fingerprint.h"
#include "trace/jsonl_writer.h"

namespace brokersim::app {
namespace {

// Prints each event as it happens: "[  1.234000s] published message #3 ...", and counts them.
class LogPrinter final : public trace::Sink {
 public:
  LogPrinter(std::ostream& out, bool print) : out_(out), print_(print) {}
  void on_event(const trace::Event& e) override {
    ++events;
    if (print_) out_ << '[' << trace::format_time(e.time_us) << "] " << trace::describe(e) << '\n';
  }
  std::uint64_t events = 0;

 private:
  std::ostream& out_;
  bool print_;
};

}  // namespace

std::string run_demo(const DemoOptions& options, std::ostream& out) {
  scenario::LoadResult loaded = scenario::load_scenario_text(kDemoScenario, "demo.yaml");
  if (!loaded.ok()) throw std::runtime_error("the built-in demo does not load: " + loaded.errors.front().to_string());
  trace::Fingerprint fingerprint;
  LogPrinter printer(out, options.print_log);
  scenario::RunOptions run_options;
  run_options.seed = options.seed;
  run_options.sinks = {&fingerprint, &printer};
  std::ofstream trace_file;
  std::unique_ptr<trace::JsonlWriter> jsonl;
  if (!options.trace_path.empty()) {
    trace_file.open(options.trace_path);
    if (!trace_file) throw std::runtime_error("cannot write trace file '" + options.trace_path + "'");
    jsonl = std::make_unique<trace::JsonlWriter>(trace_file);
    run_options.sinks.push_back(jsonl.get());
  }
  scenario::Runner runner(loaded.scenario, run_options);
  runner.run();
  const auto& a = runner.broker().accounting();
  out << "\nsummary: " << a.published << " published, " << a.unroutable << " unroutable, " << a.copies_enqueued
      << " copies enqueued, " << a.copies_acked << " acked, " << a.copies_dead_lettered << " dead-lettered, "
      << a.copies_dropped << " dropped; nothing lost: " << (runner.broker().nothing_lost() ? "yes" : "NO") << '\n';
  out << "events: " << printer.events << ", simulated time: " << trace::format_time(runner.end_us()) << '\n';
  return fingerprint.hex();
}

}  // namespace brokersim::app
