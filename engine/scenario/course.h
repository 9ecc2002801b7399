#pragma once
// The course map (scenarios/course.yaml): modules in course order, each with its lessons'
// titles and files. The GUI's lesson menu and `brokersim check course.yaml` read it.
#include <string>
#include <vector>

#include "scenario/loader.h"

namespace brokersim::scenario {

struct CourseLesson {
  std::string title;
  std::string file;  // as written, relative to the course file
  std::string path;  // resolved against the course file's folder
  Position at;
};

struct CourseModule {
  std::string title;
  std::vector<CourseLesson> lessons;
};

struct Course {
  std::string title;
  std::vector<CourseModule> modules;
};

struct CourseLoad {
  Course course;
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

// True when the file is a course map (a mapping with a `course:` key), not a scenario.
bool is_course_file(const std::string& path);
// Reads the map and checks that every lesson file it names exists.
CourseLoad load_course_file(const std::string& path);

}  // namespace brokersim::scenario
