// brokersim-gui [SCENARIO.yaml] [--at T] [--screenshot out.png] [--size WxH] [--bench-frames N]
//               [--speed X] [--amqp HOST:PORT] [--panel NAME] [--follow MESSAGE]
//
// [SECTION] index: arguments, window and ImGui setup, the frame every mode draws, then the
// three modes (the interactive window, the benchmark, the headless screenshot and slides), and
// shutdown (in reverse order of setup).
#include <glad/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb_image.h>

#include "gui/gui_app.h"
#include "gui/screenshot.h"
#include "gui/step_export.h"
#include "gui/sprites.h"
#include "gui/theme.h"
#include "amqp/users.h"
#include "net/server.h"
#include "scenario/units.h"
#include "whole_number.h"

namespace {

using namespace brokersim;

// [SECTION] arguments
struct Options {
  std::string scenario;
  std::optional<sim::TimeUs> at_us;
  std::string screenshot;
  int width = 1280, height = 800;
  int bench_frames = 0;
  std::string panel;         // side panel to show first
  std::uint64_t follow = 0;  // message to select and follow
  std::optional<float> speed;
  std::optional<net::ListenAddress> amqp;  // live mode: serve real clients on this address
  int ask = 0;             // put the lesson's question N on screen, at its moment
  std::string answer;      // ... and answer it so (the revealed state)
  bool check_exercise = false;  // press the exercise's Check
  std::string export_steps;     // one slide per lesson step into this folder
  bool present = false;         // the canvas alone, fitted: presentation mode
  bool high_contrast = false;   // the projector theme
  float text_scale = 1.0f;      // as Ctrl +/- sets it
};

int usage(const char* error) {
  std::fprintf(stderr, "brokersim-gui: %s\n", error);
  std::fprintf(stderr,
               "usage: brokersim-gui [SCENARIO.yaml] [--at T] [--screenshot out.png] [--size WxH]\n"
               "                     [--bench-frames N] [--speed X] [--amqp HOST:PORT]\n"
               "                     [--panel inspect|route|lesson|charts|publish|edit] [--follow MESSAGE]\n"
               "                     [--ask N [--answer TEXT]] [--check-exercise] [--export-steps DIR]\n"
               "                     [--present] [--theme dark|high-contrast] [--text-scale X]\n");
  return 2;
}

// The options for a class: presentation mode, the projector theme and the text size. Returns
// what is wrong, or nullptr.
template <typename Value>
const char* parse_presentation(const std::string& option, Value value, Options& o) {
  if (option == "--present") {
    o.present = true;
  } else if (option == "--theme") {
    const char* v = value();
    if (!v || (std::string(v) != "dark" && std::string(v) != "high-contrast")) return "--theme is dark or high-contrast";
    o.high_contrast = std::string(v) == "high-contrast";
  } else {
    const char* v = value();
    o.text_scale = v ? std::strtof(v, nullptr) : 0.0f;
    if (o.text_scale < 0.75f || o.text_scale > 2.5f) return "--text-scale is from 0.75 to 2.5";
  }
  return nullptr;
}

std::optional<Options> parse(int argc, char** argv, int& exit_code) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--at") {
      const char* v = value();
      auto t = v ? scenario::parse_duration(v) : std::nullopt;
      if (!t) return exit_code = usage("--at wants a duration such as 12s"), std::nullopt;
      o.at_us = *t;
    } else if (a == "--screenshot") {
      const char* v = value();
      if (!v) return exit_code = usage("--screenshot wants a file name"), std::nullopt;
      o.screenshot = v;
    } else if (a == "--size") {
      const char* v = value();
      if (!v || std::sscanf(v, "%dx%d", &o.width, &o.height) != 2 || o.width < 320 || o.height < 240 ||
          o.width > 8192 || o.height > 8192)
        return exit_code = usage("--size wants WxH, for example 1280x800"), std::nullopt;
    } else if (a == "--bench-frames") {
      const char* v = value();
      const auto frames = v ? app::parse_whole_number(v) : std::nullopt;
      if (!frames || *frames == 0 || *frames > 1'000'000) return exit_code = usage("--bench-frames wants a positive count"), std::nullopt;
      o.bench_frames = static_cast<int>(*frames);
    } else if (a == "--panel") {
      const char* v = value();
      const std::string panel = v ? v : "";
      if (panel != "inspect" && panel != "route" && panel != "lesson" && panel != "charts" && panel != "publish" &&
          panel != "edit")
        return exit_code = usage("--panel is one of inspect, route, lesson, charts, publish, edit"), std::nullopt;
      o.panel = panel;
    } else if (a == "--follow") {
      const char* v = value();
      o.follow = (v ? app::parse_whole_number(v) : std::nullopt).value_or(0);
      if (o.follow == 0) return exit_code = usage("--follow wants a message number, as the event log shows it"), std::nullopt;
    } else if (a == "--speed") {
      const char* v = value();
      o.speed = v ? static_cast<float>(std::atof(v)) : 0.0f;
      if (*o.speed < 0.1f || *o.speed > 100.0f) return exit_code = usage("--speed is from 0.1 to 100"), std::nullopt;
    } else if (a == "--amqp") {
      const char* v = value();
      net::ListenAddress address;
      std::string error;
      if (!v || !net::parse_listen_address(v, address, error))
        return exit_code = usage(("--amqp wants HOST:PORT, for example 127.0.0.1:5672" + (v ? ": " + error : "")).c_str()),
               std::nullopt;
      o.amqp = address;
    } else if (a == "--ask") {
      const char* v = value();
      o.ask = v ? std::atoi(v) : 0;
      if (o.ask <= 0) return exit_code = usage("--ask wants a question number, from 1"), std::nullopt;
    } else if (a == "--answer") {
      const char* v = value();
      if (!v) return exit_code = usage("--answer wants the answer, as brokersim quiz reads it"), std::nullopt;
      o.answer = v;
    } else if (a == "--check-exercise") {
      o.check_exercise = true;
    } else if (a == "--export-steps") {
      const char* v = value();
      if (!v) return exit_code = usage("--export-steps wants a folder for the slides"), std::nullopt;
      o.export_steps = v;
    } else if (a == "--present" || a == "--theme" || a == "--text-scale") {
      if (const char* error = parse_presentation(a, value, o)) return exit_code = usage(error), std::nullopt;
    } else if (a == "--help" || a == "-h") {
      exit_code = usage("help");
      return std::nullopt;
    } else if (!a.empty() && a[0] == '-') {
      return exit_code = usage(("unknown option " + a).c_str()), std::nullopt;
    } else {
      o.scenario = a;
    }
  }
  return o;
}

