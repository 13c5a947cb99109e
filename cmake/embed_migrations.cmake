# Run with -P: writes OUTPUT, a C++ file holding the SQL FILES of MODULE as byte arrays.
set(body "")
set(entries "")
set(index 0)
foreach(file IN LISTS FILES)
  get_filename_component(name ${file} NAME_WE)
  file(READ ${file} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "const char m${index}[] = {${bytes} 0};\n")
  string(APPEND entries "    {\"${name}\", std::string_view(m${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE ${OUTPUT}.tmp "// Generated from sql/${MODULE}/ by cmake/embed_migrations.cmake. Do not edit.
#include <plinth/sdk/db.hpp>

namespace {
${body}
const plinth::sdk::db::Migration all[] = {
${entries}};
} // namespace

namespace plinth::embedded {
std::span<const sdk::db::Migration> ${MODULE}_migrations() { return all; }
} // namespace plinth::embedded
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
