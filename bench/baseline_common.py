"""What bench/baseline_numpy.py and bench/baseline_torch.py share: the command line, the beta grid, how
--n auto picks n, the median of the timed runs and the one JSON line they print. The key generation and
the reductions stay in each script: they are what a user of that library writes."""
import argparse
import json
import math
import platform


def critical_scale(d, n):
    """(n c_d)^{2/(d-1)}, c_d = 2^a / ((d-1) B(1/2, a)), a = (d-1)/2 (THEORY.md section 2)."""
    a = 0.5 * (d - 1)
    log_beta_fn = math.lgamma(0.5) + math.lgamma(a) - math.lgamma(0.5 + a)
    log_c = a * math.log(2.0) - math.log(d - 1) - log_beta_fn
    return math.exp((math.log(n) + log_c) / a)


def parser(doc, chunk_default, chunk_help):
    """The options both baselines take (the same configuration as `attnlim simulate`)."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    p.add_argument("--d", type=int, required=True)
    p.add_argument("--n", default="auto", help="keys per trial, or 'auto' to last about --seconds")
    p.add_argument("--seconds", type=float, default=1.5, help="target time of one timed run when --n auto")
    p.add_argument("--trials", type=int, default=4)
    p.add_argument("--betas", type=str, default=None, help="comma-separated absolute betas")
    p.add_argument("--lambdas", type=str, default="0.125,0.25,0.5,1,2,4,8,16",
                   help="critical-scale betas lambda (n c_d)^{2/(d-1)} when --betas is not given")
    p.add_argument("--top-k", type=int, default=8)
    p.add_argument("--chunk", type=int, default=chunk_default, help=chunk_help)
    p.add_argument("--repeats", type=int, default=3, help="timed runs after one warm-up; the median is reported")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="float64 matches attnlim's precision; float32 is what many scripts use (E loses digits)")
    return p


def beta_values(args, n):
    """The beta grid: --betas as given, else --lambdas times critical_scale(d, n)."""
    if args.betas:
        return [float(v) for v in args.betas.split(",")]
    return [float(v) * critical_scale(args.d, n) for v in args.lambdas.split(",")]


def choose_n(args, chunk, seconds_for):
    """--n as given; with --n auto, the multiple of chunk that makes one timed run of --trials trials last
    about --seconds, from a warm-up and one probe of 4 chunks. seconds_for(n, betas) runs one trial of n
    keys and returns its seconds."""
    if args.n != "auto":
        return int(float(args.n))
    probe = 4 * chunk
    betas = beta_values(args, probe)
    seconds_for(chunk, betas)  # warm-up (kernels, allocator, caches)
    rate = probe / seconds_for(probe, betas)
    return max(chunk, int(rate * args.seconds / args.trials) // chunk * chunk)


def print_result(name, args, n, chunk, betas, times, mean, **extra):
    """Prints the one JSON line attnlim_bench reads: keys_per_second from the median of the timed runs."""
    seconds = sorted(times)[len(times) // 2]
    out = {"baseline": name, **extra, "python": platform.python_version(),
           "d": args.d, "n": n, "trials": args.trials, "top_k": args.top_k, "chunk": chunk,
           "dtype": args.dtype, "betas": list(betas),
           "repeats": args.repeats, "seconds": seconds, "seconds_all": times,
           "keys_per_second": n * args.trials / seconds, "mean": mean}
    print(json.dumps(out))
