#!/usr/bin/env bash
# tools/test.sh — the whole test suite, from a fresh Debian 12 machine: installs what is missing,
# then builds and runs, preset by preset (the default: asan tsan fuzz):
#   asan   every suite under AddressSanitizer + UndefinedBehaviorSanitizer (gcc, warnings as
#          errors, modules linked with --no-undefined)
#   tsan   the tests labelled `concurrent` under ThreadSanitizer (clang-14, thread-safety
#          analysis as errors); builds only the suites that have such tests (concurrent_tests)
#   fuzz   every libFuzzer target for PLINTH_FUZZ_SECONDS (default 30) each, two at a time
#          (clang-14 + ASan/UBSan; builds only the fuzzers; tools/fuzz.sh runs them for longer)
#   debug  every suite again without sanitizers (gcc, warnings as errors): the same tests and
#          checks as asan (`ctest -N` lists the same tests), so not run by default; a quicker
#          build for developers (PLINTH_TEST_PRESETS=debug)
# PLINTH_TEST_PRESETS picks some of them ("debug", "asan tsan", "debug asan tsan fuzz"). Each
# ctest run starts its own MariaDB sandbox (a CTest fixture) and runs the tests in parallel; the
# fuzz step starts one for the fuzzers. A red step does not stop the others: every step runs,
# each reports its build and test time (and the machine's load, since timings on a shared machine
# mean little without it), and the exit status is non-zero when any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
passed=0
failed_steps=()
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== load at start: $(load) ($(nproc) cores) =="
for preset in ${PLINTH_TEST_PRESETS:-asan tsan fuzz}; do
  echo "== $preset =="
  step=$SECONDS
  if ! { cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset"; }; then
    echo "== $preset: BUILD FAILED after $((SECONDS - step)) s =="
    failed_steps+=("$preset (build)")
    continue
  fi
  built=$SECONDS
  if [[ $preset == fuzz ]]; then
    tools/fuzz.sh "${PLINTH_FUZZ_SECONDS:-30}" | tee "$log"
    n=$(sed -n 's/^fuzz: \([0-9]*\) passed, 0 failed$/\1/p' "$log")
  else
    ctest --preset "$preset" | tee "$log"
    n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\)$/\1/p' "$log")
  fi
  if [[ -z $n ]]; then
    failed_steps+=("$preset")
  else
    passed=$((passed + n))
  fi
  outcome="FAILED"
  [[ -n $n ]] && outcome="$n passed"
  echo "== $preset: $((SECONDS - step)) s (build $((built - step)) s, run $((SECONDS - built)) s); load $(load); $outcome =="
done
echo "== all presets: $((SECONDS - start)) s; load at end: $(load) =="
if [[ ${#failed_steps[@]} -gt 0 ]]; then
  echo "FAILED: ${failed_steps[*]} ($passed tests passed in the other steps)"
  exit 1
fi
echo "tests: $passed passed, 0 failed"
