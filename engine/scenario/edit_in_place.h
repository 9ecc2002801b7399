#pragma once
// Saving an edited scenario by editing the text it was loaded from, not by writing it anew.
// The GUI's edits add and delete list items (exchanges, queues, bindings, actors, timeline
// events): a deleted item loses its lines, an added one is appended to its section in the
// file's own indentation, and everything else stays as the author wrote it: comments,
// friendly fields such as `message_ttl: 5s`, order and spacing.
#include <optional>
#include <string>

#include "scenario/scenario.h"

namespace brokersim::scenario {

// `original` is the file's text and `base` what the loader read from it. Returns the edited
// text, checked by loading it again: it must read as `edited` does. Returns nothing when the
// edit cannot be made in place (the caller then writes the scenario anew, and says so).
std::optional<std::string> edit_in_place(const std::string& original, const scenario::Scenario& base,
                                         const scenario::Scenario& edited);

}  // namespace brokersim::scenario
