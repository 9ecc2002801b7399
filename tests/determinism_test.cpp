// Same scenario and seed, same trace: run twice and compare fingerprints and the full JSONL.
#include <doctest/doctest.h>

#include <sstream>

#include "demo.h"

using brokersim::app::DemoOptions;
using brokersim::app::run_demo;

namespace {

std::string demo_log(std::uint64_t seed, std::string* fingerprint) {
  DemoOptions options;
  options.seed = seed;
  std::ostringstream out;
  *fingerprint = run_demo(options, out);
  return out.str();
}

}  // namespace

TEST_CASE("determinism: the same seed run twice gives the same fingerprint and the same log") {
  std::string f1, f2;
  const std::string log1 = demo_log(11, &f1);
  const std::string log2 = demo_log(11, &f2);
  CHECK(f1 == f2);
  CHECK(log1 == log2);
  CHECK(f1.size() == 16);
  CHECK(log1.find("nothing lost: yes") != std::string::npos);
}

TEST_CASE("determinism: another seed gives a different run") {
  std::string f1, f2;
  demo_log(11, &f1);
  demo_log(12, &f2);
  CHECK(f1 != f2);
}

TEST_CASE("determinism: many seeds each reproduce and lose nothing") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::string a, b;
    const std::string log = demo_log(seed, &a);
    demo_log(seed, &b);
    CAPTURE(seed);
    CHECK(a == b);
    CHECK(log.find("nothing lost: yes") != std::string::npos);
  }
}
