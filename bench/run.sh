#!/usr/bin/env bash
# CPU benchmark, side by side: the NumPy baseline and attnlim's CPU backend (full and projected tiers) at
# d = 3, 16, 128 in one invocation of attnlim_bench, then one markdown table (bench/report.py).
#   bash bench/run.sh [BUILD_DIR]      (default: build-bench; configured and built when the binary is missing)
# Environment: PYTHON (default /usr/bin/python3, which has NumPy), BENCH_OUT (folder for the JSON lines,
# log and table; default a fresh temporary folder), BENCH_SECONDS (target seconds per timed run, 1.5),
# BENCH_REPEATS (5). About 3-4 minutes on 2 cores (CPU backend on all threads and on 1 thread, NumPy once per d).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" "${1:-}" attnlim-bench
"$python" -c "import numpy" || { echo "run.sh: $python has no NumPy (set PYTHON)" >&2; exit 2; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$build/bench/attnlim_bench" --backend cpu --threads 0,1 --d 3,16,128 --tier full,projected \
  --seconds "${BENCH_SECONDS:-1.5}" --repeats "${BENCH_REPEATS:-5}" \
  --baseline numpy="$python $here/baseline_numpy.py" \
  --jsonl "$out/cpu_bench.jsonl" > "$out/cpu_bench.log"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
"$python" "$here/report.py" "$out/cpu_bench.jsonl" --title "CPU: attnlim vs NumPy, side by side" \
  --meta "machine: ${model:-unknown} (lscpu), nproc $(nproc); NumPy single process" \
  --meta "date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $commit" \
  --meta "load average (1, 5, 15 min) before: $load_before; after: $load_after" \
  --meta "command: bash bench/run.sh (attnlim_bench --backend cpu --threads 0,1 --baseline numpy=baseline_numpy.py); cpu Nt = CPU backend on N OpenMP threads" \
  | tee "$out/cpu_results.md"
echo "(JSON lines, log and table in $out)" >&2
