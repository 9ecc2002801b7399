#pragma once
// brokersim-gui FILE --export-steps DIR: one screenshot per lesson step, and an index.md with
// each step's time and text (and a question's answer, for the instructor): slides for a class.
#include <cstddef>
#include <fstream>
#include <string>

namespace brokersim::gui {

struct GuiApp;

class StepExport {
 public:
  // Starts the export; "" or why it cannot (the folder cannot be made, no lesson steps).
  std::string start(GuiApp& app, const std::string& dir);
  bool active() const { return active_; }
  // Before drawing a frame: puts the current step on screen.
  void stage(GuiApp& app);
  // After rendering, before the swap: writes the step's picture once the frame has settled.
  // Returns false when every step is written; `error` is set if a write failed.
  bool after_render(GuiApp& app, int width, int height, std::string& error);

 private:
  void write_index_entry(const GuiApp& app, const std::string& png);

  bool active_ = false;
  std::string dir_;
  std::ofstream index_;
  std::size_t step_ = 0;
  int frames_ = 0;
};

}  // namespace brokersim::gui
