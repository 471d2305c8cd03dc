#!/usr/bin/env bash
# Builds attnlim (CUDA backend included when nvcc is found) and runs the whole test suite.
# GPU tests skip with a reason where there is no device.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 900
