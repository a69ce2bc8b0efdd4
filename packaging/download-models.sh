#!/usr/bin/env bash
# Kept for old instructions: downloads the published model files with the built
# promptbrush-fetch-models (resumable, every file checked before it is installed).
#   bash packaging/download-models.sh [--only glide|unclip|FEATURE,...] [MODELS_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fetch="${PROMPTBRUSH_FETCH:-$root/build/app/promptbrush-fetch-models}"
[ -x "$fetch" ] || { echo "build first: bash packaging/dev.sh build" >&2; exit 2; }
args=(--yes)
if [ "${1:-}" = "--only" ]; then args+=(--only "$2"); shift 2; fi
if [ $# -gt 0 ]; then args+=(--models "$1"); fi
exec "$fetch" "${args[@]}"
