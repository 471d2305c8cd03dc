#!/usr/bin/env bash
# Build the CUDA binaries HERE (no GPU needed: nvcc only) for an H100/H200 (sm_90): carry/bin, and the same
# packed as carry/attnlim-gpu.tar.gz (about 20 MB; the three binaries are 66 MB unpacked, over the device
# tool's 64 MiB carry limit), which bench/gpu_common.sh unpacks on the GPU machine.
#   bash bench/build_for_gpu.sh [BUILD_DIR]     (default build-gpu; carry/ is git-ignored)
# Then, with the device tool: run with carry=["carry/attnlim-gpu.tar.gz"]: bash bench/gpu_stage1.sh, then
# bash bench/gpu_stage2.sh, each its own command.
# The GPU machine has the driver and a CUDA/Python image, not our Debian packages: MPI, OpenBLAS and the
# Python module are left out of this build (the CPU self-attention multiplies its tiles itself: the same
# numbers to rounding), OpenMP's runtime is carried, and the build stops HERE if a binary needs any other
# library than glibc's, libstdc++'s and libgcc's.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-gpu}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTNLIM_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DATTNLIM_MPI=OFF -DATTNLIM_PYTHON=OFF -DCMAKE_DISABLE_FIND_PACKAGE_BLAS=ON
cmake --build "$build" -j"$(nproc)" --target attnlim attnlim_tests attnlim_bench
rm -rf "$root/carry/bin" "$root/carry/attnlim-gpu.tar.gz"
mkdir -p "$root/carry/bin/lib"
cp "$build/attnlim" "$build/tests/attnlim_tests" "$build/bench/attnlim_bench" "$root/carry/bin/"
strip --strip-debug "$root/carry/bin/"attnlim*
# bench/gpu_common.sh puts carry/bin/lib on LD_LIBRARY_PATH only if a library does not resolve otherwise.
gomp=$(ldd "$root/carry/bin/attnlim" | awk '/libgomp/ {print $3}')
[ -n "$gomp" ] && cp -L "$gomp" "$root/carry/bin/lib/"
status=0
for b in "$root"/carry/bin/attnlim*; do
  echo "--- ldd $(basename "$b")"
  ldd "$b"
  foreign=$(ldd "$b" | awk '{print $1}' |
            grep -vE '^(linux-vdso\.so|/lib64/ld-linux|lib(c|m|mvec|dl|rt|pthread|gcc_s|stdc\+\+|gomp)\.so)' || true)
  if [ -n "$foreign" ]; then
    echo "build_for_gpu: $(basename "$b") needs libraries the GPU machine does not have: $(echo $foreign)" >&2
    status=2
  fi
done
[ "$status" -eq 0 ] || exit "$status"
tar -czf "$root/carry/attnlim-gpu.tar.gz" -C "$root/carry" bin
ls -la "$root/carry/bin" "$root/carry/attnlim-gpu.tar.gz"
echo "next, with the device tool: run with carry=[\"carry/attnlim-gpu.tar.gz\"]: bash bench/gpu_stage1.sh (< 4 min), then bash bench/gpu_stage2.sh (< 6 min)"
