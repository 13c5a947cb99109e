#!/usr/bin/env bash
# tools/demo.sh — builds Plinth and runs `plinth-host demo` with no configuration: the host starts
# its own MariaDB sandbox under ./var (PLINTH_HOME moves it) and walks through every module.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target plinth-host
exec build/release/host_demo/plinth-host demo "$@"
