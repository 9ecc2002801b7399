#pragma once
// The whole trace of a run, kept in memory compactly: names and texts repeat endlessly, so
// each distinct string is stored once and events refer to it by number. The GUI seeks and
// rewinds over this; a Recorder of full Event copies would be several times larger and slower.
//
// A 10-minute scenario keeps close to a million events, so the record is kept small (64
// bytes): fields that are almost always empty live in a side record, sequence numbers are
// stored as runs (they count up by one), and list lengths follow from where the next event's
// lists start. Route explanations are shared by the broker (one per path), so they are kept
// once each, by reference.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "trace/chunked_vector.h"
#include "trace/string_pool.h"
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
  // Single fields without rebuilding the event, for readers that walk a whole run.
  std::uint64_t message_id_at(std::size_t index) const { return events_[index].message_id; }
  std::uint64_t connection_at(std::size_t index) const;
  const std::string& exchange_at(std::size_t index) const { return strings_.text(events_[index].exchange); }
  const std::string& routing_key_at(std::size_t index) const { return strings_.text(events_[index].routing_key); }
  std::size_t distinct_strings() const { return strings_.size(); }

 private:
  using StringId = StringPool::Id;
  // What few events carry: a reason or reply, a binding's destination, a count.
  struct RareFields {
    std::uint64_t connection;  // authoritative when present: it may not fit CompactEvent's
    std::uint64_t count;
    std::uint16_t reply_code;
    Reason reason;
    ExchangeType exchange_type;
    ConnectionRole role;
    StringId destination, text;
    std::uint32_t x_death;  // into x_deaths_, or kNoXDeath
  };
  static constexpr std::uint32_t kNoXDeath = ~std::uint32_t{0};
  static constexpr std::uint32_t kNoRareFields = ~std::uint32_t{0};
  static constexpr std::uint32_t kNoRoute = ~std::uint32_t{0};
  struct CompactEvent {
    sim::TimeUs time_us;
    std::uint64_t message_id;
    std::uint64_t delivery_tag;
    std::uint32_t connection;
    std::uint32_t flags;
    StringId exchange, routing_key, queue, consumer_tag;
    std::uint32_t route;        // into routes_, or kNoRoute
    std::uint32_t first_queue;  // into queue_ids_, likewise
    std::uint32_t rare;         // into rare_, or kNoRareFields
    std::uint16_t channel;
    EventKind kind;
  };
  static_assert(sizeof(CompactEvent) <= 64, "a million of these are kept: keep them to a cache line");
  // Events from index `first_event` on have seq == index + seq_minus_index, until the next run.
  struct SeqRun {
    std::size_t first_event;
    std::uint64_t seq_minus_index;  // modulo 2^64
  };

  std::uint64_t seq_at(std::size_t index) const;
  std::uint32_t route_id(const SharedRouteExplanation& route);

  // One hint per field, and per position in the queue list (publishes through the same
  // exchange reach the same queues in the same order); see StringPool::Hint.
  static constexpr std::size_t kHintedListPositions = 8;
  struct Hints {
    StringPool::Hint exchange, routing_key, queue, consumer_tag;
    StringPool::Hint queues[kHintedListPositions];
  };

  ChunkedVector<CompactEvent> events_;
  std::vector<SharedRouteExplanation> routes_;  // each distinct explanation, kept alive
  std::vector<std::vector<DeathRecord>> x_deaths_;  // dead-lettered events' x-death, one list each
  std::unordered_map<const RouteExplanation*, std::uint32_t> route_ids_;
  std::uint32_t last_route_id_ = kNoRoute;  // consecutive publishes often share a route
  ChunkedVector<StringId> queue_ids_;
  std::vector<RareFields> rare_;
  std::vector<SeqRun> seq_runs_;
  StringPool strings_;
  Hints hints_;
};

}  // namespace brokersim::trace
