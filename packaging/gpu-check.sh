#!/bin/bash
# The GPU half of the GLIDE and unCLIP checks, for a machine whose only deep-learning install is a
# CUDA PyTorch (no Qt, no OpenCV): builds the torch-only targets against PyTorch's bundled
# LibTorch, runs the fixture checks on the GPU in float32 and float16, and the per-step
# benchmark. Usage:
#   bash packaging/gpu-check.sh [FIXTURES_DIR] [NLOHMANN_INCLUDE_DIR]
# FIXTURES_DIR defaults to $PROMPTBRUSH_FIXTURES or ../shared/fixtures; NLOHMANN_INCLUDE_DIR
# is a folder holding nlohmann/json.hpp when the system has none (copy /usr/include/nlohmann
# from a Debian machine with nlohmann-json3-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=${1:-${PROMPTBRUSH_FIXTURES:-$(pwd)/../shared/fixtures}}
nlohmann=${2:-}
python=$(command -v python3 || command -v python)
prefix=$("$python" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
"$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")'

generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
cmake -S . -B build-gpu "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DPROMPTBRUSH_TORCH_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$prefix" ${nlohmann:+-DPROMPTBRUSH_NLOHMANN_INCLUDE="$nlohmann"}
cmake --build build-gpu -j "$(nproc)"

bench=build-gpu/tests/bench/promptbrush-bench
status=0
"$bench" parity --fixtures "$fixtures" --device cpu || status=1
if "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  "$bench" parity --fixtures "$fixtures" --device cuda --dtype f32 || status=1
  "$bench" parity --fixtures "$fixtures" --device cuda --dtype f16 || status=1
  "$bench" glide --device cuda --steps 10
  "$bench" karlo --device cuda --steps 10
else
  echo "no CUDA device: GPU checks not run"
fi
exit $status
