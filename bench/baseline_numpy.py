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
import math
import os
import sys
import time

import numpy as np

import baseline_common as common


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
    args = common.parser(__doc__, 1 << 16, "keys per chunk").parse_args(argv)
    dtype = np.float64 if args.dtype == "float64" else np.float32
    rng = np.random.default_rng(args.seed)

    def seconds_for(n, betas):
        t0 = time.perf_counter()
        run_trial(rng, args.d, n, args.chunk, np.array(betas), args.top_k, dtype)
        return time.perf_counter() - t0

    n = common.choose_n(args, args.chunk, seconds_for)
    betas = np.array(common.beta_values(args, n))
    seconds_for(min(n, args.chunk), betas)  # warm-up
    times, states = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        states = [run_trial(rng, args.d, n, args.chunk, betas, args.top_k, dtype) for _ in range(args.trials)]
        times.append(time.perf_counter() - t0)
    obs = [observables(s) for s in states]
    mean = {k: np.mean([o[k] for o in obs], axis=0).tolist() for k in obs[0]}
    mean["top_distance"] = np.mean([s.top for s in states], axis=0).tolist()
    common.print_result("numpy", args, n, args.chunk, betas.tolist(), times, mean, numpy=np.__version__,
                        threads=int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
