#!/usr/bin/env bash
# Installs every build, test and figure dependency of attnlim from Debian's packages. Idempotent:
# it only calls apt when something is missing. The CUDA toolkit (nvcc, CUB, Thrust, cuRAND) is
# expected at /usr/local/cuda; without it the CPU backend still builds (ATTNLIM_CUDA=AUTO).
set -euo pipefail
packages=(build-essential cmake ninja-build libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev
          libboost-dev libboost-math-dev libboost-context-dev libfmt-dev libomp-dev libopenblas-dev libopenmpi-dev openmpi-bin
          pybind11-dev python3-dev python3 python3-numpy python3-pandas python3-matplotlib python3-pytest)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
# Headless Chromium renders the report in its test (tests/python/test_report.py), which skips with the reason
# where it cannot be installed: best effort, never fatal.
if ! command -v chromium > /dev/null; then
  echo "install-deps: installing chromium (for the report's rendering test; optional)" >&2
  { "${sudo_cmd[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >&2; } ||
    echo "install-deps: chromium could not be installed; the report's rendering test will skip" >&2
fi