// The same icon as the web page's (assets/icon-192.png); a missing file just means no icon.
void set_window_icon(GLFWwindow* window) {
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(BROKERSIM_ASSETS_DIR "/icon-192.png", &w, &h, &channels, 4);
  if (!pixels) return;
  const GLFWimage image{w, h, pixels};
  glfwSetWindowIcon(window, 1, &image);
  stbi_image_free(pixels);
}

// The default time for a screenshot: the busiest moment of the first minute, so a slide
// shows messages in flight.
sim::TimeUs busiest_time(const gui::Session& session) {
  sim::TimeUs best_t = 0;
  std::size_t best = 0;
  gui::Scene scene;
  const sim::TimeUs limit = std::min<sim::TimeUs>(session.end_us(), sim::seconds(60));
  for (sim::TimeUs t = 0; t <= limit; t += sim::millis(100)) {
    session.scene_at(t, scene);
    if (scene.dots.size() > best) {
      best = scene.dots.size();
      best_t = t;
    }
  }
  return best_t;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(index, v.size() - 1)];
}

// Live mode: the scenario (none given: an empty broker) plays on the wall clock, and real
// clients connect to the port; this thread owns the broker and polls the sockets each frame.
std::unique_ptr<net::Server> start_live(gui::GuiApp& app, const Options& options, amqp::Users& users) {
  scenario::Scenario live;
  if (!options.scenario.empty()) live = app.session.scenario();
  else live.name = "live AMQP";
  app.session.open_live(std::move(live));
  net::ServerOptions server_options;
  server_options.listen = {*options.amqp};
  auto server = std::make_unique<net::Server>(app.session.live_runner()->live_broker(),
                                              app.session.live_runner()->live_scheduler(), users, server_options);
  if (!server->start()) return nullptr;
  app.report(gui::Status::done(), "live: serving AMQP on " + options.amqp->host + ":" + std::to_string(server->bound_ports().front()) +
                     " — point a client at it and watch its messages");
  return server;
}

