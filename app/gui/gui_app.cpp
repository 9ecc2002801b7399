#include "gui/gui_app.h"

#include <imgui.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <algorithm>
#include <functional>
#include <cstdio>

#include "gui/model/layout_file.h"
#include "gui/palette.h"
#include "gui/theme.h"
#include "trace/describe.h"

namespace brokersim::gui {

Status GuiApp::open(const std::string& path) {
  if (Status opened = session.open_file(path); !opened) {
    report(opened, "");
    return opened;
  }
  scenario_path = path;
  // Positions saved in the file's layout section win over the automatic layout.
  if (auto saved = read_layout(path); !saved.empty()) session.set_fixed_positions(std::move(saved));
  time_us = 0;
  selection = {};
  follow_message = 0;
  camera.fitted = false;
  quiz = {};
  sync_quiz();
  refresh_scene();
  failing_expectations_ = session.expectations_failing();  // an exercise starts failing: that is its point
  report(Status::done(), "opened " + path);
  return Status::done();
}

void GuiApp::request_open(const std::string& path) {
  // open() reports a file it cannot open in the status bar; nothing more to do with it here.
  if (!session.is_open() || !session.has_unsaved_changes()) {
    (void)open(path);
    return;
  }
  confirm("Unsaved edits", "The open lesson has edits that are not saved. Open " + path + " and lose them?",
          "Open, losing the edits", [this, path] { (void)open(path); });
  offer_save_first([this, path] { (void)open(path); });
}

void GuiApp::confirm(std::string title, std::string text, std::string yes, std::function<void()> on_yes) {
  panels.confirm = {std::move(title), std::move(text), std::move(yes), std::move(on_yes), "", nullptr, true};
}

void GuiApp::offer_save_first(std::function<void()> then) {
  panels.confirm.alternative = "Save, then go on";
  panels.confirm.on_alternative = [this, then = std::move(then)] {
    save_scenario(*this);
    // A save that must first ask to overwrite has not happened yet: the user goes on after it.
    if (!session.has_unsaved_changes()) then();
  };
}

void GuiApp::undo() {
  if (!session.can_undo()) return;
  session.undo();
  report(Status::done(), "undone");
}

void GuiApp::redo() {
  if (!session.can_redo()) return;
  session.redo();
  report(Status::done(), "redone");
}

void GuiApp::seek(sim::TimeUs t) {
  time_us = std::clamp<sim::TimeUs>(t, 0, session.end_us());
  // A question belongs to its moment: seeking away puts it aside, unanswered.
  if (quiz.pending >= 0 && quiz.questions[static_cast<std::size_t>(quiz.pending)].moment_us != time_us) quiz.pending = -1;
  refresh_scene();
}

void GuiApp::advance(double wall_seconds) {
  if (!playing || !session.is_open()) return;
  sync_quiz();
  const auto step = static_cast<sim::TimeUs>(wall_seconds * speed * 1e6);
  const sim::TimeUs from = time_us;
  time_us = std::min(time_us + std::max<sim::TimeUs>(step, 0), session.end_us());
  if (time_us >= session.end_us()) playing = false;
  // Playback stops at an unanswered question's moment: the canvas freezes there. An
  // instructor presenting can turn the questions off (View menu).
  for (std::size_t i = 0; ask_questions && i < quiz.questions.size(); ++i) {
    const auto& q = quiz.questions[i];
    if (quiz.results[i] != QuizState::Result::kUnanswered || q.moment_us < from || q.moment_us > time_us) continue;
    time_us = q.moment_us;
    playing = false;
    quiz.start(static_cast<int>(i));
    if (q.answer.kind == scenario::Question::Kind::kFate) follow_message = session.message_numbered(q.step->ask->message);
    break;
  }
  refresh_scene();
}

void GuiApp::sync_quiz() {
  if (!session.is_open()) return;
  const scenario::Scenario* now = &session.scenario();
  if (quiz.scenario == now && quiz.scenario_events == session.fingerprint_events()) return;
  const bool same_lesson = quiz.scenario == now;
  quiz.scenario = now;
  quiz.scenario_events = session.fingerprint_events();
  quiz.questions = scenario::answer_questions(*now, [this](std::uint64_t quoted) { return session.message_numbered(quoted); });
  // A question is asked when the screen reaches its moment, not the simulation.
  for (auto& q : quiz.questions) q.moment_us = session.screen_time(q.moment_us);
  quiz.graded = false;  // an edit makes the last grading stale: Check again
  if (!same_lesson || quiz.results.size() != quiz.questions.size())
    quiz.results.assign(quiz.questions.size(), QuizState::Result::kUnanswered);
  quiz.pending = -1;
}

void GuiApp::step_lesson(int direction) {
  playing = false;
  const auto& marks = session.lesson();
  std::optional<sim::TimeUs> target;
  for (const LessonMark& m : marks) {
    if (!m.due_us) continue;
    const sim::TimeUs t = m.time_us();
    if (direction > 0 && t > time_us && (!target || t < *target)) target = t;
    if (direction < 0 && t < time_us && (!target || t > *target)) target = t;
  }
  if (target) seek(*target);
}

void GuiApp::report(const Status& outcome, const std::string& ok_text) {
  status_is_error = !outcome.ok();
  status = status_is_error ? outcome.error() : ok_text;
  // An edit that breaks the lesson's expectations says so where the user looks.
  const std::size_t failing = session.is_open() ? session.expectations_failing() : 0;
  if (!status_is_error && failing > failing_expectations_) {
    status += "; " + std::to_string(failing) + " of the lesson's expectations no longer hold (Lesson tab)";
    status_is_error = true;
  }
  failing_expectations_ = failing;
}

const std::vector<Shortcut>& shortcuts() {
  static const std::vector<Shortcut> list = {
      {"Space", "play / pause"},
      {"Right / Left arrow", "the next / previous lesson step (without a lesson: as with Shift)"},
      {"Shift+Right", "step to the next event (of the followed message, when following one)"},
      {"Shift+Left", "back one second"},
      {"C", "the canvas alone, for a class (again: the panels back)"},
      {"F11", "full screen (desktop)"},
      {"Home", "restart from 0"},
      {"[ and ]", "slower / faster"},
      {"Ctrl+= / Ctrl+-", "larger / smaller text, for projectors"},
      {"F", "fit the topology to the canvas"},
      {"H", "high contrast colours, for a projector"},
      {"Ctrl+Z / Ctrl+Y", "undo / redo an edit or a hand publish"},
      {"Ctrl+S", "save (to a new file unless you choose otherwise)"},
      {"Ctrl+O", "open a scenario file"},
      {"Esc", "clear the selection and stop following"},
      {"F1", "this help"},
      {"Mouse wheel", "zoom the canvas; drag empty space to pan, drag a node to move it"},
  };
  return list;
}

void handle_shortcuts(GuiApp& app) {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (app.quiz.pending >= 0) return;  // the question window has the keyboard until it is answered
  // ImGui 1.86 indexes keys by the GLFW backend's native key codes.
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key); };
  if (pressed(GLFW_KEY_SPACE)) app.playing = !app.playing;
  const bool by_lesson = !io.KeyShift && !app.session.lesson().empty();
  if (pressed(GLFW_KEY_RIGHT) && by_lesson) app.step_lesson(+1);
  if (pressed(GLFW_KEY_LEFT) && by_lesson) app.step_lesson(-1);
  if (pressed(GLFW_KEY_RIGHT) && !by_lesson) {
    app.playing = false;
    if (auto next = app.session.next_event_after(app.time_us, app.follow_message)) app.seek(*next);
  }
  if (pressed(GLFW_KEY_LEFT) && !by_lesson) app.seek(app.time_us - sim::seconds(1));
  if (pressed(GLFW_KEY_C)) {
    app.canvas_only = !app.canvas_only;
    app.camera.fitted = false;  // the canvas changed size: fill it again
  }
  if (io.KeyCtrl && pressed(GLFW_KEY_Z)) io.KeyShift ? app.redo() : app.undo();
  if (io.KeyCtrl && pressed(GLFW_KEY_Y)) app.redo();
  if (io.KeyCtrl && pressed(GLFW_KEY_S)) save_scenario(app);
  if (io.KeyCtrl && pressed(GLFW_KEY_O)) app.panels.open_dialog.open = true;
  if (!io.KeyCtrl && pressed(GLFW_KEY_H))
    apply_theme(palette::current_theme() == palette::Theme::kHighContrast ? palette::Theme::kDark
                                                                          : palette::Theme::kHighContrast);
  if (pressed(GLFW_KEY_HOME)) app.seek(0);
  if (pressed(GLFW_KEY_ESCAPE)) {
    app.selection = {};
    app.follow_message = 0;
  }
  if (pressed(GLFW_KEY_F1)) app.show_help = !app.show_help;
  if (!io.KeyCtrl && pressed(GLFW_KEY_F)) app.camera.fitted = false;
  if (pressed(GLFW_KEY_LEFT_BRACKET)) app.speed = std::max(0.1f, app.speed / 2);
  if (pressed(GLFW_KEY_RIGHT_BRACKET)) app.speed = std::min(100.0f, app.speed * 2);
  if (io.KeyCtrl && (pressed(GLFW_KEY_EQUAL) || pressed(GLFW_KEY_KP_ADD)))
    app.set_font_scale(app.font_scale + 0.125f);
  if (io.KeyCtrl && (pressed(GLFW_KEY_MINUS) || pressed(GLFW_KEY_KP_SUBTRACT)))
    app.set_font_scale(app.font_scale - 0.125f);
}

