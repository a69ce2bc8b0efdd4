#!/bin/sh
# Starts the real window under Xvfb, opens an image, paints a mask, runs the classic fill
# (and, with the GLIDE tokenizer fixtures, a tiny random-weight GLIDE run), and saves
# screenshots of each state.
#   tests/app/screenshots.sh BUILD_DIR [OUTDIR]
# Needs xvfb-run (package xvfb). Fixtures: $PROMPTBRUSH_FIXTURES or ../shared/fixtures.
set -eu
build=${1:?usage: screenshots.sh BUILD_DIR [OUTDIR]}
out=${2:-$build/screenshots}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${PROMPTBRUSH_FIXTURES:-$here/../../../shared/fixtures}
[ -d "$fixtures/tokenizer" ] || fixtures=""
mkdir -p "$out"
rm -f "$out"/*.png
# A fresh HOME keeps the person's settings and recovery files out of it.
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
HOME=$home QT_QPA_PLATFORM=xcb OMP_WAIT_POLICY=PASSIVE \
  xvfb-run -a -s "-screen 0 1440x900x24" \
  "$build/tests/promptbrush-screenshots" "$out" $fixtures
ls -1 "$out"
