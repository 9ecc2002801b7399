# The classroom GUI's pictures, each rendered, checked not blank and kept for a person to look
# at: a timeline unbind before and after (the binding is drawn, then gone), presentation mode
# at two sizes, the high-contrast theme, the headers lesson, RPC with direct reply-to, and the
# x-death inspector.
# -DGUI=brokersim-gui -DCHECK=gui_screenshot_check -DDIR=out dir -DSCENARIOS=scenarios dir
function(render name size)
  string(REPLACE "x" ";" wh ${size})
  list(GET wh 0 w)
  list(GET wh 1 h)
  file(REMOVE ${DIR}/${name}.png)
  execute_process(COMMAND xvfb-run -a -s "-screen 0 ${size}x24" ${GUI} ${ARGN} --size ${size} --screenshot ${DIR}/${name}.png
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${DIR}/${name}.png)
    message(FATAL_ERROR "${name}: brokersim-gui failed (${rc}):\n${out}\n${err}")
  endif()
  execute_process(COMMAND ${CHECK} ${DIR}/${name}.png ${w} ${h} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: screenshot check failed:\n${out}")
  endif()
endfunction()
render(classroom-unbind-before 1280x800 ${SCENARIOS}/exchange_to_exchange.yaml --at 9.5s)
render(classroom-unbind-after 1280x800 ${SCENARIOS}/exchange_to_exchange.yaml --at 12s)
foreach(lesson hello_world ecommerce_checkout)
  render(classroom-present-${lesson}-1280 1280x800 ${SCENARIOS}/${lesson}.yaml --present --text-scale 1.5)
  render(classroom-present-${lesson}-1920 1920x1080 ${SCENARIOS}/${lesson}.yaml --present --text-scale 1.5)
endforeach()
render(classroom-high-contrast 1280x800 ${SCENARIOS}/ecommerce_checkout.yaml --present --theme high-contrast --at 4s)
render(classroom-headers 1280x800 ${SCENARIOS}/headers.yaml)
render(classroom-rpc 1280x800 ${SCENARIOS}/rpc.yaml --at 6s)
render(classroom-x-death 1280x800 ${SCENARIOS}/delayed_retry.yaml --at 40s --follow 5 --panel inspect)
# A bad option is refused, not ignored.
execute_process(COMMAND ${GUI} --theme pastel RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--theme is dark or high-contrast")
  message(FATAL_ERROR "--theme pastel should be refused with exit 2, got ${rc}: ${err}")
endif()
