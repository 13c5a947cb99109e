#!/usr/bin/env bash
# tools/test.sh — the whole test suite, from a fresh Debian 12 machine: installs what is missing,
# then builds and runs, preset by preset:
#   debug  every suite (gcc)
#   asan   every suite again under AddressSanitizer + UndefinedBehaviorSanitizer (gcc)
#   fuzz   every libFuzzer target for PLINTH_FUZZ_SECONDS (default 20) each, two at a time
#          (clang-14; tools/fuzz.sh runs them for longer); opt-in for now, like tsan
#   tsan   the tests labelled `concurrent` under ThreadSanitizer (clang-14); opt-in for now
#          (PLINTH_TEST_PRESETS="debug asan fuzz tsan"): neither is yet confirmed green on the
#          merged tree, and a red step would hide the ones that are.
# PLINTH_TEST_PRESETS picks some of them ("debug", "debug tsan"). Each ctest run starts its own
# MariaDB sandbox (a CTest fixture) and runs the tests in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
passed=0
for preset in ${PLINTH_TEST_PRESETS:-debug asan}; do
  echo "== $preset =="
  step=$SECONDS
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  if [[ $preset == fuzz ]]; then
    tools/fuzz.sh "${PLINTH_FUZZ_SECONDS:-20}" | tee "$log"
    n=$(sed -n 's/^fuzz: \([0-9]*\) passed, 0 failed$/\1/p' "$log")
  else
    ctest --preset "$preset" | tee "$log"
    n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\)$/\1/p' "$log")
  fi
  passed=$((passed + ${n:-0}))
  echo "== $preset: $((SECONDS - step)) s =="
done
echo "== all presets: $((SECONDS - start)) s =="
echo "tests: $passed passed, 0 failed"
