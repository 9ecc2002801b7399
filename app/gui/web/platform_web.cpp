// The browser's side of gui/platform.h, and the page's error and result elements.
#include <emscripten.h>

#include "gui/platform.h"
#include "web_state.h"

namespace brokersim::gui {

// Files the GUI writes live in the page's memory: hand them to the browser as a download.
void offer_file(const std::string& path) {
  EM_ASM({
    const path = UTF8ToString($0);
    const blob = new Blob([FS.readFile(path)], {type: path.endsWith('.json') ? 'application/json' : 'application/yaml'});
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = path.split('/').pop();
    document.body.appendChild(a);
    a.click();
    a.remove();
  }, path.c_str());
}

}  // namespace brokersim::gui

namespace brokersim::web {

void show_error(const std::string& text) {
  EM_ASM({ if (Module.showError) Module.showError(UTF8ToString($0)); }, text.c_str());
}

void set_result(const std::string& text) {
  EM_ASM({
    const result = document.getElementById('result');
    if (result) result.textContent = UTF8ToString($0);
  }, text.c_str());
}

}  // namespace brokersim::web