// [SECTION] window and ImGui setup
GLFWwindow* open_window(gui::GuiApp& app, const Options& options) {
  if (!glfwInit()) {
    std::fprintf(stderr, "brokersim-gui: cannot open a window (no display? try xvfb-run)\n");
    return nullptr;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  GLFWwindow* window = glfwCreateWindow(options.width, options.height, "brokersim", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "brokersim-gui: cannot create an OpenGL 3.3 window\n");
    glfwTerminate();
    return nullptr;
  }
  set_window_icon(window);
  glfwMakeContextCurrent(window);
  if (!gladLoadGL(glfwGetProcAddress)) {
    std::fprintf(stderr, "brokersim-gui: cannot load OpenGL functions\n");
    return nullptr;
  }
  // The benchmark measures our frame, not the display's refresh.
  glfwSwapInterval(options.bench_frames > 0 ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  gui::apply_theme(options.high_contrast ? gui::palette::Theme::kHighContrast : gui::palette::Theme::kDark);
  gui::load_font(app, gui::kDesktopFontPath);
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330");
  gui::sprites::create();
  return window;
}

// [SECTION] the frame every mode draws
// A live run's picture: the server serves its clients, and a few times a second (plenty for
// the eye; each is a rebuild) the picture catches up with what they did.
void follow_live(gui::GuiApp& app, net::Server& server, std::chrono::steady_clock::time_point frame_start) {
  server.poll();
  static auto last_refresh = frame_start;
  if (frame_start - last_refresh > std::chrono::milliseconds(200)) {
    const std::size_t nodes_before = app.session.topology().nodes().size();
    // New nodes (a client connected, a queue declared): fit the view to them.
    if (app.session.refresh_live() && app.session.topology().nodes().size() != nodes_before) app.camera.fitted = false;
    last_refresh = frame_start;
  }
  if (app.playing) app.time_us = app.session.end_us();
  app.refresh_scene();
}

// Draws one frame in any mode: fonts at the current scale, the clock moved by `seconds` (none:
// it stands still, as for a screenshot), the panels, and GL. Returns the framebuffer's size.
class FrameDrawer {
 public:
  FrameDrawer(GLFWwindow* window, gui::GuiApp& app, net::Server* server)
      : window_(window), app_(app), server_(server), loaded_font_scale_(app.font_scale) {}

  std::pair<int, int> draw(std::optional<double> seconds, bool interactive, gui::StepExport* slides = nullptr) {
    if (app_.font_scale != loaded_font_scale_) {
      // Rebuilt at the new size so text stays sharp on a projector.
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      gui::load_font(app_, gui::kDesktopFontPath);
      ImGui_ImplOpenGL3_CreateFontsTexture();
      loaded_font_scale_ = app_.font_scale;
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    if (server_) follow_live(app_, *server_, std::chrono::steady_clock::now());
    else if (seconds) app_.advance(*seconds);
    if (interactive) {
      handle_shortcuts(app_);
      if (ImGui::IsKeyPressed(GLFW_KEY_F11) && !ImGui::GetIO().WantTextInput) toggle_full_screen();
    }
    if (slides) slides->stage(app_);
    gui::draw_frame(app_);
    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(window_, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    float ground[3];
    gui::clear_colour(ground);
    glClearColor(ground[0], ground[1], ground[2], 1);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    return {fb_w, fb_h};
  }

 private:
  // F11: the primary monitor's whole screen, and back to the window as it was.
  void toggle_full_screen() {
    if (glfwGetWindowMonitor(window_)) {
      glfwSetWindowMonitor(window_, nullptr, windowed_[0], windowed_[1], windowed_[2], windowed_[3], 0);
      return;
    }
    GLFWmonitor* monitor = glfwGetPrimaryMonitor();
    const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
    if (!mode) return;
    glfwGetWindowPos(window_, &windowed_[0], &windowed_[1]);
    glfwGetWindowSize(window_, &windowed_[2], &windowed_[3]);
    glfwSetWindowMonitor(window_, monitor, 0, 0, mode->width, mode->height, mode->refreshRate);
  }

  GLFWwindow* window_;
  gui::GuiApp& app_;
  net::Server* server_;
  float loaded_font_scale_;
  int windowed_[4] = {100, 100, 1280, 800};  // x, y, width, height before going full screen
};

// [SECTION] the interactive window
// Paused with nothing moving, the GUI sleeps until input comes (or half a second passes)
// instead of redrawing at the display's rate: a classroom laptop pays for every frame. A few
// frames follow any input, so ImGui can settle hovers and clicks.
void wait_for_input(const gui::GuiApp& app, bool always_busy, int& quiet_frames) {
  if (quiet_frames > 4) {
    const auto before = std::chrono::steady_clock::now();
    glfwWaitEventsTimeout(0.5);
    if (std::chrono::steady_clock::now() - before < std::chrono::milliseconds(450)) quiet_frames = 0;  // input came
  } else {
    glfwPollEvents();
  }
  const bool moving = app.playing || app.camera.fitted == false;
  quiet_frames = always_busy || moving ? 0 : quiet_frames + 1;
}

// Closing the window with unsaved edits asks first; the window stays until the user agrees.
bool may_quit(GLFWwindow* window, gui::GuiApp& app) {
  if (app.quit_confirmed || !app.session.is_open() || !app.session.has_unsaved_changes()) return true;
  glfwSetWindowShouldClose(window, GLFW_FALSE);
  if (!app.panels.confirm.on_yes)
    app.confirm("Quit?", "The lesson has edits that are not saved. Quit and lose them?", "Quit, losing the edits",
                [window, &app] {
                  app.quit_confirmed = true;
                  glfwSetWindowShouldClose(window, GLFW_TRUE);
                });
  if (!app.panels.confirm.on_alternative)
    app.offer_save_first([window] { glfwSetWindowShouldClose(window, GLFW_TRUE); });
  return false;
}

// The window a user drives, with the playhead on the wall clock (or live clients').
int run_interactive(GLFWwindow* window, gui::GuiApp& app, net::Server* server) {
  FrameDrawer drawer(window, app, server);
  auto last = std::chrono::steady_clock::now();
  int quiet_frames = 0;
  bool was_playing = app.playing;
  while (!glfwWindowShouldClose(window) || !may_quit(window, app)) {
    wait_for_input(app, server != nullptr, quiet_frames);
    const auto frame_start = std::chrono::steady_clock::now();
    // A paused playhead resumes from where it stood, not by the time spent waiting for input.
    const double wall = was_playing ? std::chrono::duration<double>(frame_start - last).count() : 0.0;
    was_playing = app.playing;
    last = frame_start;
    drawer.draw(wall, true);
    glfwSwapBuffers(window);
  }
  return 0;
}

// [SECTION] the benchmark
// Frame times and messages in flight, with the playhead at a steady 60 Hz however long frames take.
int run_benchmark(GLFWwindow* window, gui::GuiApp& app, const Options& options) {
  FrameDrawer drawer(window, app, nullptr);
  std::vector<double> frame_ms, in_flight, all_dots;
  constexpr int kWarmUpFrames = 3;  // they build the font atlas and shaders: not what a user sees
  for (int frame = 1; frame <= options.bench_frames + kWarmUpFrames; ++frame) {
    glfwPollEvents();
    const auto frame_start = std::chrono::steady_clock::now();
    drawer.draw(1.0 / 60.0, false);
    glfwSwapBuffers(window);
    glFinish();
    if (frame <= kWarmUpFrames) continue;
    frame_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - frame_start).count());
    // Messages in flight: dots travelling an edge (not ack flashes or red fades).
    in_flight.push_back(static_cast<double>(
        std::count_if(app.scene.dots.begin(), app.scene.dots.end(), [](const gui::SceneDot& d) { return d.edge >= 0; })));
    all_dots.push_back(static_cast<double>(app.scene.dots.size()));
  }
  std::printf("frames: %zu at %dx%d\nframe median: %.2f ms\nframe p99: %.2f ms\n"
              "messages in flight: median %.0f, min %.0f, max %.0f (all dots, with ack flashes and fades: median %.0f)\n",
              frame_ms.size(), options.width, options.height, percentile(frame_ms, 0.5), percentile(frame_ms, 0.99),
              percentile(in_flight, 0.5), percentile(in_flight, 0.0), percentile(in_flight, 1.0), percentile(all_dots, 0.5));
  return 0;
}

// [SECTION] the headless screenshot and slides
// True once the screenshot is written (or failed: exit_code says which).
bool take_screenshot_if_due(gui::GuiApp& app, const Options& options, net::Server* server, int frames, int fb_w,
                            int fb_h, int& exit_code) {
  // A screenshot renders a few frames first, so ImGui's layout has settled. Live, --at is how
  // long to let real clients play before the picture is taken.
  constexpr int kSettleFrames = 4;
  const bool due = server ? frames >= kSettleFrames && app.session.end_us() >= options.at_us.value_or(sim::seconds(2))
                          : frames == kSettleFrames;
  if (options.screenshot.empty() || !due) return false;
  const std::string error = gui::write_screenshot(options.screenshot, fb_w, fb_h);
  if (!error.empty()) {
    std::fprintf(stderr, "brokersim-gui: %s\n", error.c_str());
    exit_code = 1;
  } else {
    std::printf("wrote %s (%dx%d) at %s, %zu messages in flight\n", options.screenshot.c_str(), fb_w, fb_h,
                std::to_string(app.time_us / 1000).append("ms").c_str(), app.scene.dots.size());
  }
  return true;
}

// A screenshot (--screenshot) or one per lesson step (--export-steps), with the playhead
// standing still where it was put.
int run_capture(GLFWwindow* window, gui::GuiApp& app, const Options& options, net::Server* server,
                gui::StepExport& slides) {
  FrameDrawer drawer(window, app, server);
  int exit_code = 0;
  for (int frames = 1;; ++frames) {
    glfwPollEvents();
    const auto [fb_w, fb_h] = drawer.draw(std::nullopt, false, &slides);
    if (take_screenshot_if_due(app, options, server, frames, fb_w, fb_h, exit_code)) break;
    if (std::string error; !slides.after_render(app, fb_w, fb_h, error)) {
      if (!error.empty()) std::fprintf(stderr, "brokersim-gui: %s\n", error.c_str());
      exit_code = error.empty() ? 0 : 1;
      break;
    }
    glfwSwapBuffers(window);
  }
  return exit_code;
}

// [SECTION] shutdown, in reverse order of setup
void close_window(GLFWwindow* window) {
  gui::sprites::destroy();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
}

}  // namespace

