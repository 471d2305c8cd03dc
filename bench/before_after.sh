#!/usr/bin/env bash
# Uniform keys' throughput, before and after a change, side by side: two attnlim_bench binaries run in
# turns (A B A B ...) so that both see the same machine and minute, at d = 3, 16, 128, both tiers, on all
# CPU threads. Each turn reports its median; the table gives the median over turns and B / A.
#   bash bench/before_after.sh BENCH_A BENCH_B [TURNS]     (TURNS default 3)
# BENCH_A / BENCH_B are attnlim_bench binaries (any version: only options every version has are used).
# Environment: BENCH_OUT (folder for the JSON lines; default a fresh temporary folder), BENCH_SECONDS (1),
# BENCH_REPEATS (3). About 1.5 minutes per turn and binary on 2 cores.
set -euo pipefail
[ $# -ge 2 ] || { echo "before_after.sh: usage: BENCH_A BENCH_B [TURNS]" >&2; exit 2; }
a=$1 b=$2 turns=${3:-3}
for bin in "$a" "$b"; do [ -x "$bin" ] || { echo "before_after.sh: $bin is not an executable" >&2; exit 2; }; done
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=python3
out=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/attnlim-before-after.XXXXXX")}
mkdir -p "$out"
for t in $(seq 1 "$turns"); do
  for side in A B; do
    bin=$a; [ $side = B ] && bin=$b
    "$bin" --backend cpu --d 3,16,128 --tier full,projected --no-limits --seconds "${BENCH_SECONDS:-1}" \
      --repeats "${BENCH_REPEATS:-3}" --jsonl "$out/$side.$t.jsonl" > "$out/$side.$t.log"
  done
done
"$python" - "$out" "$turns" <<'PY'
import json, statistics, sys
out, turns = sys.argv[1], int(sys.argv[2])
rate = {}
for side in "AB":
    for t in range(1, turns + 1):
        for line in open("%s/%s.%d.jsonl" % (out, side, t)):
            r = json.loads(line)
            if r.get("kind") == "attnlim":
                rate.setdefault((r["d"], r["tier"]), {}).setdefault(side, []).append(r["keys_per_second"])
print("| d | tier | A keys/s (per turn) | B keys/s (per turn) | B / A (medians) |")
print("|---:|---|---|---|---:|")
for (d, tier), v in sorted(rate.items()):
    fmt = lambda xs: ", ".join("%.1fM" % (x / 1e6) for x in xs)
    print("| %d | %s | %s | %s | %.3f |" % (d, tier, fmt(v["A"]), fmt(v["B"]),
                                          statistics.median(v["B"]) / statistics.median(v["A"])))
PY
echo "(JSON lines in $out)" >&2
