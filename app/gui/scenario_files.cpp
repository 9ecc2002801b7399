#include "gui/scenario_files.h"

#include <fstream>
#include <vector>

#include "definitions_export.h"
#include "gui/model/layout_file.h"
#include "gui/platform.h"

namespace brokersim::gui {

void write_scenario(GuiApp& app, const std::string& path) {
  bool kept_text = false;
  const std::string yaml = app.session.yaml_to_save(kept_text);
  std::ofstream out(path);
  out << yaml;
  out.close();
  std::string error = out ? "" : "cannot write " + path;
  if (error.empty() && !app.session.fixed_positions().empty()) error = write_layout(path, app.session.fixed_positions());
  if (error.empty()) {
    offer_file(path);
    app.session.mark_saved();
  }
  app.report(error, "saved " + path +
                        (kept_text ? " (the lesson's own text kept, edits applied in place)"
                                   : " (written anew: comments and short forms such as message_ttl: 5s are not kept)"));
}

void write_definitions(GuiApp& app, const std::string& path) {
  std::vector<std::string> warnings;
  const std::string json = app::export_definitions(app.session.scenario(), warnings);
  std::ofstream out(path);
  out << json << "\n";
  out.close();
  if (out) offer_file(path);
  std::string note = "wrote " + path;
  if (!warnings.empty()) note += " (" + std::to_string(warnings.size()) + " left out: " + warnings.front() + ")";
  app.report(out ? "" : "cannot write " + path, note);
}

}  // namespace brokersim::gui
