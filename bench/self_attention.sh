#!/usr/bin/env bash
# Self-attention on the CPU: time per layer and achieved GFLOP/s at d = 64 for n = 1e4 and 1e5, against the
# machine's measured FP64/FP32 GEMM rate (NumPy matmul on Debian's OpenBLAS, 4096^3) and against the same
# tiled online-softmax layer written in NumPy (float64), side by side in one run. One markdown table.
#   bash bench/self_attention.sh [BUILD_DIR]   (default: build-bench; configured and built when missing)
# Environment: BENCH_OUT (folder for the JSON and the table). About 4 minutes on 2 cores.
# PyTorch's scaled_dot_product_attention is not measured: it needs torch >= 2.0, and Debian 12 (the only
# package source here) has python3-torch 1.13.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" "${1:-}" attnlim-self-attention
if [ ! -x "$build/attnlim" ]; then cmake --build "$build" -j"$(nproc)" --target attnlim >&2; fi
flops() { echo "4 * $1 * $1 * 64" | bc; }  # scores 2 n^2 d, weighted sums 2 n^2 d
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
peak=$("$python" - <<'PY'
import time, numpy as np
out = []
for dtype in (np.float64, np.float32):
    a = np.random.default_rng(1).standard_normal((4096, 4096)).astype(dtype)
    a @ a
    t = time.perf_counter(); a @ a; t = time.perf_counter() - t
    out.append(f"{2 * 4096**3 / t / 1e9:.1f}")
print(" ".join(out))
PY
)
numpy_layer() {  # n -> seconds of one layer, tiled online softmax in NumPy float64 (same tokens' law)
  "$python" - "$1" <<'PY'
import sys, time, numpy as np
n, d, beta = int(sys.argv[1]), 64, 2 * np.log(int(sys.argv[1]))
rng = np.random.default_rng(1)
z = rng.standard_normal((n, d - 1)); z /= np.linalg.norm(z, axis=1, keepdims=True)
y = np.hstack([np.full((n, 1), np.sqrt(0.5)), np.sqrt(0.5) * z])
t = time.perf_counter()
out = np.empty_like(y)
for q0 in range(0, n, 1024):
    s = beta * (y[q0:q0 + 1024] @ y.T)
    s -= s.max(axis=1, keepdims=True)
    np.exp(s, out=s)
    acc = s @ y
    out[q0:q0 + 1024] = acc / np.linalg.norm(acc, axis=1, keepdims=True)
print(f"{time.perf_counter() - t:.3f}")
PY
}
{
  echo "## CPU: self-attention layers (issue 13)"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1) (lscpu), nproc $(nproc); all threads"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- measured GEMM rate (NumPy on OpenBLAS, 4096^3, all threads): FP64 ${peak% *} GFLOP/s, FP32 ${peak#* } GFLOP/s"
  echo "- command: bash bench/self_attention.sh (d = 64, rho = 0.5, gamma = 2, one layer, random tokens)"
  echo
  echo "| n | attnlim s/layer | attnlim GFLOP/s | share of FP64 GEMM | NumPy tiled s/layer | NumPy / attnlim |"
  echo "|---|---|---|---|---|---|"
  for n in 10000 100000; do
    "$build/attnlim" self-attention --n "$n" --d 64 --gamma 2 --trials 1 --quiet --json "$out/sa_$n.json" > /dev/null
    s=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$out/sa_$n.json")
    np_s=$(numpy_layer "$n")
    gf=$(echo "$(flops "$n") / $s / 1000000000" | bc -l)
    echo "| $n | $(printf %.2f "$s") | $(printf %.1f "$gf") | $(printf %.0f "$(echo "100 * $gf / ${peak% *}" | bc -l)")% | $np_s | $(printf %.2f "$(echo "$np_s / $s" | bc -l)") |"
  done
  echo
  echo "load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/self_attention_results.md"
echo "(JSON and table in $out)" >&2
