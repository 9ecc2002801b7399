#pragma once
// The GUI's state and its panels. One GuiApp owns the Session (the model) and the view state:
// the playhead, the selection, the canvas camera. Each panel is a function in a file of its
// own under panels/, reading the model through const accessors; what a user does goes back
// to the Session as a command.
#include <cstdint>
#include <string>
#include <vector>

#include "gui/model/session.h"
#include "gui/panel_state.h"
#include "gui/quiz_state.h"

struct ImFont;
struct ImDrawList;

namespace brokersim::gui {

struct Selection {
  enum class Kind { kNone, kNode, kEdge, kMessage } kind = Kind::kNone;
  int index = -1;               // node or edge
  std::uint64_t message_id = 0;  // kMessage
};

struct Camera {
  Vec2 pan;            // world point at the canvas centre
  float zoom = 1.0f;   // pixels per world unit
  bool fitted = false; // fit to the canvas on the next frame
};

struct GuiApp {
  Session session;
  std::string scenario_path;
  std::string scenarios_dir;

  // The playhead.
  sim::TimeUs time_us = 0;
  bool playing = true;
  float speed = 1.0f;  // simulated seconds per wall second
  std::uint64_t follow_message = 0;

  Scene scene;
  Selection selection;
  Camera camera;
  float font_scale = 1.0f;
  ImFont* font = nullptr;
  std::string status;  // last command error or confirmation, shown in the status bar
  bool status_is_error = false;

  // A side panel to bring to the front when the window opens (--panel, for slides).
  std::string open_panel;
  int open_panel_frames = 3;
  bool show_help = false;
  bool show_editing = false;
  bool show_browser = false;
  bool show_publish = true;
  bool show_caption = true;  // the current lesson step along the canvas's bottom edge
  bool canvas_only = false;  // presentation: the canvas fills the window, the panels hidden
  bool ask_questions = true;  // playback stops at each lesson question
  float sidebar_fraction = 0.3f;  // of the window's width, set by dragging the splitter
  float log_fraction = 0.22f;     // of its height
  QuizState quiz;
  PanelState panels;
  bool quit_confirmed = false;  // the user said to quit despite unsaved edits
  std::uint64_t drawn_revision = 0;  // the session revision the scene was last drawn from
  std::size_t failing_expectations_ = 0;  // as of the last report, to tell an edit that breaks one

  // Opens a scenario and resets the view; returns the loader's errors, if any.
  Status open(const std::string& path);
  // Opens one, first asking whether to drop unsaved edits of the open one.
  void request_open(const std::string& path);
  // Asks `text` with a `yes` button; `on_yes` runs only if the user agrees.
  void confirm(std::string title, std::string text, std::string yes, std::function<void()> on_yes);
  // Adds "Save, then go on" to the confirmation just asked.
  void offer_save_first(std::function<void()> then);
  void undo();
  void redo();
  void seek(sim::TimeUs t);
  // To the next (+1) or previous (-1) lesson step's moment, paused there.
  void step_lesson(int direction);
  // Advances the playhead by wall-clock seconds at the current speed.
  void advance(double wall_seconds);
  void refresh_scene() { session.scene_at(time_us, scene); }
  // Recomputes the lesson's questions when the scenario changed (opened or edited).
  void sync_quiz();
  void report(const Status& status, const std::string& ok_text);
  void set_font_scale(float scale);  // Ctrl +/-: text, node boxes and the fit together
};

// Panels: each draws one ImGui window.
void draw_canvas_panel(GuiApp& app);
void draw_time_controls_panel(GuiApp& app);
void draw_inspector_panel(GuiApp& app);
void draw_event_log_panel(GuiApp& app);
void draw_routing_explainer_panel(GuiApp& app);
void draw_charts_panel(GuiApp& app);
void draw_lesson_panel(GuiApp& app);
void draw_manual_publish_panel(GuiApp& app);
void draw_scenario_browser_panel(GuiApp& app);
void draw_editing_panel(GuiApp& app);
// Saves to the editing panel's path (a new file by default), asking before it overwrites.
void save_scenario(GuiApp& app);
// The confirmation in waiting and the Open dialog, over everything else.
void draw_dialogs(GuiApp& app);
void draw_help_panel(GuiApp& app);
void draw_question_window(GuiApp& app);  // over the canvas while a lesson question waits

// Keyboard shortcuts, shared by the main loop and listed by the help panel.
void handle_shortcuts(GuiApp& app);
struct Shortcut {
  const char* keys;
  const char* what;
};
const std::vector<Shortcut>& shortcuts();

// Simulated time for people: "12.345 s", or "3:02.500" past a minute.
std::string clock_text(sim::TimeUs t);

// A trace event as the log and the inspector list it: stamped with the screen's clock, the
// one the playhead shows, and with the simulated time too where the picture shows it later.
std::string event_line(const Session& session, std::uint32_t index);

// A small heading with a rule under it (ImGui 1.86 has no SeparatorText).
void section(const char* title);

// The whole window's layout: docked panels around the canvas.
void draw_frame(GuiApp& app);

}  // namespace brokersim::gui
