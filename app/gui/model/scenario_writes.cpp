#include "gui/model/scenario_writes.h"

#include <fstream>
#include <vector>

#include "scenario/definitions_export.h"
#include "gui/model/layout_file.h"

namespace brokersim::gui {

Status write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return out ? Status::done() : Status::refused("cannot write " + path);
}

WriteReport save_scenario(Session& session, const std::string& path) {
  bool kept_text = false;
  WriteReport report{write_text_file(path, session.yaml_to_save(kept_text)), ""};
  if (report.status && !session.fixed_positions().empty())
    if (const std::string error = write_layout(path, session.fixed_positions()); !error.empty())
      report.status = Status::refused(error);
  if (!report.status) return report;
  session.mark_saved();
  report.summary = "saved " + path +
                   (kept_text ? " (the lesson's own text kept, edits applied in place)"
                              : " (written anew: comments and short forms such as message_ttl: 5s are not kept)");
  return report;
}

WriteReport export_definitions_file(const Session& session, const std::string& path) {
  std::vector<std::string> warnings;
  WriteReport report{write_text_file(path, scenario::export_definitions(session.scenario(), warnings) + "\n"), ""};
  report.summary = "wrote " + path;
  if (!warnings.empty())
    report.summary += " (" + std::to_string(warnings.size()) + " left out: " + warnings.front() + ")";
  return report;
}

}  // namespace brokersim::gui
