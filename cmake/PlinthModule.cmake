# Helpers shared by every module: embedded migrations and the one-symbol shared object.

set(PLINTH_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/module.map)
include(${CMAKE_CURRENT_LIST_DIR}/PlinthModuleTarget.cmake)
set(PLINTH_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_migrations.cmake)

# plinth_embed_migrations(<target> <module>): compiles sql/<module>/*.sql into <target> as
# plinth::embedded::<module>_migrations(), rebuilt whenever a file changes.
# An optional third argument names another folder of .sql files (test fixtures).
function(plinth_embed_migrations target module)
  set(sql_dir ${PLINTH_SQL_DIR}/${module})
  if(ARGC GREATER 2)
    set(sql_dir ${ARGV2})
  endif()
  file(GLOB sql_files CONFIGURE_DEPENDS ${sql_dir}/*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${module}_migrations.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DMODULE=${module} -DOUTPUT=${out} "-DFILES=${sql_files}" -P ${PLINTH_EMBED_SCRIPT}
    DEPENDS ${sql_files} ${PLINTH_EMBED_SCRIPT}
    COMMENT "Embedding ${module} migrations"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()

# plinth_add_module(<name> [TEST_FIXTURE] SOURCES ... LIBRARIES ...): builds
# modules/plinth_<name>.so exporting only plinth_entry (checked by tests/abi). TEST_FIXTURE
# modules go to test-modules/ instead, so the demo host never loads them.
function(plinth_add_module name)
  cmake_parse_arguments(M "TEST_FIXTURE" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target plinth_${name})
  set(output_dir ${PLINTH_MODULE_DIR})
  if(M_TEST_FIXTURE)
    set(output_dir ${PLINTH_TEST_MODULE_DIR})
  endif()
  add_library(${target} MODULE ${M_SOURCES})
  target_link_libraries(${target} PRIVATE ${M_LIBRARIES})
  plinth_module_target(${target} OUTPUT_DIRECTORY ${output_dir})
  if(NOT M_TEST_FIXTURE)
    set_property(GLOBAL APPEND PROPERTY PLINTH_MODULES ${target})
  endif()
endfunction()
