// What the page (assets/site.js) calls: open a file it wrote into the module's file system,
// read the scenario back as YAML (for saving and share links), and the playhead.
#include <emscripten.h>

#include <string>

#include "scenario/writer.h"
#include "scenario/course.h"
#include "scenario/runner.h"
#include "trace/fingerprint.h"
#include "web_state.h"

using brokersim::web::state;

extern "C" {

// 0 when it opened; otherwise the errors are shown in the page and the old scenario stays.
EMSCRIPTEN_KEEPALIVE int web_open_file(const char* path) {
  const brokersim::gui::Status opened = state().app.open(path);
  if (!opened) brokersim::web::show_error(opened.error());
  return opened ? 0 : 1;
}

// The scenario as it is now, edits included. The pointer is valid until the next call.
EMSCRIPTEN_KEEPALIVE const char* web_scenario_yaml() {
  static std::string yaml;
  yaml = brokersim::scenario::scenario_to_yaml(state().app.session.scenario());
  return yaml.c_str();
}

EMSCRIPTEN_KEEPALIVE double web_time_ms() { return static_cast<double>(state().app.time_us) / 1000.0; }

EMSCRIPTEN_KEEPALIVE void web_seek_ms(double ms) {
  state().app.playing = false;
  state().app.seek(static_cast<brokersim::sim::TimeUs>(ms * 1000.0));
}

// The fingerprint of the scenario as it is now (what `brokersim run` prints for its YAML).
EMSCRIPTEN_KEEPALIVE const char* web_fingerprint_of() {
  static std::string hex;
  brokersim::trace::Fingerprint fingerprint;
  brokersim::scenario::Runner runner(state().app.session.scenario(), {.sinks = {&fingerprint}});
  runner.run();
  hex = fingerprint.hex();
  return hex.c_str();
}

// The course map for the page's lesson picker: one line per lesson, "module<TAB>title<TAB>path".
EMSCRIPTEN_KEEPALIVE const char* web_course_menu() {
  static std::string lines;
  lines.clear();
  const brokersim::scenario::CourseLoad course = brokersim::scenario::load_course_file("/scenarios/course.yaml");
  for (const auto& m : course.course.modules)
    for (const auto& l : m.lessons) lines += m.title + '\t' + l.title + '\t' + l.path + '\n';
  return lines.c_str();
}

}  // extern "C"
