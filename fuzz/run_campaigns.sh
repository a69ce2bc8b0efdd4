#!/usr/bin/env bash
# Runs fuzz campaigns one after another (one in-process fuzzer at a time: no -jobs/-workers,
# which would fork)
# and prints, per target, the executions, exec/s, peak memory and the result.
#
#   fuzz/run_campaigns.sh [TARGET...] [libFuzzer flags...]
#   fuzz/run_campaigns.sh pickle gzip -runs=1000000
#   fuzz/run_campaigns.sh -max_total_time=600          # every target, 10 minutes each
#
# TARGET is a name from `fuzz/run_campaigns.sh -list` (with or without the fuzz_ prefix);
# none means all. Flags given here come after the defaults (-rss_limit_mb=2048
# -malloc_limit_mb=512 -timeout=10
# and the target's -max_len below), so they win. Default: -runs=1000000.
#
# Environment: PB_FUZZ_BUILD (build dir, default <repo>/build-fuzz), PB_FUZZ_WORK (default
# $PB_FUZZ_BUILD/fuzz/work): work/corpus/<target> keeps the inputs found (reused by the
# next run), work/artifacts/<target>/ the crashing inputs, work/logs/<target>.log the log.
# Exit status: 0 if every campaign ended cleanly, 1 otherwise.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PB_FUZZ_BUILD:-$repo/build-fuzz}"
work="${PB_FUZZ_WORK:-$build/fuzz/work}"

# target -> seed corpus folder (build/fuzz/corpus/<folder>) and -max_len. Lengths: big enough
# for the hand-made seeds (<= 3.5 KB), small enough for speed (a 50 KB fixture pickle runs
# at ~400 exec/s, a 2 KB one at ~5000); bigger seeds are truncated to it.
declare -A corpus=(
  [pickle]=pickle [checkpoint_zip]=checkpoint_zip [checkpoint_legacy]=checkpoint_legacy
  [safetensors]=safetensors [torchscript]=torchscript [inspect]=inspect [gzip]=gzip
  [png_text]=png [png_metadata]=png [image]=image)
declare -A max_len=(
  [pickle]=4096 [checkpoint_zip]=8192 [checkpoint_legacy]=4096 [safetensors]=4096
  [torchscript]=4096 [inspect]=8192 [gzip]=4096 [png_text]=4096 [png_metadata]=4096
  [image]=4096)
order=(pickle checkpoint_zip checkpoint_legacy safetensors torchscript inspect gzip png_text
       png_metadata image)

targets=()
flags=()
for a in "$@"; do
  case "$a" in
    -list) printf '%s\n' "${order[@]}"; exit 0 ;;
    -*) flags+=("$a") ;;
    *) t="${a#fuzz_}"
       [[ -n "${corpus[$t]:-}" ]] || { echo "unknown target '$a' (see -list)" >&2; exit 2; }
       targets+=("$t") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${order[@]}")
has_runs=0
for f in "${flags[@]+"${flags[@]}"}"; do
  [[ "$f" == -runs=* || "$f" == -max_total_time=* ]] && has_runs=1
done
[ $has_runs -eq 1 ] || flags=(-runs=1000000 "${flags[@]+"${flags[@]}"}")

if [ ! -d "$build/fuzz/corpus" ]; then
  "$build/fuzz/fuzz_make_corpus" "$build/fuzz/corpus" || exit 1
fi

results=()
status=0
for t in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "missing $exe: ninja -C $build -j1 fuzz_$t" >&2; exit 2; }
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "$work/logs"
  log="$work/logs/$t.log"
  echo "== fuzz_$t (log: $log)"
  start=$(date +%s)
  # The work corpus comes first: libFuzzer writes new inputs only into the first folder,
  # so the generated seeds stay as they are.
  "$exe" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -max_len="${max_len[$t]}" \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" "${flags[@]}" \
    "$work/corpus/$t" "$build/fuzz/corpus/${corpus[$t]}" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    status=1
    result="FAILED rc=$rc"
    grep -q "libFuzzer: timeout" "$log" && result="TIMEOUT"
    grep -q "out-of-memory" "$log" && result="OOM"
    grep -q "LeakSanitizer" "$log" && result="LEAK"
    grep -q "AddressSanitizer" "$log" && result="ASAN: $(grep -m1 -o 'AddressSanitizer: [a-z-]*' "$log")"
    grep -q "runtime error:" "$log" && result="UBSAN: $(grep -m1 'runtime error:' "$log" | cut -c1-120)"
    grep -q "deadly signal" "$log" && [[ "$result" == FAILED* ]] && result="CRASH (deadly signal)"
    artifact=$(grep -m1 -o "Test unit written to [^ ]*" "$log" | sed 's/Test unit written to //')
    [ -n "$artifact" ] && result="$result; input: $artifact"
  fi
  line=$(printf '%-18s execs %-10s exec/s %-7s peak_rss_mb %-5s %5ss  %s' "fuzz_$t" \
    "${execs:-?}" "${rate:-?}" "${rss:-?}" "$secs" "$result")
  echo "$line"
  results+=("$line")
done

echo
echo "== summary"
printf '%s\n' "${results[@]}"
exit $status
