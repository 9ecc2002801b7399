# Renders one scenario with brokersim-gui --screenshot under Xvfb and checks the PNG.
# -DGUI=brokersim-gui -DCHECK=gui_screenshot_check -DSCENARIO=file.yaml -DOUT=file.png
file(REMOVE ${OUT})
execute_process(
  COMMAND xvfb-run -a -s "-screen 0 1280x800x24" ${GUI} ${SCENARIO} --screenshot ${OUT} --size 1280x800
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "brokersim-gui --screenshot failed (${rc}):\n${out}\n${err}")
endif()
if(NOT EXISTS ${OUT})
  message(FATAL_ERROR "no screenshot written:\n${out}\n${err}")
endif()
# The screenshot is taken at the busiest moment of the first minute: messages must be moving.
if(NOT out MATCHES " [1-9][0-9]* messages in flight")
  message(FATAL_ERROR "no messages in flight in the screenshot:\n${out}")
endif()
execute_process(COMMAND ${CHECK} ${OUT} 1280 800 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "screenshot check failed:\n${out}\n${err}")
endif()
