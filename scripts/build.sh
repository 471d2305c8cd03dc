#!/usr/bin/env bash
# Installs the Debian dependencies (idempotent), configures and builds attnlim in build/.
# The CUDA backend is compiled whenever nvcc is found (ATTNLIM_CUDA=AUTO); pass -DATTNLIM_CUDA=OFF
# as an argument to skip it. Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
