#!/usr/bin/env bash
# Installs the SDK into a fresh prefix, builds a module out of tree against it twice (CMake's
# find_package(Plinth) and pkg-config's plinth.pc), checks each exports plinth_entry alone, and
# loads both with plinth-host.
#   install_test.sh <build dir> <plinth-host> <C compiler> <work dir>
set -euo pipefail
build=$1 host=$2 cc=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$work"
mkdir -p "$work/modules" "$work/home"
cmake --install "$build" --prefix "$work/prefix" --component sdk >/dev/null
test -f "$work/prefix/include/plinth/plinth.h"
test -f "$work/prefix/include/plinth/sdk/interface.hpp"

# 1. CMake: find_package(Plinth) + plinth_add_module().
cmake -S "$here/hello" -B "$work/cmake-build" -G Ninja -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
cp "$work/cmake-build/plinth_hello_cmake.so" "$work/modules/"

# 2. pkg-config: only the installed prefix is searched.
export PKG_CONFIG_LIBDIR="$work/prefix/share/pkgconfig"
pkg-config --exists plinth
# shellcheck disable=SC2046  # the flags are meant to split into words
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror $(pkg-config --variable=module_cflags plinth) \
      $(pkg-config --cflags plinth) -DHELLO_ID='"hello_pc"' "$here/hello/hello.c" \
      $(pkg-config --variable=module_ldflags plinth) -o "$work/modules/plinth_hello_pc.so"

# 3. Each exports exactly the entry symbol (ABI rule 2).
for so in "$work"/modules/*.so; do
    symbols=$(nm -D --defined-only "$so" | awk '{print $NF}')
    if [ "$symbols" != "plinth_entry" ]; then
        echo "$so exports: $symbols" >&2
        exit 1
    fi
done

# 4. plinth-host loads both and lists the interface each offers.
PLINTH_HOME="$work/home" PLINTH_MODULE_DIR="$work/modules" "$host" modules --json >"$work/modules.json"
python3 - "$work/modules.json" <<'PY'
import json, sys
modules = {m.get("id"): m for m in json.load(open(sys.argv[1]))}
for id in ("hello_cmake", "hello_pc"):
    m = modules.get(id)
    assert m is not None, f"{id} not found: {sorted(modules)}"
    assert m["loaded"], f"{id} refused: {m.get('refusal')}"
    assert m["interfaces"] == ["plinth.command/1"], m["interfaces"]
print("loaded:", ", ".join(sorted(modules)))
PY
