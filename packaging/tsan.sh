#!/usr/bin/env bash
# ThreadSanitizer run of the engine-thread tests (queue, cancel, supersede, shutdown while
# running; the unCLIP jobs and their priority): builds only those two suites with
# -DPROMPTBRUSH_SANITIZE=thread into ./build-tsan and runs them; any report fails.
#   bash packaging/tsan.sh [extra ctest args]
# Environment: BUILD_DIR (default ./build-tsan), JOBS (default nproc),
#              TSAN_SCOPE=runtime (default) or all, PROMPTBRUSH_SKIP_DEPS=1 to skip apt.
# TSAN_SCOPE=runtime instruments the code that is shared between threads: engine/core
# (cancel tokens), engine/runtime (queue, cache, callbacks) and the tests; the pipelines and
# models run on the engine thread alone and keep their Release objects (ccache hits after
# `dev.sh build`), so the run costs minutes. TSAN_SCOPE=all instruments every library too
# (about half an hour more on two cores). Not part of .ci/run; run it when touching
# engine/runtime.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-tsan}"
jobs="${JOBS:-$(nproc)}"

if [ "${PROMPTBRUSH_SKIP_DEPS:-0}" != 1 ]; then
  bash "$root/packaging/install-deps.sh"
fi
export CCACHE_BASEDIR="$root"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"
export CCACHE_NOHASHDIR=1

case "${TSAN_SCOPE:-runtime}" in
  runtime) targets="pb_core;pb_runtime;pb_testsupport;tst_runtime_engine;tst_runtime_karlo" ;;
  all) targets="" ;;
  *) echo "tsan.sh: TSAN_SCOPE is runtime or all" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  -DPROMPTBRUSH_SANITIZE=thread -DPROMPTBRUSH_SANITIZE_TARGETS="$targets"
cmake --build "$build" -j "$jobs" --target tst_runtime_engine tst_runtime_karlo

# One OpenMP thread: libgomp is not TSan-instrumented, so its barriers would show up as
# races between its workers; the engine thread, the caller and LibTorch's std::thread
# pools (intercepted pthread locks) are what this run is about.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
export QT_QPA_PLATFORM=offscreen
# CTest exports TSAN_OPTIONS (packaging/sanitizers/tsan.supp) itself; any report makes the
# process exit 66, so the test fails.
ctest --test-dir "$build" --output-on-failure -R '^tst_runtime_(engine|karlo)$' "$@"
