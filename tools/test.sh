#!/usr/bin/env bash
# tools/test.sh — the whole test suite, from a fresh Debian 12 machine: installs what is missing,
# builds, then runs every suite twice: a debug build, and under AddressSanitizer +
# UndefinedBehaviorSanitizer. Each run starts its own MariaDB sandbox (a CTest fixture).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
for preset in ${PLINTH_TEST_PRESETS:-debug asan}; do
  echo "== $preset =="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
