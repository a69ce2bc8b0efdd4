#!/bin/sh
# Starts the real window under Xvfb, opens an image, paints a mask, runs the classic fill
# (and, with the fixtures, tiny unCLIP and random-weight GLIDE runs), and saves screenshots
# of each state (and a 1:1 crop of an applied GLIDE result's seam).
#   tests/app/screenshots.sh BUILD_DIR [OUTDIR]
# Fails (non-zero) when the driver fails (a screen that did not appear, a GUI-thread stall
# over its bound) or when an expected screenshot is missing or empty.
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
status=0
HOME=$home QT_QPA_PLATFORM=xcb OMP_WAIT_POLICY=PASSIVE \
  xvfb-run -a -s "-screen 0 1440x900x24" \
  "$build/tests/promptbrush-screenshots" "$out" $fixtures || status=$?
if [ "$status" -ne 0 ]; then
  echo "screenshots.sh: promptbrush-screenshots failed (exit $status)" >&2
  exit "$status"
fi

# What the driver must have written, given the fixtures it had.
expected="empty-window first-run-dialog settings-dialog shortcuts-dialog image-opened mask-painted
  classic-fill-candidate classic-fill-applied"
if [ -n "$fixtures" ] && [ -f "$fixtures/unclip/small_configs.json" ]; then
  expected="$expected variations-mode variations-running variations-candidates
    variations-applied interpolate-strip-filling interpolate-dragged interpolate-exact-frame
    interpolate-text-diff"
fi
[ -n "$fixtures" ] && expected="$expected glide-change-region glide-running glide-candidates
  glide-applied glide-seam-crop"
n=0
missing=""
for name in $expected; do
  n=$((n + 1))
  file=$(printf '%s/%02d-%s.png' "$out" "$n" "$name")
  [ -s "$file" ] || missing="$missing $file"
done
if [ -n "$missing" ]; then
  echo "screenshots.sh: missing or empty screenshots:$missing" >&2
  exit 1
fi
ls -1 "$out"
