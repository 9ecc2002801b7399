#pragma once
// The optional `layout:` section of a scenario file: where the GUI puts nodes, overriding its
// automatic layout. Keys name a node by kind and name, values are world positions:
//
//   layout:
//     "exchange:orders": [300, -40]
//     "queue:payments": [680, 120]
//
// The engine's loader accepts the section and ignores it; this file reads and writes it.
#include <map>
#include <string>

#include "gui/model/topology_view.h"

namespace brokersim::gui {

// The positions in a scenario file's layout section; empty when it has none or it is unusable.
std::map<std::string, Vec2> read_layout(const std::string& path);

// Replaces the file's layout section (or appends one) with these positions, leaving the rest
// of the file as it was, comments included. Returns "" or what went wrong.
std::string write_layout(const std::string& path, const std::map<std::string, Vec2>& positions);

}  // namespace brokersim::gui
