#!/usr/bin/env bash
# The GPU suite, in ONE call on a GPU machine, from binaries built elsewhere (bench/build_for_gpu.sh):
#   bash bench/gpu_suite.sh [BIN_DIR]          (default carry/bin)
# 1. every shared library of every binary resolves (ldd), or it stops with exit 2;
# 2. GPU name (nvidia-smi); 3. the GPU tests (attnlim_tests --gtest_filter='Cuda*'), then compute-sanitizer
#    memcheck on the fused kernel's CPU-agreement test (every key model) and the self-attention kernel's;
# 4. attnlim_bench: CUDA full/projected at d = 3, 16, 128, the device limits (Philox, normals), the
#    materialise-then-reduce path, and the PyTorch baseline (float64 and float32) side by side;
# 5. Nsight Compute on one launch of the fused kernel (d = 16 full, d = 128 projected): speed of light,
#    compute and memory workload, occupancy, warp stalls -- the limiter (skipped if ncu is missing);
# 6. the CPU backend against NumPy on this machine's CPU (short; skipped if NumPy is missing).
# Writes to "${OUT:-.}": gpu_results.md (the tables and the ncu summary), gpu_suite.log (everything
# printed), gpu_tests.log, sanitizer.log, gpu_bench.jsonl, cpu_bench.jsonl, ncu.txt -- seven files, inside
# the device tool's limit of eight. About 5-7 minutes on an H100 plus at most 2.5 for the sanitizer (not yet
# run anywhere: no device has been lent to this project so far).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-carry/bin}
out=${OUT:-.}
mkdir -p "$out"
bin=$(cd "$bin" && pwd) || { echo "gpu_suite: FATAL: no folder $1" >&2; exit 2; }
python=${PYTHON:-python3}
results="$out/gpu_results.md"
status=0
exec > >(tee "$out/gpu_suite.log") 2>&1

echo "== gpu_suite $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname), binaries from $bin"
# 1. shared libraries
check_ldd() {
  local missing=0
  for b in attnlim attnlim_tests attnlim_bench; do
    if [ ! -x "$bin/$b" ]; then echo "gpu_suite: FATAL: $bin/$b is missing or not executable"; exit 2; fi
    if ldd "$bin/$b" | grep -q "not found"; then
      echo "gpu_suite: $b: unresolved shared libraries:"; ldd "$bin/$b" | grep "not found"; missing=1
    fi
  done
  return $missing
}
if ! check_ldd; then
  # Second chance: libraries carried with the binaries (libgomp), the CUDA toolkit's own folders and
  # the NVIDIA wheels PyTorch installs (both hold cuRAND's host library, libcurand.so.10).
  dirs="$bin/lib /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib"
  dirs="$dirs $(ls -d /usr/local/cuda-*/lib64 /usr/local/cuda-*/targets/x86_64-linux/lib 2>/dev/null | tr '\n' ' ')"
  dirs="$dirs $("$python" -c 'import os, nvidia.curand as c; print(os.path.join(list(c.__path__)[0], "lib"))' 2>/dev/null)"
  for dir in $dirs; do
    [ -d "$dir" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$dir"
  done
  echo "gpu_suite: retrying with LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  if ! check_ldd; then
    echo "gpu_suite: FATAL: shared libraries above do not resolve on this machine; link them statically"
    echo "(CMAKE_CUDA_RUNTIME_LIBRARY Static, CUDA::curand_static) or carry them."
    exit 2
  fi
  echo "gpu_suite: WARNING: resolved only with the CUDA toolkit's folders on LD_LIBRARY_PATH"
fi
for b in attnlim attnlim_tests attnlim_bench; do echo "--- ldd $b"; ldd "$bin/$b"; done

# 2. the device
if command -v nvidia-smi > /dev/null; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)
  nvidia-smi
else
  gpu="unknown (no nvidia-smi on this machine)"; status=1
fi
echo "GPU: $gpu"

# 3. GPU tests (they GTEST_SKIP without a device: count the skips, a skipped GPU test here is a failure)
echo "== attnlim_tests --gtest_filter='Cuda*'"
timeout 240 "$bin/attnlim_tests" --gtest_filter='Cuda*' > "$out/gpu_tests.log" 2>&1
tests_rc=$?
tail -40 "$out/gpu_tests.log"
tests_line=$(grep -E '^\[==========\] .* ran|^\[  (PASSED|FAILED)  \] [0-9]+ test|^\[  SKIPPED \] [0-9]+ test' "$out/gpu_tests.log" | tr '\n' ' ')
skipped=$(grep -cE '^\[  SKIPPED \] [A-Za-z0-9_/]+\.[A-Za-z0-9_/]+ \(' "$out/gpu_tests.log" || true)
[ "$tests_rc" -eq 0 ] || status=1
[ "${skipped:-0}" -eq 0 ] || { echo "gpu_suite: $skipped GPU tests skipped on a GPU machine"; status=1; }

