# Unity builds for the libraries and tools: their .cpp files are compiled in batches of
# SG_UNITY_BATCH, one translation unit each. Where the compile time goes (docs/install.md, "Build
# time") is not parsing headers but instantiating and optimising nlohmann-json, fmt and CLI11
# templates again in every file that uses them (4-16 s of CPU per file); a batch does that once.
# A precompiled header was tried and measured slower (it saves parsing only and adds loading a
# ~150 MB .gch to every file). Tests stay one file per unit (they are built by `make test`, not
# `make demo`, and a failing test file should name itself). SG_UNITY=OFF for one file per unit.
option(SG_UNITY "Compile library and tool sources in unity batches" ON)
set(SG_UNITY_BATCH 8 CACHE STRING "Source files per unity batch")

function(_sg_collect_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _sg_collect_targets(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Applied here to every target under lib/ and tools/, so the plane CMakeLists.txt stay free of it.
function(sg_apply_unity_builds)
  if(NOT SG_UNITY)
    return()
  endif()
  foreach(dir lib tools)
    _sg_collect_targets(${PROJECT_SOURCE_DIR}/${dir} targets)
    foreach(t IN LISTS targets)
      get_target_property(type ${t} TYPE)
      if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|OBJECT_LIBRARY)$")
        set_target_properties(${t} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${SG_UNITY_BATCH})
      endif()
    endforeach()
  endforeach()
endfunction()
