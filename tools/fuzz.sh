#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS] [TARGET...] — runs the libFuzzer targets built by the fuzz preset, each
# for SECONDS (default 20; tools/test.sh gives 30), two at a time. Without targets, all of them.
#
#   cmake --preset fuzz && cmake --build --preset fuzz
#   tools/fuzz.sh 3600 site          # an hour on site canonicalisation
#
# Each target starts from its seed corpus in fuzz/corpus/<target>/ (in the tree; inputs that once
# crashed stay there as regression cases) and writes what it learns to build/fuzz/corpus/<target>/.
# A crash leaves its input as build/fuzz/artifacts/<target>-crash-<sha1>; reproduce it with
# `build/fuzz/fuzz/fuzz_<target> FILE` (the commands, http and edd targets need the sandbox's
# variables: see below). They need MariaDB: a sandbox under build/fuzz/fuzz-db is started for
# them and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
shift || true
build=build/fuzz
all=(site key environment archive_name commands http edd)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")
jobs=${PLINTH_FUZZ_JOBS:-2}

mkdir -p "$build/artifacts" "$build/logs"
for t in "${targets[@]}"; do
  [[ -x "$build/fuzz/fuzz_$t" ]] || { echo "no fuzzer $build/fuzz/fuzz_$t: build the fuzz preset first" >&2; exit 2; }
done

if [[ " ${targets[*]} " =~ " "(commands|http|edd)" " ]]; then
  tools/sandbox.sh start "$build/fuzz-db" >/dev/null
  trap 'tools/sandbox.sh stop "$build/fuzz-db" >/dev/null' EXIT
  export PLINTH_FUZZ_DB_SOCKET="$PWD/$build/fuzz-db/mysqld.sock" PLINTH_FUZZ_STATE_DIR="$PWD/$build/fuzz-state"
fi

# Runs one target; its verdict goes to logs/<target>.status (the caller counts them).
run() {
  local t=$1
  local dict=()
  [[ -f fuzz/$t.dict ]] && dict=(-dict="fuzz/$t.dict")
  mkdir -p "$build/corpus/$t"
  if "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$t-" "${dict[@]}" "$build/corpus/$t" "fuzz/corpus/$t" \
      >"$build/logs/$t.log" 2>&1; then
    echo "fuzz $t: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/logs/$t.log" | grep -o '[0-9]*$') runs in ${seconds}s)"
    echo ok >"$build/logs/$t.status"
  else
    echo "fuzz $t: FAILED (log $build/logs/$t.log)"
    tail -n 40 "$build/logs/$t.log"
    echo failed >"$build/logs/$t.status"
  fi
}

for t in "${targets[@]}"; do
  rm -f "$build/logs/$t.status"
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
  run "$t" &
done
wait
failed=0
for t in "${targets[@]}"; do
  [[ $(cat "$build/logs/$t.status" 2>/dev/null) == ok ]] || failed=$((failed + 1))
done
echo "fuzz: $((${#targets[@]} - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
