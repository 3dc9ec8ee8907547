# slimlm_isa_sources(ISA file...): compile these files (only these) for one
# instruction set. The code in them is reached through run-time dispatch
# (core/cpu_features.h), so the binary still runs on machines without the ISA.
function(slimlm_isa_sources isa)
  if(isa STREQUAL "avx2")
    set(flags -mavx2 -mfma -mf16c)
  elseif(isa STREQUAL "avx512")
    set(flags -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16
              -mavx512vnni -mavx2 -mfma -mf16c)
  else()
    message(FATAL_ERROR "slimlm_isa_sources: unknown ISA '${isa}'")
  endif()
  set_source_files_properties(${ARGN} PROPERTIES COMPILE_OPTIONS "${flags}")
endfunction()

# slimlm_add_layer(NAME SOURCES... DEPS...): one static library per layer,
# linking only the layers below it (../shared/DESIGN.md).
function(slimlm_add_layer name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPS" ${ARGN})
  add_library(slimlm_${name} STATIC ${L_SOURCES})
  target_include_directories(slimlm_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(slimlm_${name} PUBLIC ${L_DEPS})
endfunction()

# slimlm_add_test(NAME SOURCES... LIBS... LABELS...): a GoogleTest program whose
# cases become ctest tests carrying the given labels.
function(slimlm_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    SLIMLM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    SLIMLM_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
               ENVIRONMENT "SLIMLM_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
