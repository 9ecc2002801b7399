#include "gui/scenario_files.h"

#include "gui/model/scenario_writes.h"
#include "gui/platform.h"

namespace brokersim::gui {

void write_scenario(GuiApp& app, const std::string& path) {
  const WriteReport written = save_scenario(app.session, path);
  if (written.status) offer_file(path);
  app.report(written.status, written.summary);
}

void write_definitions(GuiApp& app, const std::string& path) {
  const WriteReport written = export_definitions_file(app.session, path);
  if (written.status) offer_file(path);
  app.report(written.status, written.summary);
}

}  // namespace brokersim::gui
