# Runs `brokersim check FILE` and wants exit code EXIT and EXPECT somewhere in what it prints.
execute_process(COMMAND ${BROKERSIM} check ${FILE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL EXIT)
  message(FATAL_ERROR "check exited ${rc}, not ${EXIT}:\n${out}${err}")
endif()
string(FIND "${out}${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "check did not say '${EXPECT}':\n${out}${err}")
endif()
