#include "gui/platform.h"

namespace brokersim::gui {

// The file is on disk where the user typed it.
void offer_file(const std::string&) {}

}  // namespace brokersim::gui
