#include "trace/fingerprint.h"

#include <cstdio>

#include "trace/jsonl_writer.h"

namespace brokersim::trace {

void Fingerprint::add(std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash_ ^= c;
    hash_ *= 0x100000001b3ULL;
  }
}

void Fingerprint::on_event(const Event& event) {
  add(to_json(event));
  add("\n");
}

std::string Fingerprint::hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

}  // namespace brokersim::trace
