#!/usr/bin/env bash
# The order-statistics engine (--sampler order): trials per second at d = 3 and 128 for n = 1e6, 1e100, 1e300
# (three betas around lambda*, sub- to supercritical), next to the per-key projected engine at n = 1e6, and
# the time of `critical --sampler order --d 128` over n = 1e3..1e300 (12 points, 400 trials). One markdown table.
#   bash bench/order.sh [BUILD_DIR]   (default: build-bench; configured and built when a binary is missing)
# Environment: BENCH_OUT (folder for the JSON and the table), BENCH_TRIALS (trials per timed run, 2000),
# BENCH_REPEATS (3; the median is reported). About 2 minutes on 2 cores.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" "${1:-}" attnlim-order
if [ ! -x "$build/attnlim" ]; then
  cmake --build "$build" -j"$(nproc)" --target attnlim >&2
fi
trials=${BENCH_TRIALS:-2000}
repeats=${BENCH_REPEATS:-3}
# lambda around lambda* (ipr = 0.5): 1.23 at d = 3, 125 at d = 128 (attnlim theory --target 0.5).
declare -A lambdas=([3]="0.3,1.2,5" [128]="30,125,500")

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
rate() {  # d n sampler trials -> trials per second (median of the repeats)
  local d=$1 n=$2 sampler=$3 t=$4
  for r in $(seq "$repeats"); do
    "$build/attnlim" simulate --d "$d" --n "$n" --trials "$t" --beta "${lambdas[$d]}" --beta-scale critical \
      --sampler "$sampler" --top-k 4 --quiet --json "$out/run.json" > /dev/null
    "$python" -c "import json,sys; print(round(json.load(open(sys.argv[1]))['trials_per_second']))" "$out/run.json"
  done | median
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "## CPU: the order-statistics engine (issue 12)"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1) (lscpu), nproc $(nproc); all threads"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- command: bash bench/order.sh ($trials trials per run, median of $repeats; betas lambda x (n c)^{2/(d-1)}, lambda = ${lambdas[3]} at d = 3, ${lambdas[128]} at d = 128)"
  echo
  echo "| d | n | sampler | trials/s |"
  echo "|---|---|---|---|"
  for d in 3 128; do
    echo "| $d | 1e6 | projected (per key) | $(rate "$d" 1000000 projected $((trials / 20))) |"
    for n in 1e6 1e100 1e300; do echo "| $d | $n | order | $(rate "$d" "$n" order "$trials") |"; done
  done
  start=$(date +%s.%N)
  "$build/attnlim" critical --d 128 --sampler order --n-min 1e3 --n-max 1e300 --n-points 12 --trials 400 --quiet \
    --json "$out/critical_d128.json" > "$out/critical_d128.txt"
  end=$(date +%s.%N)
  echo
  echo "\`critical --sampler order --d 128 --n-min 1e3 --n-max 1e300 --n-points 12 --trials 400\`: $(echo "$end - $start" | bc) s wall"
  echo "($(grep '^exponent' "$out/critical_d128.txt"))."
  echo
  echo "load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/order_results.md"
echo "(JSON and table in $out)" >&2
