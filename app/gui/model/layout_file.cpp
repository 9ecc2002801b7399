#include "gui/model/layout_file.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace brokersim::gui {

std::map<std::string, Vec2> read_layout(const std::string& path) {
  std::map<std::string, Vec2> positions;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    const YAML::Node layout = root["layout"];
    if (!layout || !layout.IsMap()) return positions;
    for (const auto& entry : layout) {
      const YAML::Node& v = entry.second;
      if (!v.IsSequence() || v.size() != 2) continue;
      const auto x = v[0].as<double>(), y = v[1].as<double>();
      if (!std::isfinite(x) || !std::isfinite(y) || std::abs(x) > 1e6 || std::abs(y) > 1e6) continue;
      positions[entry.first.as<std::string>()] = {static_cast<float>(x), static_cast<float>(y)};
    }
  } catch (const YAML::Exception&) {
    // A layout is a convenience: a broken one is the automatic layout, never an error.
    positions.clear();
  }
  return positions;
}

namespace {

bool is_top_level_key(const std::string& line) {
  return !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '-';
}

// YAML double-quoted scalar: names may hold anything a queue name may.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string write_layout(const std::string& path, const std::map<std::string, Vec2>& positions) {
  std::ifstream in(path);
  if (!in) return "cannot read " + path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  in.close();

  // Drop the old section: its key line and everything indented under it.
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("layout:", 0) == 0) {
      ++i;
      while (i < lines.size() && !is_top_level_key(lines[i])) ++i;
      --i;
      continue;
    }
    kept.push_back(lines[i]);
  }
  while (!kept.empty() && kept.back().empty()) kept.pop_back();

  std::ostringstream out;
  for (const std::string& line : kept) out << line << "\n";
  if (!positions.empty()) {
    out << "layout:  # node positions for brokersim-gui\n";
    for (const auto& [key, p] : positions) {
      char xy[64];
      std::snprintf(xy, sizeof xy, "[%.0f, %.0f]", static_cast<double>(p.x), static_cast<double>(p.y));
      out << "  " << quoted(key) << ": " << xy << "\n";
    }
  }
  std::ofstream file(path, std::ios::trunc);
  if (!(file << out.str())) return "cannot write " + path;
  return "";
}

}  // namespace brokersim::gui
