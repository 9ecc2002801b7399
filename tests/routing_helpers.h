#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "broker_fixture.h"

namespace brokersim::testing {

// Publishes one message and returns the queues it was routed to (from the trace), sorted.
inline std::vector<std::string> routed_to(World& w, ChannelKey ch, const std::string& exchange, const std::string& key,
                                          BasicProperties props = {}) {
  auto status = w.publish(ch, exchange, key, "x", false, std::move(props));
  REQUIRE(status.ok());
  for (auto it = w.recorder.events.rbegin(); it != w.recorder.events.rend(); ++it) {
    if (it->kind == trace::EventKind::kPublished) {
      auto queues = it->queues;
      std::sort(queues.begin(), queues.end());
      return queues;
    }
  }
  FAIL("no published event");
  return {};
}

using Names = std::vector<std::string>;

}  // namespace brokersim::testing
