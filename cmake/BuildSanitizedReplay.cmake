# cmake -DSRC=<source> -DBIN=<build dir> -DCC=<c compiler> -DCXX=<c++ compiler> -DJOBS=<n> -P this
# Configures (once) and builds the ASan+UBSan replay drivers of every fuzz target.
if(NOT EXISTS ${BIN}/CMakeCache.txt)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${BIN} -DCMAKE_BUILD_TYPE=RelWithDebInfo
                          -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX}
                          -DSG_SANITIZE=ON -DSG_FUZZ_REPLAY_ONLY=ON
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring the sanitized replay build in ${BIN} failed")
  endif()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BIN} --target fuzzers -j ${JOBS} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the sanitized replay drivers in ${BIN} failed")
endif()
