#pragma once
// Saving and exporting from the GUI: the panels ask where and whether; these write (see
// model/scenario_writes.h), offer the file (a download in the browser), and say what happened.
#include <string>

#include "gui/gui_app.h"

namespace brokersim::gui {

// Saves the open scenario to `path` and marks it saved. Reports to the status bar.
void write_scenario(GuiApp& app, const std::string& path);
// Exports the open scenario's topology as RabbitMQ definitions JSON. Reports what it left out.
void write_definitions(GuiApp& app, const std::string& path);

}  // namespace brokersim::gui