// --ask, --answer and --check-exercise: a question or an exercise staged for a screenshot.
std::string stage_lesson(gui::GuiApp& app, const Options& options) {
  if (options.check_exercise) {
    if (!app.session.scenario().exercise) return "--check-exercise: this scenario is not an exercise";
    app.quiz.checks = scenario::grade_exercise(app.session.scenario());
    app.quiz.graded = true;
    app.open_panel = "lesson";
  }
  if (options.ask == 0) return "";
  if (options.ask > static_cast<int>(app.quiz.questions.size()))
    return "--ask " + std::to_string(options.ask) + ": the lesson has " + std::to_string(app.quiz.questions.size()) + " questions";
  const auto& q = app.quiz.questions[static_cast<std::size_t>(options.ask - 1)];
  app.seek(q.moment_us);
  app.playing = false;
  app.quiz.start(options.ask - 1);
  if (q.answer.kind == scenario::Question::Kind::kFate) app.follow_message = app.session.message_numbered(q.step->ask->message);
  if (options.answer.empty()) return "";
  const scenario::Judgement j = scenario::judge(q, options.answer);
  if (!j.understood) return "--answer: " + j.message;
  app.quiz.answered = true;
  app.quiz.results[static_cast<std::size_t>(options.ask - 1)] = j.correct ? gui::QuizState::Result::kRight : gui::QuizState::Result::kWrong;
  app.quiz.feedback = j.message + (q.step->ask->explanation.empty() ? "" : "\n" + q.step->ask->explanation);
  return "";
}

