#!/usr/bin/env python3
"""Turn attnlim_bench's JSON lines (--jsonl) into the markdown tables of bench/RESULTS.md.

    python3 bench/report.py RUN.jsonl [--title T] [--meta 'key: value' ...]

Standard library only (runs on the GPU machine's python3 and on /usr/bin/python3 here).
"""
import argparse
import json
import sys


def si(x):
    if x is None:
        return "-"
    for unit in ["", "k", "M", "G", "T"]:
        if abs(x) < 1000.0:
            return "%.3g%s" % (x, unit)
        x /= 1000.0
    return "%.3gP" % x


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("jsonl")
    p.add_argument("--title", default="attnlim throughput")
    p.add_argument("--meta", action="append", default=[], help="'key: value' lines printed under the title")
    args = p.parse_args(argv)

    rows = []
    with open(args.jsonl) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    machine = next((r for r in rows if r.get("kind") == "machine"), {})
    limits = [r for r in rows if r.get("kind") == "limit"]
    baselines = [r for r in rows if r.get("kind") == "baseline"]
    runs = [r for r in rows if r.get("kind") == "attnlim"]
    materialize = [r for r in rows if r.get("kind") == "materialize"]
    names = []
    for b in baselines:
        if b["name"] not in names:
            names.append(b["name"])

    out = ["## " + args.title, ""]
    for m in args.meta:
        out.append("- " + m)
    if machine:
        out.append("- CPU: %s, %s hardware threads (OpenMP default); GPU: %s" % (machine.get("cpu"), machine.get("threads"), machine.get("gpu")))
    out.append("")

    if limits:
        out.append("Random-number limits, same device and threads (CPU: the backend's AVX2 batch path where available; "
                   "GPU: the core's Philox4x32-10 and Box-Muller on the device):")
        out.append("")
        out.append("| backend | device | Philox blocks/s | normals/s |")
        out.append("|---|---|---:|---:|")
        for l in limits:
            out.append("| %s | %s | %s | %s |" % (l["backend"], l["device"], si(l["philox_blocks_per_s"]),
                                                 si(l["normals_per_s"])))
        out.append("")

    head = "| d | keys | tier | backend | attnlim keys/s |"
    rule = "|---:|---|---|---|---:|"
    for n in names:
        head += " %s keys/s | attnlim / %s |" % (n, n)
        rule += "---:|---:|"
    head += " limit keys/s | fraction of limit | Philox floor keys/s | fraction of floor | n x trials | runs (s) |"
    rule += "---:|---:|---:|---:|---|---|"
    out += [head, rule]
    for r in runs:
        # Runs from before --keys measured uniform keys only.
        line = "| %d | `%s` | %s | %s | %s |" % (r["d"], r.get("keys", "uniform"), r["tier"], r["backend"],
                                                 si(r["keys_per_second"]))
        for n in names:
            base = r.get("baseline_keys_per_second", {}).get(n)
            ratio = r.get("ratio", {}).get(n)
            line += " %s | %s |" % (si(base), "%.3g" % ratio if ratio is not None else "-")
        frac = r.get("fraction_of_limit")
        secs = r.get("seconds", [])
        pfrac = r.get("fraction_of_philox_limit")
        line += " %s | %s | %s | %s | %d x %d | %s |" % (
            si(r.get("limit_keys_per_second")), "%.2f" % frac if frac is not None else "-",
            si(r.get("philox_limit_keys_per_second")), "%.2f" % pfrac if pfrac is not None else "-",
            r["n"], r["trials"], "%.2f..%.2f" % (min(secs), max(secs)) if secs else "-")
        out.append(line)
    out.append("")

    if baselines:
        out.append("Baselines (median of their timed runs):")
        out.append("")
        out.append("| baseline | d | keys/s | n x trials | dtype | version |")
        out.append("|---|---:|---:|---|---|---|")
        for b in baselines:
            version = b.get("numpy") or b.get("torch") or ""
            out.append("| %s | %d | %s | %d x %d | %s | %s %s |" % (
                b["name"], b["d"], si(b["keys_per_second"]), b["n"], b["trials"], b.get("dtype", ""),
                b.get("baseline", ""), version))
        out.append("")

    if materialize:
        out.append("CUDA materialise-then-reduce (cuRAND host API + reductions) against the fused kernel:")
        out.append("")
        out.append("| d | materialise keys/s | fused full keys/s | fused / materialise |")
        out.append("|---:|---:|---:|---:|")
        for m in materialize:
            out.append("| %d | %s | %s | %.3g |" % (m["d"], si(m["keys_per_second"]),
                                                  si(m.get("fused_full_keys_per_second")),
                                                  m.get("fused_over_materialize", 0.0)))
        out.append("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