void GuiApp::set_font_scale(float scale) {
  font_scale = std::clamp(scale, 0.75f, 2.5f);
  // Boxes grow with their text, so larger text for a projector is never cut off; the dots
  // follow the new layout at once, paused or not.
  session.set_text_scale(font_scale);
  camera.fitted = false;
  refresh_scene();
}

std::string clock_text(sim::TimeUs t) {
  char text[48];
  const double seconds = static_cast<double>(t) / 1e6;
  if (t < sim::seconds(60)) {
    std::snprintf(text, sizeof text, "%.3f s", seconds);
  } else {
    const auto minutes = static_cast<long long>(t / sim::seconds(60));
    std::snprintf(text, sizeof text, "%lld:%06.3f", minutes, seconds - static_cast<double>(minutes) * 60);
  }
  return text;
}

std::string event_line(const Session& session, std::uint32_t index) {
  const trace::Event e = session.trace().at(index);
  const sim::TimeUs shown = session.animation().shown_us[index];
  std::string line = clock_text(shown) + "  " + session.describe(e);
  if (shown - e.time_us >= sim::millis(1)) line += "  (simulated at " + clock_text(e.time_us) + ")";
  return line;
}

void section(const char* title) {
  ImGui::Spacing();
  ImGui::TextDisabled("%s", title);
  ImGui::Separator();
}

