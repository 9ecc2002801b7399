#pragma once
// Writing what the GUI saves, to exactly the path given: the open scenario as YAML (its own
// text edited in place where it can be, with dragged node positions as `layout:`), and its
// topology as RabbitMQ definitions JSON. No ImGui here, so tests check the files written.
#include <string>

#include "gui/model/session.h"
#include "gui/model/status.h"

namespace brokersim::gui {

// Writes `text` to `path`, replacing what was there.
Status write_text_file(const std::string& path, const std::string& text);

// What a save or an export did, for the status bar.
struct WriteReport {
  Status status;
  std::string summary;  // what was written, and what was kept or left out
};

// Saves the session's scenario to `path` and, once written, marks the session saved.
WriteReport save_scenario(Session& session, const std::string& path);
// Exports the session's topology as definitions JSON to `path`.
WriteReport export_definitions_file(const Session& session, const std::string& path);

}  // namespace brokersim::gui
