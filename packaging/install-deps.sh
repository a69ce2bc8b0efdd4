#!/usr/bin/env bash
# Installs every Debian 12 package Promptbrush needs to build, run and test.
# Idempotent: packages already present are skipped by apt. Runs as root or via sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev  # fuzz/ (libFuzzer targets)
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-image-formats-plugins
  qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n  # Linguist: .ts/.qm
  librsvg2-bin desktop-file-utils appstream  # icons from the SVG; validating the desktop files
  libtorch-dev libopenblas0-pthread
  libgoogle-perftools-dev  # tcmalloc_minimal (cmake/Allocator.cmake)
  libdnnl-dev  # oneDNN's Winograd convolutions (engine/nn/common/conv2d.h)
  libopencv-core-dev libopencv-imgproc-dev libopencv-photo-dev libopencv-imgcodecs-dev
  nlohmann-json3-dev libpng-dev libwebp-dev
  libicu-dev zlib1g-dev
  xvfb x11-apps xauth
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "install-deps: all packages present"; exit 0; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
