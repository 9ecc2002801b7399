# Fails when anything under engine/ (but engine/net) includes GUI, GL or socket headers: the dependency
# direction engine <- engine_net <- app is checked on every test run, not just promised.
# engine/net is the one place sockets belong (the engine_net library); everything else is core.
file(GLOB_RECURSE sources "${ENGINE_DIR}/*.h" "${ENGINE_DIR}/*.cpp")
list(FILTER sources EXCLUDE REGEX "/engine/net/")
set(forbidden "imgui|GLFW|glad/|GL/gl|asio|sys/socket\\.h|netinet/|arpa/inet\\.h|winsock")
set(bad "")
foreach(source IN LISTS sources)
  file(STRINGS "${source}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](${forbidden})")
  if(lines)
    list(APPEND bad "${source}: ${lines}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "engine/ must not include GUI or socket headers:\n${bad}")
endif()
list(LENGTH sources count)
message(STATUS "checked ${count} engine files: no GUI or socket includes")