# 3b. compute-sanitizer (memcheck) on the fused kernel against the CPU for every case and key model, and on the
# self-attention kernel against the CPU (cuda/self_attention/kernel.cu, never run on a device yet), before
# any benchmark: an out-of-bounds access or a leak fails the suite even where the numbers agree.
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null | head -1)
if [ -n "$sanitizer" ] && [ -x "$sanitizer" ]; then
  filter='CudaFused.MatchesCpuBackend:CudaSelfAttention.AgreesWithCpu'
  echo "== compute-sanitizer --tool memcheck attnlim_tests --gtest_filter='$filter'"
  timeout 150 "$sanitizer" --tool memcheck --leak-check full --error-exitcode 3 \
    "$bin/attnlim_tests" --gtest_filter="$filter" > "$out/sanitizer.log" 2>&1
  sanitizer_rc=$?
  tail -15 "$out/sanitizer.log"
  case "$sanitizer_rc" in
    0) ;;
    124) echo "gpu_suite: compute-sanitizer ran out of its 150 s (incomplete, not a pass)"; status=1 ;;
    *) echo "gpu_suite: compute-sanitizer found errors (exit $sanitizer_rc)"; status=1 ;;
  esac
else
  echo "gpu_suite: compute-sanitizer not found: memcheck NOT run"; status=1
fi

# 4. GPU benchmark with the PyTorch baseline side by side
echo "== attnlim_bench (cuda)"
timeout 330 "$bin/attnlim_bench" --backend cuda --d 3,16,128 --tier full,projected --seconds 1 --repeats 3 \
  --materialize \
  --baseline torch="$python $here/baseline_torch.py" \
  --baseline torch_fp32="$python $here/baseline_torch.py --dtype float32" \
  --jsonl "$out/gpu_bench.jsonl" 2>&1
bench_rc=$?
[ "$bench_rc" -eq 0 ] || status=1

# 5. Nsight Compute: one launch of fused_trial_kernel per configuration (the second launch, after a warm-up
#    launch of the same run), sections for the limiter. ncu replays the kernel once per section pass.
ncu_bin=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
ncu_rc=skipped
ncu_summary=""
if [ -n "$ncu_bin" ] && [ -x "$ncu_bin" ]; then
  echo "== Nsight Compute ($ncu_bin)"
  : > "$out/ncu.txt"
  ncu_rc=0
  for cfg in "16 full" "128 projected"; do
    set -- $cfg
    echo "### ncu: fused_trial_kernel, d = $1, sampler $2, n = 2^29 (two launches of 2^28 keys per trial; the second is profiled), 2 trials, 8 betas" >> "$out/ncu.txt"
    timeout 200 "$ncu_bin" --kernel-name fused_trial_kernel --launch-skip 1 --launch-count 1 \
      --section SpeedOfLight --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis \
      --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats \
      "$bin/attnlim" simulate --backend cuda --d "$1" --sampler "$2" --n 536870912 --trials 2 \
      --beta-scale critical --beta 0.125,0.25,0.5,1,2,4,8,16 --top-k 8 >> "$out/ncu.txt" 2>&1 || ncu_rc=$?
  done
  ncu_summary=$(grep -E '^###|Compute \(SM\) Throughput|^ +Memory Throughput|DRAM Throughput|Registers Per Thread|Local Memory|Achieved Occupancy|Theoretical Occupancy|Block Limit Registers|Issued Ipc Active|No Eligible|Stall|OPT|WRN' "$out/ncu.txt" | head -60)
  echo "$ncu_summary"
  [ "$ncu_rc" -eq 0 ] || status=1
else
  echo "== Nsight Compute: ncu not found on this machine (skipped)"
fi

# 6. this machine's CPU against NumPy (context for the GPU numbers; short)
cpu_rc=skipped
if "$python" -c "import numpy" 2>/dev/null; then
  echo "== attnlim_bench (cpu) vs NumPy"
  timeout 120 "$bin/attnlim_bench" --backend cpu --d 3,16,128 --tier full,projected --seconds 0.5 --repeats 3 \
    --baseline numpy="$python $here/baseline_numpy.py" --baseline-seconds 1 --baseline-repeats 1 \
    --jsonl "$out/cpu_bench.jsonl" 2>&1
  cpu_rc=$?
fi

# Report
{
  echo "# attnlim on a GPU machine: bench/gpu_suite.sh"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); GPU: $gpu"
  echo "- CPU: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), nproc $(nproc)"
  echo "- binaries: $bin (built elsewhere by bench/build_for_gpu.sh)"
  echo "- GPU tests (attnlim_tests --gtest_filter='Cuda*'): exit $tests_rc, skipped $skipped; $tests_line"
  echo "- attnlim_bench cuda: exit $bench_rc; cpu: exit $cpu_rc; Nsight Compute: $ncu_rc"
  echo
  [ -s "$out/gpu_bench.jsonl" ] && "$python" "$here/report.py" "$out/gpu_bench.jsonl" --title "GPU: attnlim CUDA vs PyTorch, side by side"
  [ -s "$out/cpu_bench.jsonl" ] && "$python" "$here/report.py" "$out/cpu_bench.jsonl" --title "This machine's CPU: attnlim vs NumPy"
  if [ -n "$ncu_summary" ]; then
    echo "## Nsight Compute: fused_trial_kernel (lines picked from ncu.txt)"
    echo
    echo '```'
    echo "$ncu_summary"
    echo '```'
  fi
} > "$results"
cat "$results"
echo "gpu_suite: wrote $results (exit $status)"
exit $status
