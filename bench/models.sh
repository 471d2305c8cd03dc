#!/usr/bin/env bash
# Every key model's throughput on the CPU backend at d = 3, 16, 128, full and projected tiers (projected
# only where the model is symmetric about q), in one invocation of attnlim_bench, then one markdown table.
#   bash bench/models.sh [BUILD_DIR]   (default: build-bench; configured and built when the binary is missing)
# Environment: BENCH_OUT (folder for the JSON lines, log and table; default a fresh temporary folder),
# BENCH_SECONDS (target seconds per timed run, 1), BENCH_REPEATS (3). About 5 minutes on 2 cores.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" "${1:-}" attnlim-models

# One SPEC per model (README, "--keys"): vMF on and off the query's axis, a subsphere, a density vanishing
# at q, a harmonic perturbation, the locality experiment's mixture.
models=(uniform 'vmf:kappa=2,angle=0' 'vmf:kappa=2,angle=1.5' 'subsphere:m=2' 'power:gamma=2'
        'harmonic:l=2,eps=0.5,angle=1' 'mix:0.9*vmf:kappa=20,angle=2.5;0.1*uniform')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$build/bench/attnlim_bench" --backend cpu --d 3,16,128 --tier full,projected --no-limits \
  --seconds "${BENCH_SECONDS:-1}" --repeats "${BENCH_REPEATS:-3}" --keys "${models[@]}" \
  --jsonl "$out/models.jsonl" > "$out/models.log"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
"$python" "$here/report.py" "$out/models.jsonl" --title "CPU: every key model" \
  --meta "machine: ${model:-unknown} (lscpu), nproc $(nproc); CPU backend on all threads" \
  --meta "date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $commit" \
  --meta "load average (1, 5, 15 min) before: $load_before; after: $load_after" \
  --meta "command: bash bench/models.sh (attnlim_bench --backend cpu --d 3,16,128 --tier full,projected --keys ...)" \
  | tee "$out/models_results.md"
grep 'not measured' "$out/models.log" | sed 's/^ */- /' >&2 || true
echo "(JSON lines, log and table in $out)" >&2
