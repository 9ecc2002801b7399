# The GUI's sources, relative to app/gui, for the desktop build (app/gui/CMakeLists.txt) and
# the browser build (app/gui/web/CMakeLists.txt): a new panel is listed once.
set(GUI_MODEL_SOURCES
  model/topology_view.cpp
  model/animation.cpp
  model/session.cpp
  model/layout_file.cpp
  model/event_search.cpp
  model/scenario_writes.cpp
  model/message_numbers.cpp)
# Everything but main() and what only one platform has (screenshots and platform_*.cpp).
set(GUI_SOURCES
  gui_app.cpp
  quiz_state.cpp
  canvas_draw.cpp
  palette.cpp
  sprites.cpp
  theme.cpp
  scenario_files.cpp
  panels/canvas_panel.cpp
  panels/time_controls_panel.cpp
  panels/inspector_panel.cpp
  panels/event_log_panel.cpp
  panels/routing_explainer_panel.cpp
  panels/charts_panel.cpp
  panels/lesson_panel.cpp
  panels/manual_publish_panel.cpp
  panels/scenario_browser_panel.cpp
  panels/editing_panel.cpp
  panels/help_panel.cpp
  panels/question_panel.cpp
  panels/dialogs_panel.cpp)
