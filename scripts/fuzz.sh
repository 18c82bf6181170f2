#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer) of the parsers and the verifier: runs every target in
# fuzz/ for FUZZ_SECONDS each (default 20), one after another, at the lowest CPU priority. A crash fails the
# script and leaves its input in fuzz/artifacts/<target>/ (make it a regression test: docs/fuzzing.md).
# Works on the stable toolchain (RUSTC_BOOTSTRAP=1 unlocks the flags cargo-fuzz passes). Skips with a message when cargo-fuzz is missing and cannot be installed.
# Usage: scripts/fuzz.sh [target …]   Env: FUZZ_SECONDS, FUZZ_LOG (append "target runs seconds" lines).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz >/dev/null 2>&1 || { echo "skipped: cargo-fuzz is not installed and could not be installed"; exit 0; }
fi
# The workspace's stable toolchain; RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass `--cfg fuzzing` and friends.
toolchain=()
export RUSTC_BOOTSTRAP=1

seconds="${FUZZ_SECONDS:-20}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)

# No sanitizer: the code under test is safe Rust (unsafe_code is forbidden), and libFuzzer's coverage
# guidance works without one at several times the speed.
nice -n 19 cargo "${toolchain[@]}" fuzz build -s none -O >/dev/null 2>&1 \
  || nice -n 19 cargo "${toolchain[@]}" fuzz build -s none -O

status=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "seeds/$target"
  log="$(mktemp)"
  if nice -n 19 cargo "${toolchain[@]}" fuzz run -s none -O "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 >"$log" 2>&1; then
    runs="$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')"
    echo "fuzz $target: ${runs:-?} runs in ${seconds}s, no crash"
    [ -z "${FUZZ_LOG:-}" ] || echo "$target ${runs:-?} $seconds" >>"$FUZZ_LOG"
  else
    echo "fuzz $target: FAILED"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20
    status=1
  fi
  rm -f "$log"
done
exit $status
