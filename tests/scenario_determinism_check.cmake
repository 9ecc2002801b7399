# Runs a scenario twice with its seed and once with another; the first two fingerprints must
# match and the third must differ.
foreach(run first second)
  execute_process(COMMAND ${BROKERSIM} run ${SCENARIO} --quiet OUTPUT_VARIABLE out_${run} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "brokersim run exited ${rc}")
  endif()
  string(REGEX MATCH "fingerprint: ([0-9a-f]+)" _ "${out_${run}}")
  set(fp_${run} ${CMAKE_MATCH_1})
endforeach()
if(NOT fp_first STREQUAL fp_second)
  message(FATAL_ERROR "same seed, different fingerprints: ${fp_first} vs ${fp_second}")
endif()
message(STATUS "fingerprint ${fp_first} twice")
