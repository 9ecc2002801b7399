// brokersim in the browser: the desktop GUI's frame, driven by the browser's animation frames.
// The page (assets/site.js) says what to open, as arguments:
//   [FILE] [--at MS]          the GUI on that scenario (default: the checkout lesson)
//   --check FILE [--seed N]   plays it to its end without drawing, then writes
//                             "fingerprint: <hex>" (or "error: ...") into the page's #result
//   [FILE] --bench N          the GUI, and after N frames their median time into #result
#include <GLES3/gl3.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "gui/sprites.h"
#include "gui/theme.h"
#include "scenario/loader.h"
#include "scenario/runner.h"
#include "trace/fingerprint.h"
#include "web_state.h"

namespace brokersim::web {

WebState& state() {
  static WebState s;
  return s;
}

namespace {

constexpr const char* kFontPath = "/fonts/DejaVuSans.ttf";
constexpr const char* kDefaultScenario = "/scenarios/ecommerce_checkout.yaml";

struct Arguments {
  std::string file;
  bool check = false;
  std::optional<std::uint64_t> seed;
  std::optional<double> at_ms;
  int bench_frames = 0;
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--check") {
      a.check = true;
    } else if (arg == "--seed" && value) {
      a.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--at" && value) {
      a.at_ms = std::strtod(argv[++i], nullptr);
    } else if (arg == "--bench" && value) {
      a.bench_frames = std::max(1, std::atoi(argv[++i]));
    } else {
      a.file = arg;
    }
  }
  return a;
}

// Check mode: the same run `brokersim run FILE` makes, reduced to its fingerprint.
int run_check(const Arguments& a) {
  const scenario::LoadResult loaded = scenario::load_scenario_file(a.file.empty() ? kDefaultScenario : a.file);
  if (!loaded.ok()) {
    std::string text;
    for (const auto& e : loaded.errors) text += e.to_string() + "\n";
    show_error(text);
    set_result("error: " + text);
    return 2;
  }
  trace::Fingerprint fingerprint;
  scenario::RunOptions options;
  options.seed = a.seed;
  options.sinks.push_back(&fingerprint);
  scenario::Runner runner(loaded.scenario, options);
  runner.run();
  set_result("fingerprint: " + fingerprint.hex());
  return 0;
}

// The canvas fills the page (CSS pixels, which the layout uses); its drawing buffer follows
// in device pixels, so lines and text are sharp on high-DPI screens.
void fit_canvas(WebState& s) {
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  s.pixel_ratio = std::clamp(emscripten_get_device_pixel_ratio(), 0.5, 4.0);
  s.css_width = std::max(1.0, css_w);
  s.css_height = std::max(1.0, css_h);
  const int w = static_cast<int>(std::lround(s.css_width * s.pixel_ratio));
  const int h = static_cast<int>(std::lround(s.css_height * s.pixel_ratio));
  if (w == s.width && h == s.height) return;
  emscripten_set_canvas_element_size("#canvas", w, h);
  s.width = w;
  s.height = h;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void frame(void* bench_frames_arg) {
  WebState& s = state();
  const int bench_frames = *static_cast<int*>(bench_frames_arg);
  static std::vector<double> frame_ms;
  const double now_s = emscripten_get_now() / 1000.0;
  fit_canvas(s);
  if (s.app.font_scale != s.loaded_font_scale || s.pixel_ratio != s.loaded_pixel_ratio) {
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    gui::load_font(s.app, kFontPath, static_cast<float>(s.pixel_ratio));
    ImGui_ImplOpenGL3_CreateFontsTexture();
    s.loaded_font_scale = s.app.font_scale;
    s.loaded_pixel_ratio = s.pixel_ratio;
  }
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  // The backend reads GLFW's window size; the layout is in CSS pixels, the buffer in device
  // pixels, and the browser reports the mouse in device pixels.
  ImGuiIO& io = ImGui::GetIO();
  const auto ratio = static_cast<float>(s.pixel_ratio);
  io.DisplaySize = ImVec2(static_cast<float>(s.css_width), static_cast<float>(s.css_height));
  io.DisplayFramebufferScale = ImVec2(ratio, ratio);
  if (io.MousePos.x > -FLT_MAX / 2) io.MousePos = ImVec2(io.MousePos.x / ratio, io.MousePos.y / ratio);
  ImGui::NewFrame();
  if (s.last_frame_s > 0) {
    const double wall = now_s - s.last_frame_s;
    s.app.advance(bench_frames > 0 ? 1.0 / 60.0 : std::min(wall, 0.25));  // a hidden tab resumes calmly
    if (bench_frames > 0 && s.frames > 3) frame_ms.push_back(wall * 1000.0);
  }
  s.last_frame_s = now_s;
  gui::handle_shortcuts(s.app);
  gui::draw_frame(s.app);
  ImGui::Render();
  glViewport(0, 0, s.width, s.height);
  float ground[3];
  gui::clear_colour(ground);
  glClearColor(ground[0], ground[1], ground[2], 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (++s.frames == 1) EM_ASM({ if (Module.onFirstFrame) Module.onFirstFrame(); });
  if (bench_frames > 0 && static_cast<int>(frame_ms.size()) == bench_frames) {
    char text[128];
    std::snprintf(text, sizeof text, "frames: %d at %dx%d, median frame %.2f ms", bench_frames, s.width, s.height,
                  median(frame_ms));
    set_result(text);
  }
}

bool open_window(WebState& s) {
  if (!glfwInit()) return false;
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  s.window = glfwCreateWindow(1280, 800, "brokersim", nullptr, nullptr);
  if (!s.window) return false;
  glfwMakeContextCurrent(s.window);
  // GLFW sized the canvas's style too; the page's stylesheet says how big it is.
  EM_ASM({
    const canvas = document.getElementById('canvas');
    canvas.style.removeProperty('width');
    canvas.style.removeProperty('height');
  });
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  gui::apply_theme();
  ImGui_ImplGlfw_InitForOpenGL(s.window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");
  gui::sprites::create();
  return true;
}

}  // namespace
}  // namespace brokersim::web

int main(int argc, char** argv) {
  using namespace brokersim;
  const web::Arguments args = web::parse(argc, argv);
  if (args.check) return web::run_check(args);

  web::WebState& s = web::state();
  s.app.scenarios_dir = "/scenarios";
  const std::string file = args.file.empty() ? web::kDefaultScenario : args.file;
  if (const gui::Status opened = s.app.open(file); !opened) {
    // A bad file or link: say why in the page, and show a lesson rather than nothing.
    web::show_error(opened.error());
    (void)s.app.open(web::kDefaultScenario);
  }
  if (args.at_ms) {
    s.app.playing = false;
    s.app.seek(static_cast<sim::TimeUs>(*args.at_ms * 1000.0));
  }
  if (!web::open_window(s)) {
    web::show_error("This browser could not start WebGL 2, which brokersim needs to draw.");
    return 1;
  }
  static int bench_frames = args.bench_frames;
  emscripten_set_main_loop_arg(web::frame, &bench_frames, 0, true);
  return 0;
}
