#!/bin/sh
# Starts the real window under Xvfb, opens an image, paints a mask, runs the classic fill
# (and, with the fixtures, tiny unCLIP and random-weight GLIDE runs), and saves screenshots
# of each state (and a 1:1 crop of an applied GLIDE result's seam).
#   tests/app/screenshots.sh BUILD_DIR [OUTDIR]
# Fails (non-zero) when the driver fails (a screen that did not appear, a GUI-thread stall
# over its bound in two runs) or when an expected screenshot is missing or empty.
# Needs xvfb-run (package xvfb). Fixtures: $PROMPTBRUSH_FIXTURES or ../shared/fixtures.
set -eu
build=${1:?usage: screenshots.sh BUILD_DIR [OUTDIR]}
out=${2:-$build/screenshots}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${PROMPTBRUSH_FIXTURES:-$here/../../../shared/fixtures}
[ -d "$fixtures/tokenizer" ] || fixtures=""
mkdir -p "$out"
rm -f "$out"/*.png
# A fresh HOME per run keeps the person's settings and recovery files out of it.
homes=$(mktemp -d)
trap 'rm -rf "$homes"' EXIT
# A stall (exit 3) gets one more whole run: a stall the app causes (a synchronous wait,
# decoding or compositing on the GUI thread) comes back in it; the host's noise, which the
# probe cannot tell from the app's own work, mostly does not (on 2026-12-03 16-22 ms in some
# runs, also with the Winograd code compiled out, 4-7 ms in others).
for attempt in 1 2; do
  status=0
  home=$homes/$attempt
  mkdir "$home"
  HOME=$home QT_QPA_PLATFORM=xcb OMP_WAIT_POLICY=PASSIVE \
    xvfb-run -a -s "-screen 0 1440x900x24" \
    "$build/tests/promptbrush-screenshots" "$out" $fixtures || status=$?
  [ "$status" -eq 3 ] && [ "$attempt" -eq 1 ] || break
  echo "screenshots.sh: a GUI-thread stall over the bound; running the driver once more" >&2
  rm -f "$out"/*.png
done
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
