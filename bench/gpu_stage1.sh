#!/usr/bin/env bash
# GPU stage 1 (under 4 minutes on an H100/H200): is the CUDA path correct? Run on the GPU machine from the
# binaries bench/build_for_gpu.sh made here (device tool: carry=["carry/attnlim-gpu.tar.gz"], unpacked by
# bench/gpu_common.sh):
#   bash bench/gpu_stage1.sh
# 1. ldd and nvidia-smi (bench/gpu_common.sh); 2. the Cuda* tests, where a skip is a failure; 3. compute-sanitizer
# memcheck, racecheck, synccheck and initcheck on the small cases (CudaFused.SmallCasesMatchCpuBackend: every
# key model, both tiers, full per-thread buffers, trial groups, the accelerator of uniform keys at d = 7; the warp
# path's cases, whose shuffles synccheck sees; keys under the accelerator's guard; the self-attention kernel
# against the CPU).
# Writes 7 files to $OUT: stage1.log, stage1.md, gpu_tests.log, memcheck.log, racecheck.log, synccheck.log,
# initcheck.log. Exit 0 only when every test passed, none skipped, and every tool ran clean.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/gpu_common.sh" stage1
nvidia-smi || true

echo "== attnlim_tests --gtest_filter='Cuda*'"
timeout 120 "$bin/attnlim_tests" --gtest_filter='Cuda*' > "$out/gpu_tests.log" 2>&1
tests_rc=$?
grep -E '^\[ +(OK|FAILED|SKIPPED) +\]|Failure|error' "$out/gpu_tests.log" | head -60
skipped=$(grep -cE '^\[  SKIPPED \] [A-Za-z0-9_/]+\.[A-Za-z0-9_/]+ \(' "$out/gpu_tests.log" || true)
[ "$tests_rc" -eq 0 ] || { echo "stage1: the GPU tests failed (exit $tests_rc)"; status=1; }
[ "${skipped:-0}" -eq 0 ] || { echo "stage1: $skipped GPU tests skipped on a GPU machine"; status=1; }

sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null | head -1)
filter='CudaFused.SmallCasesMatchCpuBackend:CudaFused.WarpSumsSmallCasesMatchCpuBackend:CudaFused.AcceleratedKeysRecomputeKeysUnderTheGuard:CudaSelfAttention.AgreesWithCpu'
declare -A tool_rc
for tool in memcheck racecheck synccheck initcheck; do
  if [ -z "$sanitizer" ]; then tool_rc[$tool]="not found"; status=1; continue; fi
  extra=()
  [ "$tool" = memcheck ] && extra=(--leak-check full)
  echo "== compute-sanitizer --tool $tool ${extra[*]} (filter $filter)"
  timeout 45 "$sanitizer" --tool "$tool" "${extra[@]}" --error-exitcode 3 \
    "$bin/attnlim_tests" --gtest_filter="$filter" > "$out/$tool.log" 2>&1
  rc=$?
  tail -6 "$out/$tool.log"
  # On a gVisor machine (the device library's KINDS.md) compute-sanitizer refuses the device: that says
  # nothing of the kernels, and the report says so rather than "errors".
  if [ "$rc" -ne 0 ] && grep -q 'Device not supported' "$out/$tool.log"; then
    tool_rc[$tool]="refused this machine's device (a gVisor machine, KINDS.md): not run, not a finding"; status=1; continue
  fi
  case "$rc" in
    0) tool_rc[$tool]="clean" ;;
    124) tool_rc[$tool]="ran out of its 45 s (incomplete, not a pass)"; status=1 ;;
    *) tool_rc[$tool]="errors (exit $rc)"; status=1 ;;
  esac
done

{
  echo "# GPU stage 1: correctness ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "- GPU: $gpu"
  echo "- Cuda* tests: exit $tests_rc, $skipped skipped; $(grep -E '^\[  (PASSED|FAILED)  \]' "$out/gpu_tests.log" | tr '\n' ' ')"
  for tool in memcheck racecheck synccheck initcheck; do echo "- compute-sanitizer $tool: ${tool_rc[$tool]}"; done
} > "$out/stage1.md"
cat "$out/stage1.md"
echo "stage1: exit $status"
exit $status
