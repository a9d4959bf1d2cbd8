# sg_add_test(NAME <name> SOURCES <files...> LIBS <targets...>)
#   A GoogleTest executable registered with CTest (one CTest entry per test case).
include(GoogleTest OPTIONAL)
function(sg_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${T_NAME} PRIVATE SG_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                             SG_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endfunction()

# sg_add_fuzzer(NAME fuzz_<name> SOURCES <files...> LIBS <targets...>)
#   With SG_FUZZ=ON (clang): a libFuzzer binary.  Otherwise: the same entry point linked with a
#   replay driver and run by CTest over fuzz/<plane>/corpus/<name>/, so every `make test`
#   proves the target builds and survives its seed corpus (under ASan+UBSan with SANITIZE=1).
add_custom_target(fuzzers)
function(sg_add_fuzzer)
  cmake_parse_arguments(F "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${F_NAME} ${F_SOURCES})
  target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  if(SG_FUZZ)
    target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(${F_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cpp)
    set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${F_NAME})
    add_test(NAME ${F_NAME}_corpus COMMAND ${F_NAME} ${corpus})
    # The same seeds again through the ASan+UBSan build of the replay drivers (fuzz/CMakeLists.txt),
    # so a crash input kept as a seed can never come back unseen in a plain `make test`.
    if(SG_FUZZ_SANITIZED_REPLAY)
      file(RELATIVE_PATH rel ${PROJECT_BINARY_DIR} ${CMAKE_CURRENT_BINARY_DIR})
      add_test(NAME ${F_NAME}_corpus_sanitized COMMAND ${SG_FUZZ_SAN_DIR}/${rel}/${F_NAME} ${corpus})
      set_tests_properties(${F_NAME}_corpus_sanitized PROPERTIES
        FIXTURES_REQUIRED fuzz_sanitized
        ENVIRONMENT "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1;ASAN_OPTIONS=abort_on_error=0:detect_leaks=1")
    endif()
  endif()
  add_dependencies(fuzzers ${F_NAME})
endfunction()
