#pragma once
// The whole trace of a run, kept in memory compactly: names and texts repeat endlessly, so
// each distinct string is stored once and events refer to it by number. The GUI seeks and
// rewinds over this; a Recorder of full Event copies would be several times larger and slower.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "trace/tracer.h"

namespace brokersim::trace {

class TraceLog final : public Sink {
 public:
  void on_event(const Event& event) override;

  std::size_t size() const { return events_.size(); }
  // The i-th event, rebuilt as a full Event.
  Event at(std::size_t index) const;
  EventKind kind_at(std::size_t index) const { return events_[index].kind; }
  sim::TimeUs time_at(std::size_t index) const { return events_[index].time_us; }
  std::size_t distinct_strings() const { return strings_.size(); }

 private:
  using StringId = std::uint32_t;
  struct CompactStep {
    StringId source, destination, binding_key, arguments;
    bool to_exchange, alternate, matched;
  };
  struct CompactEvent {
    std::uint64_t seq;
    sim::TimeUs time_us;
    std::uint64_t connection;
    std::uint64_t message_id;
    std::uint64_t delivery_tag;
    std::uint64_t count;
    std::uint64_t route_steps_omitted;
    std::uint32_t flags;
    std::uint16_t channel;
    std::uint16_t reply_code;
    EventKind kind;
    StringId exchange, routing_key, queue, destination, consumer_tag, text;
    std::uint32_t first_step, step_count;    // into steps_
    std::uint32_t first_queue, queue_count;  // into queue_ids_
  };

  StringId intern(const std::string& s);

  std::vector<CompactEvent> events_;
  std::vector<CompactStep> steps_;
  std::vector<StringId> queue_ids_;
  std::vector<std::string> strings_{std::string()};  // id 0 is the empty string
  std::unordered_map<std::string, StringId> ids_{{std::string(), 0}};
};

}  // namespace brokersim::trace
