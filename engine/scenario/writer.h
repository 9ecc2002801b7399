#pragma once
// A scenario back to YAML, in the format scenarios/README.md describes: the loader's other
// half, so what the GUI edits can be saved and loaded again. Writing then loading gives the same scenario (positions in
// the file aside) and so the same run.
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace brokersim::scenario {

std::string scenario_to_yaml(const scenario::Scenario& scenario);

// One item of a list section as the writer writes it, relative to its own dash: "- {...}\n",
// or for an actor "- producer:\n" and its fields indented under it. `at` is where the
// loader found it, when it came from a file.
struct SectionItem {
  std::string text;
  scenario::Position at;
};
struct SectionItems {
  std::vector<SectionItem> exchanges, queues, bindings, actors, timeline;
};
SectionItems section_items(const scenario::Scenario& scenario);

}  // namespace brokersim::scenario
