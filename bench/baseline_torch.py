#!/usr/bin/env python3
"""PyTorch baseline for attnlim's throughput benchmark (issue 5): the GPU script a user would write.

Same observables and configuration as bench/baseline_numpy.py and `attnlim simulate`; per trial, keys
in chunks of --chunk (default: about 2^26 numbers, i.e. chunk x d <= 64 Mi elements):
    G = torch.randn(chunk, d); K = G / |G|; X = K @ q (q = e_1); E = 1 - X
    per beta (batched over the grid): s0, s1, s2 relative to the chunk's minimum distance, merged across
    chunks by the online-softmax shift; top-k nearest by torch.topk(-E), merged across chunks.
Per trial: e_min = m, w_max = 1/s0, ipr = s2/s0^2, entropy = log s0 + beta s1/s0, bias = m + s1/s0.
Everything stays on the device until the end of a run (no host synchronisation per chunk).
Timing: one warm-up run, then --repeats timed runs with CUDA events (torch.cuda.synchronize after each);
the median is reported. Prints ONE JSON line with keys_per_second.

--device cpu runs the same code on the CPU (for checking the script where no GPU is available).
"""
import math
import sys
import time

import baseline_common as common


def main(argv=None):
    p = common.parser(__doc__, 0, "keys per chunk (0: 2^26 / d rounded to a power of 2)")
    p.add_argument("--device", default="cuda", help="cuda (default) or cpu (to check the script)")
    args = p.parse_args(argv)

    try:
        import torch
    except ImportError:
        print("baseline_torch.py: PyTorch is not installed (import torch failed)", file=sys.stderr)
        return 3
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("baseline_torch.py: no CUDA device visible to PyTorch (torch.cuda.is_available() is False); "
              "use --device cpu to run it on the CPU", file=sys.stderr)
        return 3
    device = torch.device(args.device)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    on_gpu = device.type == "cuda"
    chunk = args.chunk or max(1 << 16, 1 << int(math.log2(max(1, (1 << 26) // args.d))))
    if not on_gpu and not args.chunk:
        chunk = 1 << 16
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed)
    q = torch.zeros(args.d, dtype=dtype, device=device)
    q[0] = 1.0

    def sync():
        if on_gpu:
            torch.cuda.synchronize(device)

    def grid_of(values):
        return torch.tensor(values, dtype=torch.float64, device=device)

    def grid(n):
        return grid_of(common.beta_values(args, n))

    def run_trial(n, betas):
        """Returns (m, s0, s1, s2, top) as device tensors."""
        m = s0 = s1 = s2 = top = None
        done = 0
        while done < n:
            size = min(chunk, n - done)
            g = torch.randn(size, args.d, generator=gen, dtype=dtype, device=device)
            keys = g / torch.linalg.vector_norm(g, dim=1, keepdim=True)
            x = keys @ q                                   # scores <q, K>
            e = (1.0 - x).to(torch.float64)                # distances
            cm = e.min()
            excess = e - cm
            t = torch.exp(-betas[:, None] * excess[None, :])   # (betas, chunk)
            c0 = t.sum(dim=1)
            c1 = t @ excess
            c2 = (t * t).sum(dim=1)
            k = min(args.top_k, size)
            ctop = -torch.topk(-e, k, sorted=False).values if k > 0 else e[:0]
            if m is None:
                m, s0, s1, s2, top = cm, c0, c1, c2, ctop
            else:  # online-softmax merge: shift both to the smaller minimum, then add
                nm = torch.minimum(m, cm)
                da, db = m - nm, cm - nm
                fa, fb = torch.exp(-betas * da), torch.exp(-betas * db)
                s1 = fa * (s1 + da * s0) + fb * (c1 + db * c0)
                s0 = fa * s0 + fb * c0
                s2 = fa * fa * s2 + fb * fb * c2
                m = nm
                both = torch.cat([top, ctop])
                top = -torch.topk(-both, min(args.top_k, both.numel()), sorted=False).values
            done += size
        return m, s0, s1, s2, torch.sort(top).values

    def timed(n, betas, trials):
        sync()
        if on_gpu:
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
        t0 = time.perf_counter()
        states = [run_trial(n, betas) for _ in range(trials)]
        if on_gpu:
            stop.record()
        sync()
        seconds = start.elapsed_time(stop) / 1000.0 if on_gpu else time.perf_counter() - t0
        return seconds, states

    n = common.choose_n(args, chunk, lambda n, betas: timed(n, grid_of(betas), 1)[0])
    betas = grid(n)

    timed(min(n, chunk), betas, 1)  # warm-up
    times, states = [], []
    for _ in range(args.repeats):
        seconds, states = timed(n, betas, args.trials)
        times.append(seconds)

    b = betas
    obs = {"e_min": [], "w_max": [], "ipr": [], "entropy": [], "bias": []}
    tops = []
    for m, s0, s1, s2, top in states:
        obs["e_min"].append(m.expand_as(b))
        obs["w_max"].append(1.0 / s0)
        obs["ipr"].append(s2 / (s0 * s0))
        obs["entropy"].append(torch.log(s0) + b * s1 / s0)
        obs["bias"].append(m + s1 / s0)
        tops.append(top)
    mean = {k: torch.stack(v).mean(dim=0).cpu().tolist() for k, v in obs.items()}
    mean["top_distance"] = torch.stack(tops).mean(dim=0).cpu().tolist()
    common.print_result("torch", args, n, chunk, betas.cpu().tolist(), times, mean, torch=torch.__version__,
                        device=torch.cuda.get_device_name(device) if on_gpu
                        else "cpu (%d threads)" % torch.get_num_threads())
    return 0


if __name__ == "__main__":
    sys.exit(main())
