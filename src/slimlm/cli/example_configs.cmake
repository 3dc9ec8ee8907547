# Embeds configs/{default,baseline,search}.yaml into example_configs.cpp (a
# raw string literal each) for `slimlm init-config`; editing a config
# re-runs the configure step. Sets SLIMLM_EXAMPLE_CONFIGS_CPP.
set(SLIMLM_EXAMPLE_CONFIG_DIR ${PROJECT_SOURCE_DIR}/configs)
set(SLIMLM_EXAMPLE_CONFIG_ENTRIES "")
foreach(kind default baseline search)
  set(_file ${SLIMLM_EXAMPLE_CONFIG_DIR}/${kind}.yaml)
  file(READ ${_file} _text)
  if(_text MATCHES "\\)slimlm_yaml\"")
    message(FATAL_ERROR "${_file} contains the raw-string delimiter )slimlm_yaml\"")
  endif()
  string(APPEND SLIMLM_EXAMPLE_CONFIG_ENTRIES
         "      ExampleConfig{\"${kind}\", R\"slimlm_yaml(${_text})slimlm_yaml\"},\n")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_file})
endforeach()
set(SLIMLM_EXAMPLE_CONFIGS_CPP ${CMAKE_CURRENT_BINARY_DIR}/example_configs.cpp)
configure_file(${CMAKE_CURRENT_LIST_DIR}/example_configs.cpp.in ${SLIMLM_EXAMPLE_CONFIGS_CPP} @ONLY)
