#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   bash packaging/dev.sh run [ARGS...]   install dependencies, build, start the app
#   bash packaging/dev.sh test            install dependencies, build, run every test
#   bash packaging/dev.sh build           install dependencies and build only
#   bash packaging/dev.sh sanitize        the same tests built with ASan + UBSan (into
#                                         ./build-asan; leaks and UB fail the test)
# Environment: BUILD_DIR (default ./build, ./build-asan for sanitize), BUILD_TYPE (default Release),
#              PROMPTBRUSH_SKIP_DEPS=1 to skip the apt step.
set -euo pipefail

mode="${1:-run}"
[ $# -gt 0 ] && shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
configure=()
if [ "$mode" = sanitize ]; then
  # cmake/Sanitizers.cmake: -O1 -g1 instrumented build of the tests only (no benchmark,
  # no screenshot driver); CTest exports the options and packaging/sanitizers/*.supp.
  build="${BUILD_DIR:-$root/build-asan}"
  configure=(-DPROMPTBRUSH_SANITIZE=address,undefined)
fi

if [ "${PROMPTBRUSH_SKIP_DEPS:-0}" != 1 ]; then
  bash "$root/packaging/install-deps.sh"
fi

# ccache keyed on paths relative to the checkout, so a fresh clone reuses earlier work;
# the sloppiness settings are what precompiled headers need to be cacheable.
export CCACHE_BASEDIR="$root"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"
export CCACHE_NOHASHDIR=1

jobs="$(nproc)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "${configure[@]}"
cmake --build "$build" -j "$jobs"

case "$mode" in
  build) ;;
  run)
    exec "$build/app/promptbrush" "$@"
    ;;
  test | sanitize)
    # One intra-op thread per test process: ctest runs $jobs processes side by side,
    # and OpenMP and OpenBLAS pools would otherwise fight over the same cores.
    export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
    export QT_QPA_PLATFORM=offscreen
    ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
    ;;
  *)
    echo "usage: bash packaging/dev.sh run|test|build|sanitize" >&2
    exit 2
    ;;
esac
