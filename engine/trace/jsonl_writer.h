#pragma once
// One JSON object per line, fields in a fixed order and defaults left out. The same text is
// the canonical form the run fingerprint hashes, so the file and the fingerprint never disagree.
#include <ostream>
#include <string>

#include "trace/tracer.h"

namespace brokersim::trace {

std::string to_json(const Event& event);

class JsonlWriter final : public Sink {
 public:
  explicit JsonlWriter(std::ostream& out) : out_(out) {}
  void on_event(const Event& event) override;

 private:
  std::ostream& out_;
};

}  // namespace brokersim::trace
