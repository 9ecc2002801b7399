#pragma once
// Searching the event log: which of a run's events match what the user typed. Rows are
// positions in the order the screen shows events (Animation::shown_order), so the log can
// list the matches up to the playhead with a binary search. No ImGui here.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gui/model/session.h"

namespace brokersim::gui {

// Lower case, without the spaces around it (a pasted " payments " still finds payments).
std::string lower_trimmed(std::string_view text);

// The rows whose plain-words line contains `needle` (case-insensitive); with `messages_only`,
// only the events of a message's journey.
std::vector<std::uint32_t> matching_rows(const Session& session, std::string_view needle, bool messages_only);

}  // namespace brokersim::gui
