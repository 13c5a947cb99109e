# plinth_module_target(<target> [OUTPUT_DIRECTORY <dir>]): turns a MODULE library into a Plinth
# module: plinth_<name>.so (no "lib" prefix), hidden visibility, and a linker version script that
# exports the entry symbol alone (ABI rule 2; tests/abi reads the dynamic symbol table to prove
# it). Shared by the in-tree build (cmake/PlinthModule.cmake) and the installed CMake package
# (find_package(Plinth) -> plinth_add_module), so a module built out of tree gets the same shape.
#
# PLINTH_VERSION_SCRIPT must name module.map before this file is included.

function(plinth_module_target target)
  cmake_parse_arguments(M "" "OUTPUT_DIRECTORY" "" ${ARGN})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS ${PLINTH_VERSION_SCRIPT})
  if(M_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${M_OUTPUT_DIRECTORY})
  endif()
  target_link_options(${target} PRIVATE -Wl,--version-script=${PLINTH_VERSION_SCRIPT})
  # A module must resolve every symbol it uses at link time, not when the host loads it. Clang's
  # sanitizer runtimes live in the executable, so clang's sanitized builds leave them undefined;
  # gcc links its runtimes as shared libraries every module names (libasan.so, libubsan.so), so
  # the asan preset checks this as the debug build does.
  if(NOT PLINTH_SANITIZED OR CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()
