# The lesson slides a class sees: a question pending, the same question answered, an exercise
# graded; each renders (exit 0, a PNG that is not blank), and a bad --ask or --answer is refused.
# -DGUI=brokersim-gui -DCHECK=gui_screenshot_check -DDIR=out dir -DSCENARIOS=scenarios dir
function(render name)
  file(REMOVE ${DIR}/${name}.png)
  execute_process(COMMAND xvfb-run -a -s "-screen 0 1280x800x24" ${GUI} ${ARGN} --screenshot ${DIR}/${name}.png --size 1280x800
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${DIR}/${name}.png)
    message(FATAL_ERROR "${name}: brokersim-gui failed (${rc}):\n${out}\n${err}")
  endif()
  execute_process(COMMAND ${CHECK} ${DIR}/${name}.png 1280 800 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: screenshot check failed:\n${out}")
  endif()
endfunction()
render(question-pending ${SCENARIOS}/log_aggregation.yaml --ask 1)
render(question-revealed ${SCENARIOS}/log_aggregation.yaml --ask 1 --answer "alerts, archive, db_team")
render(exercise-graded ${SCENARIOS}/exercises/ex_07_logs_by_severity.yaml --check-exercise)
foreach(bad "--ask;99" "--ask;1;--answer;no_such_queue")
  execute_process(COMMAND xvfb-run -a -s "-screen 0 1280x800x24" ${GUI} ${SCENARIOS}/log_aggregation.yaml ${bad}
                          --screenshot ${DIR}/bad.png RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "brokersim-gui: --")
    message(FATAL_ERROR "'${bad}' should be refused with exit 2 and a message, got ${rc}: ${err}")
  endif()
endforeach()