namespace {

// A bar between two panels that moves when dragged: `fraction` changes by the drag times
// `per_pixel`. It shows the resize cursor under the mouse.
void splitter(const char* id, ImVec2 size, bool vertical, float per_pixel, float& fraction) {
  ImGui::InvisibleButton(id, size);
  if (ImGui::IsItemHovered() || ImGui::IsItemActive())
    ImGui::SetMouseCursor(vertical ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
  if (ImGui::IsItemActive()) {
    const ImVec2 delta = ImGui::GetIO().MouseDelta;
    fraction = std::clamp(fraction + (vertical ? delta.x : delta.y) * per_pixel, 0.05f, 0.7f);
  }
}

// The canvas changed size: fit the picture to it again once the drag ends.
bool splitter_released() { return ImGui::IsItemDeactivated(); }

void draw_menu_bar(GuiApp& app) {
  if (ImGui::BeginMenuBar()) {
    if (ImGui::BeginMenu("Scenarios")) {
      if (ImGui::MenuItem("Open a file...", "Ctrl+O")) app.panels.open_dialog.open = true;
      if (ImGui::MenuItem("Save as...", "Ctrl+S", false, app.session.is_open())) {
        app.open_panel = "edit";
        app.open_panel_frames = 2;
      }
      ImGui::Separator();
      // A long course scrolls inside the menu instead of growing over the menu bar.
      ImGui::BeginChild("lessons", {ImGui::GetFontSize() * 24, ImGui::GetMainViewport()->WorkSize.y * 0.6f});
      draw_scenario_browser_panel(app);
      ImGui::EndChild();
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Edit")) {
      if (ImGui::MenuItem("Undo", "Ctrl+Z", false, app.session.can_undo())) app.undo();
      if (ImGui::MenuItem("Redo", "Ctrl+Y", false, app.session.can_redo())) app.redo();
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
      if (ImGui::MenuItem("Larger text", "Ctrl+=")) app.set_font_scale(app.font_scale + 0.125f);
      if (ImGui::MenuItem("Smaller text", "Ctrl+-")) app.set_font_scale(app.font_scale - 0.125f);
      if (ImGui::MenuItem("Fit the topology", "F")) app.camera.fitted = false;
      ImGui::MenuItem("Lesson step as a caption", nullptr, &app.show_caption);
      ImGui::MenuItem("Stop at the lesson's questions", nullptr, &app.ask_questions);
      if (ImGui::MenuItem("Canvas only", "C", &app.canvas_only)) app.camera.fitted = false;
      bool high_contrast = palette::current_theme() == palette::Theme::kHighContrast;
      if (ImGui::MenuItem("High contrast, for a projector", "H", &high_contrast))
        apply_theme(high_contrast ? palette::Theme::kHighContrast : palette::Theme::kDark);
      ImGui::Separator();
      const bool moved = !app.session.fixed_positions().empty();
      // Positions go with the scenario, to the save path (a new file unless chosen otherwise).
      if (ImGui::MenuItem("Save with node positions", "Ctrl+S", false, moved)) save_scenario(app);
      if (ImGui::MenuItem("Forget moved positions", nullptr, false, moved)) app.session.set_fixed_positions({});
      ImGui::EndMenu();
    }
    if (ImGui::MenuItem("Help", "F1")) app.show_help = !app.show_help;
    if (app.session.is_open()) {
      ImGui::Separator();
      ImGui::TextDisabled("%s", app.session.scenario().name.c_str());
    }
    ImGui::EndMenuBar();
  }
}

// The side panel's tabs; `open_panel` brings one to the front for a few frames.
void draw_side_panels(GuiApp& app) {
  app.panels.side_panels_body_y = ImGui::GetCursorScreenPos().y + ImGui::GetFrameHeightWithSpacing();
  auto wanted = [&](const char* name) {
    return app.open_panel_frames > 0 && app.open_panel == name ? ImGuiTabItemFlags_SetSelected : 0;
  };
  if (ImGui::BeginTabBar("panels")) {
    if (ImGui::BeginTabItem("Inspect", nullptr, wanted("inspect"))) {
      draw_inspector_panel(app);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Route", nullptr, wanted("route"))) {
      draw_routing_explainer_panel(app);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Lesson", nullptr, wanted("lesson"))) {
      draw_lesson_panel(app);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Charts", nullptr, wanted("charts"))) {
      draw_charts_panel(app);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Publish", nullptr, wanted("publish"))) {
      draw_manual_publish_panel(app);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Edit", nullptr, wanted("edit"))) {
      draw_editing_panel(app);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
    if (app.open_panel_frames > 0) --app.open_panel_frames;
  }
}

}  // namespace

void draw_frame(GuiApp& app) {
  // Panels only issue commands; when one changed the run, the frame catches up here, once.
  if (app.session.revision() != app.drawn_revision) {
    app.drawn_revision = app.session.revision();
    app.sync_quiz();
    app.refresh_scene();
  }
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, {6, 6});
  ImGui::Begin("brokersim", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_MenuBar | ImGuiWindowFlags_NoBackground);
  ImGui::PopStyleVar(2);
  draw_menu_bar(app);

  draw_time_controls_panel(app);
  app.panels.side_panels_body_y = 0;  // set again if the side panels are drawn

  // Canvas only (C): no side panels and no log, for a class to see the picture at its largest.
  // Otherwise the canvas, the side panels and the log are sized by two splitters.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  constexpr float kSplitter = 6;
  const float sidebar = app.canvas_only ? 0 : std::clamp(avail.x * app.sidebar_fraction, 240.0f, avail.x * 0.6f);
  const float log_height = app.canvas_only ? 0 : std::clamp(avail.y * app.log_fraction, 80.0f, avail.y * 0.7f);
  const float status_height = ImGui::GetFrameHeight();
  const float gap = ImGui::GetStyle().ItemSpacing.y;
  const float main_height = avail.y - log_height - status_height - gap * (app.canvas_only ? 1 : 2) - (app.canvas_only ? 0 : kSplitter);

  ImGui::BeginChild("canvas", {avail.x - sidebar - (app.canvas_only ? 0 : kSplitter), main_height}, true,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  draw_canvas_panel(app);
  ImGui::EndChild();
  if (!app.canvas_only) {
    ImGui::SameLine(0, 0);
    splitter("##sidebar_split", {kSplitter, main_height}, true, -1.0f / avail.x, app.sidebar_fraction);
    if (splitter_released()) app.camera.fitted = false;
    ImGui::SameLine(0, 0);
    ImGui::BeginChild("sidebar", {sidebar, main_height}, true);
    draw_side_panels(app);
    ImGui::EndChild();
    splitter("##log_split", {avail.x, kSplitter}, false, -1.0f / avail.y, app.log_fraction);
    if (splitter_released()) app.camera.fitted = false;
    ImGui::BeginChild("log", {0, log_height}, true);
    draw_event_log_panel(app);
    ImGui::EndChild();
  }

  if (app.status_is_error) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1));
  const std::string first_line = app.status.substr(0, app.status.find('\n'));
  ImGui::TextUnformatted(first_line.c_str());
  if (app.status_is_error) ImGui::PopStyleColor();
  ImGui::End();

  draw_question_window(app);
  draw_dialogs(app);
  if (app.show_help) {
    ImGui::SetNextWindowSize({560, 520}, ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowPos({viewport->WorkSize.x / 2 - 280, viewport->WorkSize.y / 2 - 260}, ImGuiCond_FirstUseEver);
    if (ImGui::Begin("Help", &app.show_help)) draw_help_panel(app);
    ImGui::End();
  }
}

}  // namespace brokersim::gui
