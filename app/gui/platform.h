#pragma once
// What differs between the desktop and the browser, for the panels: a file the GUI wrote is
// already where the user wants it on the desktop; in the browser it lives in memory, so it is
// offered as a download.
#include <string>

namespace brokersim::gui {

void offer_file(const std::string& path);

}  // namespace brokersim::gui
