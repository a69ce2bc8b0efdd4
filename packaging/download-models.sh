#!/usr/bin/env bash
# Downloads the published model files into the models folder, skipping files already
# there. The list (names and official URLs) comes from `promptbrush-cli models --urls`,
# so the app, the CLI and this script share one source.
#   bash packaging/download-models.sh [--only glide|unclip]   (a feature name prefix, e.g. glide_inpaint) [MODELS_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="${PROMPTBRUSH_CLI:-$root/build/app/promptbrush-cli}"
only=""
if [ "${1:-}" = "--only" ]; then only="$2"; shift 2; fi
dir="${1:-${PROMPTBRUSH_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/promptbrush/models}}"
[ -x "$cli" ] || { echo "build first: bash packaging/dev.sh build" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed: apt-get install curl" >&2; exit 2; }
mkdir -p "$dir"
"$cli" models --urls | while read -r name url features; do
  [ -z "$only" ] || [[ ",$features," == *",$only"* ]] || continue
  if [ -s "$dir/$name" ]; then echo "have $name"; continue; fi
  echo "downloading $name"
  curl -fL --retry 3 -o "$dir/$name.part" "$url" && mv "$dir/$name.part" "$dir/$name"
done
echo "models folder: $dir"
