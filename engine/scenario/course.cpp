#include "scenario/course.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario/yaml_reader.h"

namespace brokersim::scenario {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void read_module(Reader& r, const YAML::Node& node, const std::filesystem::path& folder, Course& course) {
  if (!r.mapping(node, "a module", {"title", "lessons"})) return;
  CourseModule m;
  if (!node["title"] || !node["lessons"]) r.error(node, "a module needs 'title' and 'lessons'");
  with(node, "title", [&](auto v) { m.title = r.string(v, "title").value_or(""); });
  with(node, "lessons", [&](auto list) {
    if (!r.sequence(list, "lessons")) return;
    for (const auto& item : list) {
      if (!r.mapping(item, "a lesson", {"title", "file"})) continue;
      CourseLesson l;
      l.at = position_of(item);
      if (!item["title"] || !item["file"]) r.error(item, "a lesson needs 'title' and 'file'");
      with(item, "title", [&](auto v) { l.title = r.string(v, "title").value_or(""); });
      with(item, "file", [&](auto v) { l.file = r.string(v, "file").value_or(""); });
      l.path = (folder / l.file).lexically_normal().string();
      std::error_code ec;
      if (!l.file.empty() && !std::filesystem::is_regular_file(l.path, ec)) r.error(item["file"], "no lesson file " + l.path);
      m.lessons.push_back(std::move(l));
    }
  });
  course.modules.push_back(std::move(m));
}

}  // namespace

bool is_course_file(const std::string& path) {
  try {
    const YAML::Node root = YAML::Load(read_text(path));
    return root.IsMap() && root["course"].IsDefined();
  } catch (const std::exception&) {
    return false;  // the scenario loader reports what is wrong with it
  }
}

CourseLoad load_course_file(const std::string& path) {
  CourseLoad out;
  const ScenarioLimits limits;
  Reader r(path, limits, out.errors);
  try {
    const YAML::Node root = YAML::Load(read_text(path));
    if (!r.mapping(root, "the course", {"course", "modules"})) return out;
    with(root, "course", [&](auto v) { out.course.title = r.string(v, "course").value_or(""); });
    if (!root["modules"]) r.error(root, "a course needs 'modules'");
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    with(root, "modules", [&](auto list) {
      if (r.sequence(list, "modules"))
        for (const auto& m : list) read_module(r, m, folder, out.course);
    });
  } catch (const YAML::Exception& e) {
    r.error(Position{e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1}, yaml_hint(e.msg));
  }
  return out;
}

}  // namespace brokersim::scenario
