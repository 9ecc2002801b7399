#pragma once
// What the panels remember between frames: form fields, the log's filter, a drag under way,
// a question waiting for an answer. The app owns it (GuiApp::panels), so panels keep no
// function-level statics, two apps could not share them, and a test can look at them.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenario/course.h"

namespace brokersim::gui {

struct PublishForm {
  int exchange = 0;
  char routing_key[128] = "";
  char headers[256] = "";  // name=value, name=value
  char body[256] = "hello";
  char expiration[32] = "";
  int priority = 0;
  bool persistent = false;
  bool mandatory = false;
};

struct EditForms {
  char exchange[64] = "";
  int exchange_type = 0;
  char queue[64] = "";
  char queue_dlx[64] = "";
  char queue_ttl[32] = "";
  char bind_source[64] = "";
  char bind_destination[64] = "";
  char bind_key[128] = "";
  bool bind_to_exchange = false;
  char producer[64] = "";
  char producer_exchange[64] = "";
  char producer_key[128] = "";
  float producer_rate = 1;
  char consumer[64] = "";
  char consumer_queue[64] = "";
  int consumer_prefetch = 1;
  // Where Save and Export write; set to new files for each opened lesson.
  char save_path[512] = "";
  char definitions_path[512] = "";
  std::string paths_for;  // the lesson the paths were made for
};

struct LogFilter {
  char text[128] = "";
  bool messages_only = false;
  // Matching rows (positions in the screen's order of events) for the current filter.
  std::vector<std::uint32_t> matches;
  std::string built_for;
  std::uint64_t built_revision = ~std::uint64_t{0};
  std::size_t built_size = 0;  // live runs grow without a new revision
  std::string lesson;  // the filter belongs to one lesson: another starts unfiltered
  int last_count = -1;
};

struct ScenarioListing {
  std::string dir;
  scenario::Course course;
  std::string course_error;
  std::vector<std::string> others;  // scenario files the course does not list
};

struct CanvasDrag {
  int node = -1;
  bool canvas = false;
};

// A question the user must answer before something irreversible: a delete, leaving a lesson
// with unsaved edits, overwriting a file, quitting.
struct Confirmation {
  std::string title;
  std::string text;
  std::string yes;                  // the button that goes ahead
  std::function<void()> on_yes;
  std::string alternative;          // a third way, if any: "Save, then go on"
  std::function<void()> on_alternative;
  bool open = false;
};

struct OpenDialog {
  bool open = false;
  std::string dir;
  char path[512] = "";
};

struct PanelState {
  PublishForm publish;
  EditForms edit;
  LogFilter log;
  ScenarioListing listing;
  CanvasDrag drag;
  Confirmation confirm;
  OpenDialog open_dialog;
  // Where the side panels' content starts on screen, below their tabs (0: not drawn, as in
  // canvas-only mode). A question box goes there, so the tabs stay visible and clickable.
  float side_panels_body_y = 0;
};

}  // namespace brokersim::gui
