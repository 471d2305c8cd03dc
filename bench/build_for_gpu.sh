#!/usr/bin/env bash
# Build the CUDA binaries HERE (no GPU needed: nvcc only) for an H100 (sm_90) and put them in carry/bin,
# ready to be carried to the GPU machine and run there by bench/gpu_stage1.sh and bench/gpu_stage2.sh.
#   bash bench/build_for_gpu.sh [BUILD_DIR]     (default build-gpu; carry/ is git-ignored)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-gpu}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTNLIM_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90
cmake --build "$build" -j"$(nproc)" --target attnlim attnlim_tests attnlim_bench
mkdir -p "$root/carry/bin"
cp "$build/attnlim" "$build/tests/attnlim_tests" "$build/bench/attnlim_bench" "$root/carry/bin/"
strip --strip-debug "$root/carry/bin/"* 2>/dev/null || true
# OpenMP's runtime is small and may be missing on a machine without our Debian packages: carry it
# (bench/gpu_common.sh puts carry/bin/lib on LD_LIBRARY_PATH only if a library does not resolve otherwise).
# cuRAND's host library is not needed to start: the materialise baseline loads it at run time.
mkdir -p "$root/carry/bin/lib"
gomp=$(ldd "$root/carry/bin/attnlim" | awk '/libgomp/ {print $3}')
[ -n "$gomp" ] && cp -L "$gomp" "$root/carry/bin/lib/"
echo "carry/bin:"
ls -la "$root/carry/bin"
du -sh "$root/carry/bin"
for b in "$root"/carry/bin/attnlim*; do
  echo "--- ldd $(basename "$b")"
  ldd "$b" || true
done
echo "next, on the GPU machine (device tool, carry=[\"carry/bin\"]): bash bench/gpu_stage1.sh, then bash bench/gpu_stage2.sh"