int main(int argc, char** argv) {
  int exit_code = 0;
  const std::optional<Options> options = parse(argc, argv, exit_code);
  if (!options) return exit_code;

  gui::GuiApp app;
  app.scenarios_dir = BROKERSIM_SCENARIOS_DIR;
  const std::string scenario = options->scenario.empty() ? app.scenarios_dir + "/ecommerce_checkout.yaml" : options->scenario;
  if (const gui::Status opened = app.open(scenario); !opened) {
    std::fprintf(stderr, "%s", opened.error().c_str());
    return 2;
  }
  if (options->speed) app.speed = *options->speed;
  app.open_panel = options->panel;
  app.canvas_only = options->present;
  app.set_font_scale(options->text_scale);
  if (options->follow) {
    // The number the GUI shows, which is the broker's in the run as the file describes it.
    app.selection = {gui::Selection::Kind::kMessage, -1, options->follow};
    app.follow_message = options->follow;
  }
  amqp::Users users;
  std::unique_ptr<net::Server> server;
  if (options->amqp && !(server = start_live(app, *options, users))) return 1;
  app.seek(options->at_us ? *options->at_us : (options->screenshot.empty() ? 0 : busiest_time(app.session)));
  if (const std::string error = stage_lesson(app, *options); !error.empty()) {
    std::fprintf(stderr, "brokersim-gui: %s\n", error.c_str());
    return 2;
  }

  gui::StepExport slides;
  if (!options->export_steps.empty()) {
    if (const std::string error = slides.start(app, options->export_steps); !error.empty()) {
      std::fprintf(stderr, "brokersim-gui: %s\n", error.c_str());
      return 2;
    }
  }
  GLFWwindow* window = open_window(app, *options);
  if (!window) return 1;
  if (options->bench_frames > 0) exit_code = run_benchmark(window, app, *options);
  else if (!options->screenshot.empty() || slides.active()) exit_code = run_capture(window, app, *options, server.get(), slides);
  else exit_code = run_interactive(window, app, server.get());
  close_window(window);
  return exit_code;
}
