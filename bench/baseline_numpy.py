#!/usr/bin/env python3
"""NumPy baseline for attnlim's throughput benchmark (issue 5).

What a careful NumPy user would write to get the same observables as `attnlim simulate`:
for each trial, keys in chunks of `--chunk`:
    G = rng.standard_normal((chunk, d)); K = G / |G|        (uniform keys on S^{d-1})
    X = K[:, 0]                                              (scores against the query q = e_1)
    E = 1 - X                                                (distance)
    per beta (vectorised over the grid): the mergeable softmax state relative to the running
    minimum distance m -- s0 = sum e^{-beta(E-m)}, s1 = sum e^{-beta(E-m)}(E-m), s2 = sum e^{-2beta(E-m)}
    -- merged across chunks by the online-softmax shift (FlashAttention's merge)
    top-k nearest keys via argpartition, merged across chunks.
Per trial: e_min = m, w_max = 1/s0, ipr = s2/s0^2, entropy = log s0 + beta s1/s0, bias = m + s1/s0.

Prints ONE JSON line: {"baseline": "numpy", "keys_per_second": ..., ...} (plus per-beta means of the
observables, so the numbers can be checked against attnlim's). Single process; NumPy's own kernels
are single-threaded for these operations (randn, exp, reductions), which is how such a script runs.

Run with /usr/bin/python3 (NumPy >= 1.17 for default_rng).
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np


def critical_scale(d, n):
    """(n c_d)^{2/(d-1)}, c_d = 2^a / ((d-1) B(1/2, a)), a = (d-1)/2 (THEORY.md section 2)."""
    a = 0.5 * (d - 1)
    log_beta_fn = math.lgamma(0.5) + math.lgamma(a) - math.lgamma(0.5 + a)
    log_c = a * math.log(2.0) - math.log(d - 1) - log_beta_fn
    return math.exp((math.log(n) + log_c) / a)


class TrialState:
    """The same monoid as include/attnlim/softmax_state.hpp, vectorised over the beta grid."""

    def __init__(self, betas, top_k):
        self.betas = betas
        self.top_k = top_k
        self.count = 0
        self.m = math.inf
        self.s0 = np.zeros_like(betas)
        self.s1 = np.zeros_like(betas)
        self.s2 = np.zeros_like(betas)
        self.top = np.empty(0)

    def add_chunk(self, e):
        m_chunk = float(e.min())
        excess = e - m_chunk                                  # (chunk,)
        t = np.exp(-np.outer(self.betas, excess))             # (betas, chunk)
        s0 = t.sum(axis=1)
        s1 = t @ excess
        s2 = np.einsum("ij,ij->i", t, t)
        self.merge(len(e), m_chunk, s0, s1, s2)
        k = min(self.top_k, len(e))
        if k > 0:
            nearest = e[np.argpartition(e, k - 1)[:k]] if k < len(e) else e
            merged = np.concatenate([self.top, nearest])
            if len(merged) > self.top_k:
                merged = merged[np.argpartition(merged, self.top_k - 1)[: self.top_k]]
            self.top = np.sort(merged)

    def merge(self, count, m, s0, s1, s2):
        """self <- self (+) other, shifting both to the smaller minimum (softmax_state.hpp merge_state)."""
        if self.count == 0:
            self.count, self.m, self.s0, self.s1, self.s2 = count, m, s0, s1, s2
            return
        new_m = min(self.m, m)
        da, db = self.m - new_m, m - new_m
        fa, fb = np.exp(-self.betas * da), np.exp(-self.betas * db)
        self.s1 = fa * (self.s1 + da * self.s0) + fb * (s1 + db * s0)
        self.s0 = fa * self.s0 + fb * s0
        self.s2 = fa * fa * self.s2 + fb * fb * s2
        self.m = new_m
        self.count += count


def run_trial(rng, d, n, chunk, betas, top_k, dtype):
    st = TrialState(betas, top_k)
    done = 0
    while done < n:
        size = min(chunk, n - done)
        g = rng.standard_normal((size, d), dtype=dtype)
        keys = g / np.linalg.norm(g, axis=1, keepdims=True)
        x = keys[:, 0]                  # <q, K> with q = e_1
        e = (1.0 - x).astype(np.float64)
        st.add_chunk(e)
        done += size
    return st


def observables(st):
    b = st.betas
    return {
        "e_min": np.full_like(b, st.m),
        "w_max": 1.0 / st.s0,
        "ipr": st.s2 / (st.s0 * st.s0),
        "entropy": np.log(st.s0) + b * st.s1 / st.s0,
        "bias": st.m + st.s1 / st.s0,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--d", type=int, required=True)
    p.add_argument("--n", default="auto", help="keys per trial, or 'auto' to last about --seconds")
    p.add_argument("--seconds", type=float, default=1.5, help="target time of one timed run when --n auto")
    p.add_argument("--trials", type=int, default=4)
    p.add_argument("--betas", type=str, default=None, help="comma-separated absolute betas")
    p.add_argument("--lambdas", type=str, default="0.125,0.25,0.5,1,2,4,8,16",
                   help="critical-scale betas lambda (n c_d)^{2/(d-1)} when --betas is not given")
    p.add_argument("--top-k", type=int, default=8)
    p.add_argument("--chunk", type=int, default=1 << 16)
    p.add_argument("--repeats", type=int, default=3, help="timed runs after one warm-up; the median is reported")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    args = p.parse_args(argv)
    dtype = np.float64 if args.dtype == "float64" else np.float32
    rng = np.random.default_rng(args.seed)

    def grid(n):
        if args.betas:
            return np.array([float(v) for v in args.betas.split(",")], dtype=np.float64)
        return np.array([float(v) * critical_scale(args.d, n) for v in args.lambdas.split(",")])

    if args.n == "auto":
        probe = 4 * args.chunk
        run_trial(rng, args.d, args.chunk, args.chunk, grid(probe), args.top_k, dtype)  # warm-up
        t0 = time.perf_counter()
        run_trial(rng, args.d, probe, args.chunk, grid(probe), args.top_k, dtype)
        rate = probe / (time.perf_counter() - t0)
        n = max(args.chunk, int(rate * args.seconds / args.trials) // args.chunk * args.chunk)
    else:
        n = int(float(args.n))
    betas = grid(n)

    run_trial(rng, args.d, min(n, args.chunk), args.chunk, betas, args.top_k, dtype)  # warm-up
    times, states = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        states = [run_trial(rng, args.d, n, args.chunk, betas, args.top_k, dtype) for _ in range(args.trials)]
        times.append(time.perf_counter() - t0)
    seconds = sorted(times)[len(times) // 2]
    obs = [observables(s) for s in states]
    mean = {k: np.mean([o[k] for o in obs], axis=0).tolist() for k in obs[0]}
    mean["top_distance"] = np.mean([s.top for s in states], axis=0).tolist()
    out = {
        "baseline": "numpy",
        "numpy": np.__version__,
        "python": platform.python_version(),
        "threads": int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or None,
        "d": args.d, "n": n, "trials": args.trials, "top_k": args.top_k, "chunk": args.chunk,
        "dtype": args.dtype, "betas": betas.tolist(),
        "repeats": args.repeats, "seconds": seconds, "seconds_all": times,
        "keys_per_second": n * args.trials / seconds,
        "mean": mean,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
