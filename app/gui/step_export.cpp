#include "gui/step_export.h"

#include <cstdio>
#include <filesystem>

#include "gui/gui_app.h"
#include "gui/screenshot.h"

namespace brokersim::gui {

namespace {

constexpr int kSettleFrames = 4;  // ImGui lays out over a few frames before a picture is true

}  // namespace

std::string StepExport::start(GuiApp& app, const std::string& dir) {
  if (app.session.lesson().empty()) return "--export-steps: this scenario has no lesson steps";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  index_.open(dir + "/index.md");
  if (ec || !index_) return "--export-steps: cannot write into " + dir;
  index_ << "# " << app.session.scenario().name << "\n\n";
  if (!app.session.scenario().description.empty()) index_ << app.session.scenario().description << "\n\n";
  dir_ = dir;
  active_ = true;
  app.playing = false;
  return "";
}

void StepExport::stage(GuiApp& app) {
  if (!active_ || frames_ > 0) return;
  const LessonMark& mark = app.session.lesson()[step_];
  app.seek(mark.time_us());
  app.quiz.pending = -1;
  if (const int q = app.quiz.question_for(mark.step); q >= 0) app.quiz.start(q);
}

bool StepExport::after_render(GuiApp& app, int width, int height, std::string& error) {
  if (!active_) return true;
  if (++frames_ < kSettleFrames) return true;
  char name[32];
  std::snprintf(name, sizeof name, "step-%02zu.png", step_ + 1);
  error = write_screenshot(dir_ + "/" + name, width, height);
  if (!error.empty()) return false;
  write_index_entry(app, name);
  frames_ = 0;
  if (++step_ < app.session.lesson().size()) return true;
  std::printf("wrote %zu slides and index.md into %s\n", step_, dir_.c_str());
  return false;
}

void StepExport::write_index_entry(const GuiApp& app, const std::string& png) {
  const LessonMark& mark = app.session.lesson()[step_];
  index_ << "## " << step_ + 1 << ". At " << (mark.due_us ? clock_text(mark.time_us()) : "never") << "\n\n";
  if (!mark.step->text.empty()) index_ << mark.step->text << "\n\n";
  if (const int q = app.quiz.question_for(mark.step); q >= 0) {
    const auto& asked = app.quiz.questions[static_cast<std::size_t>(q)];
    index_ << "**Question:** " << asked.prompt << "\n\n**Answer:** " << asked.answer.text() << "\n\n";
    if (!mark.step->ask->explanation.empty()) index_ << mark.step->ask->explanation << "\n\n";
  }
  index_ << "![step " << step_ + 1 << "](" << png << ")\n\n";
  index_.flush();
}

}  // namespace brokersim::gui
