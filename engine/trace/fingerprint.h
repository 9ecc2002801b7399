#pragma once
// A run's fingerprint: a stable 64-bit hash (FNV-1a) of its canonical JSONL trace. Two runs
// with the same scenario and seed must print the same fingerprint; tests check this.
#include <cstdint>
#include <string>
#include <string_view>

#include "trace/tracer.h"

namespace brokersim::trace {

class Fingerprint final : public Sink {
 public:
  void on_event(const Event& event) override;
  void add(std::string_view bytes);
  std::uint64_t value() const { return hash_; }
  std::string hex() const;

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace brokersim::trace
