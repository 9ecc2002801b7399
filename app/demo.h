#pragma once
// The built-in demo: app/demo.yaml, a small order system, played by the scenario runner.
#include <cstdint>
#include <ostream>
#include <string>

namespace brokersim::app {

struct DemoOptions {
  std::uint64_t seed = 1;
  std::string trace_path;  // JSONL output; empty for none
  bool print_log = true;
};

// Runs the demo, prints the event log and a summary to `out`, and returns the fingerprint.
std::string run_demo(const DemoOptions& options, std::ostream& out);

}  // namespace brokersim::app
