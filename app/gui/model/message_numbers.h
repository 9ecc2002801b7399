#pragma once
// The numbers the GUI shows for messages ("#29"), kept stable across edits and hand publishes.
// The broker numbers messages in publish order, so one hand publish at 2 s would shift every
// later number, and the "#430" a lesson's text and questions quote would become another
// message. Here a message is known by where it came from instead: who published it, to which
// exchange with which key, in answer to which message (a service's follow-up, a reply), and
// how many alike came before. The run the lesson was opened with keeps the broker's own
// numbers; a later run gives every message it shares with earlier runs the number it had
// there, and new messages (a hand publish and what follows from it) numbers after the highest.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "trace/trace_log.h"

namespace brokersim::gui {

class MessageNumbers {
 public:
  // Forgets all earlier runs: the next run numbered keeps the broker's numbers.
  void reset();
  // Numbers the messages of a run.
  void number(const trace::TraceLog& log);
  // The number shown for a message of the last run numbered (its id if unknown).
  std::uint64_t shown(std::uint64_t message_id) const;
  // The message of the last run with this shown number, or 0 if none has it.
  std::uint64_t message(std::uint64_t shown_number) const;

 private:
  std::unordered_map<std::uint64_t, std::uint64_t> number_by_origin_;  // across runs
  std::uint64_t highest_ = 0;
  // The last run's numbers both ways (0: none). Ids count up from 1, and numbers nearly so.
  std::vector<std::uint64_t> shown_by_id_, id_by_shown_;
};

}  // namespace brokersim::gui
