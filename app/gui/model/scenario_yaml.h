#pragma once
// A scenario back to YAML, in the format scenarios/README.md describes, so what the GUI edits
// can be saved and loaded again. Writing then loading gives the same scenario (positions in
// the file aside) and so the same run.
#include <string>

#include "scenario/scenario.h"

namespace brokersim::gui {

std::string scenario_to_yaml(const scenario::Scenario& scenario);

}  // namespace brokersim::gui
