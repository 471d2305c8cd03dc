"""attnlim: the long-context limit of softmax attention, simulated (CPU and CUDA), from Python.

The functions take the options of the command-line tool as keywords (``top_k`` for ``--top-k``), check them the
same way, and give the same numbers for the same seed: ``simulate(...).to_json()`` is the text that
``attnlim simulate ... --json FILE`` writes.

- ``simulate(d, n, trials, beta, ...)``: one query against n random keys, a grid of beta in one pass.
- ``critical(d, ...)``: beta*(n) over a range of n and the fitted exponent against 2/(d-1).
- ``sweep(d, n, beta_spec, out, ...)``: a resumable grid written to ``out.jsonl`` and ``out.csv``.
- ``theory``: the closed-form predictions (c_d, A_d, critical_ipr, critical_entropy, lambda_star, ...).

Runs release the GIL; Ctrl-C stops a run within about a second and raises KeyboardInterrupt. Bad input raises
ValueError with the library's message, naming the keyword (``top_k: must be between 0 and 64``). A progress
line goes to the process's stderr for runs longer than 2 s (``progress=False`` turns it off).
"""
import json as _json
import os as _os
from numbers import Integral as _Integral, Real as _Real

import numpy as _np

from . import _attnlim
from ._attnlim import theory

__all__ = ["simulate", "critical", "sweep", "theory", "SimulationResult", "CriticalResult", "SweepResult"]


def _text(value):
    """One option as the command line would spell it (exact: floats by repr, which round-trips)."""
    if isinstance(value, _os.PathLike):
        value = _os.fspath(value)
    if isinstance(value, bool):
        raise TypeError("a flag where a value is expected")
    if isinstance(value, _Integral):
        return str(int(value))
    if isinstance(value, _Real):
        return repr(float(value))
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a number or a string, got {type(value).__name__}")


def _list(value):
    """A list option: a sequence (or one value) as comma-separated text, in one item."""
    if isinstance(value, (str, _Real)):
        value = [value]
    return [",".join(_text(v) for v in value)]


def _options(values, lists=(), flags=()):
    """The keywords that were given (not None), as the compiled module takes them."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        if key in flags:
            out[key] = bool(value)
        elif key in lists:
            out[key] = _list(value)
        else:
            out[key] = _text(value)
    return out


def _table(rows):
    """A pandas DataFrame of the rows where pandas is installed, else a dict of NumPy arrays (one per column)."""
    try:
        import pandas
    except ImportError:
        columns = list(rows[0]) if rows else []
        return {c: _np.array([r[c] for r in rows]) for c in columns}
    return pandas.DataFrame(rows)


def _number(v):
    return float("nan") if v is None else v


def _with_observables(row, result):
    """The row with the mean and standard error of every observable of one beta's JSON result."""
    for name, s in result["observables"].items():
        row[name + "_mean"] = _number(s["mean"])
        row[name + "_stderr"] = _number(s["stderr"])
    return row


class SimulationResult:
    """What ``simulate`` returns.

    ``values(name)``: an observable per beta and trial (NumPy array, betas x trials); ``summary()``: mean and
    standard error per beta; ``config``, ``backend``, ``device``; ``to_json()``: the CLI's JSON text.
    """

    def __init__(self, raw):
        self._json = raw["json"]
        self._values = raw["values"]
        self._data = _json.loads(self._json)
        self.config = self._data["config"]
        self.backend = self._data["backend"]
        self.device = self._data["device"]

    @property
    def observables(self):
        """The names ``values`` takes."""
        return list(self._values)

    @property
    def betas(self):
        """The betas as given (lambda for beta_scale='critical', gamma for 'log', beta for 'abs')."""
        return _np.array([r["beta_value"] for r in self._data["results"]])

    def values(self, name):
        """Observable ``name`` of every trial: an array of shape (len(betas), trials)."""
        if name not in self._values:
            raise ValueError(f"observable: unknown '{name}' (expected one of {', '.join(self._values)})")
        return self._values[name].copy()

    def summary(self):
        """One row per beta: beta (as given), beta_abs, and the mean and standard error of every observable."""
        rows = []
        for r in self._data["results"]:
            rows.append(_with_observables({"beta": r["beta_value"], "beta_abs": _number(r.get("beta"))}, r))
        return _table(rows)

    def to_json(self):
        """The JSON the command line writes with --json for the same options (text)."""
        return self._json

    def __repr__(self):
        c = self.config
        return (f"SimulationResult(d={c.get('d')}, n={c.get('n')}, trials={c.get('trials')}, "
                f"betas={len(self._data['results'])}, backend={self.backend!r})")


class CriticalResult:
    """What ``critical`` returns: ``exponent`` (the fit, with its interval), ``predicted_exponent``, ``points``
    (beta* per n, a table), ``data`` (the whole JSON as a dict), ``to_json()``."""

    def __init__(self, text):
        self._json = text
        self.data = _json.loads(text)
        self.config = self.data["config"]
        self.backend = self.data["backend"]

    @property
    def exponent(self):
        return self.data["exponent"]

    @property
    def predicted_exponent(self):
        return self.data["predicted_exponent"]

    def points(self):
        return _table([{k: v for k, v in p.items() if not isinstance(v, (list, dict))} for p in self.data["points"]])

    def to_json(self):
        return self._json

    def __repr__(self):
        e = self.exponent
        return f"CriticalResult(d={self.config.get('d')}, exponent={e}, predicted={self.predicted_exponent})"


class SweepResult:
    """What ``sweep`` returns: the files, how many points ran, ``records`` (one dict per point, as in the .jsonl)
    and ``summary()`` (one row per point and beta)."""

    def __init__(self, raw):
        self.jsonl, self.csv = raw["jsonl"], raw["csv"]
        self.points_total, self.points_skipped, self.points_run = (
            raw["points_total"], raw["points_skipped"], raw["points_run"])
        self.records = []
        if _os.path.exists(self.jsonl):  # a shard with no points of the grid writes none
            with open(self.jsonl) as f:
                self.records = [_json.loads(line) for line in f if line.strip()]

    def summary(self):
        rows = []
        for rec in self.records:
            for r in rec["results"]:
                rows.append(_with_observables({"d": rec["d"], "n": rec["n"], "beta_spec": r["beta_spec"],
                                               "beta": r["beta_value"], "beta_abs": _number(r.get("beta"))}, r))
        return _table(rows)

    def __repr__(self):
        return f"SweepResult({self.jsonl!r}, points={self.points_total}, run={self.points_run})"


def simulate(d=3, n=100000, trials=100, beta=(0, 1, 10, 100), beta_scale="abs", keys="uniform", sampler="auto",
             top_k=None, seed=1, backend="auto", output_vector=False, threads=0, chunk=None, bulk_tolerance=None,
             progress=True):
    """Simulate one query on S^{d-1} attending to n random keys, for every beta in one pass.

    d: dimension (keys on S^{d-1} in R^d). n: keys per trial (an int, or text such as "1e5000" with
    sampler="order"). trials: independent trials. beta: the betas, read through beta_scale: "abs" (beta
    itself), "critical" (lambda in beta = lambda (n c)^(1/a)), "power:A" (lambda n^A) or "log" (gamma log n).
    keys: the key model ("uniform", "vmf:kappa=3", ...). sampler: "auto", "full", "projected" or "order".
    top_k: nearest keys kept (default min(8, n)). seed: the Philox seed. backend: "auto", "cpu" or "cuda".
    output_vector: also the attention output in the query frame. threads: CPU threads (0: all). chunk: keys per
    CPU work block. bulk_tolerance: sampler="order" only.
    """
    options = _options(dict(d=d, n=n, trials=trials, beta=beta, beta_scale=beta_scale, keys=keys, sampler=sampler,
                            top_k=top_k, seed=seed, backend=backend, output_vector=output_vector, threads=threads,
                            chunk=chunk, bulk_tolerance=bulk_tolerance),
                       lists=("beta",), flags=("output_vector",))
    return SimulationResult(_attnlim.simulate(options, bool(progress)))


def critical(d, n_min=1000, n_max=1000000, n_points=7, trials=400, observable="ipr", target=0.5, grid_points=32,
             bootstrap=400, seed=1, keys="uniform", sampler="auto", backend="auto", threads=0, progress=True):
    """Estimate beta*(n), where the mean observable crosses target, for log-spaced n in [n_min, n_max], and fit
    log beta* = c + alpha log n (bootstrap intervals over trials); alpha is compared with 2/(d-1) (uniform keys)
    or the key model's local exponent. sampler="order" takes any n (n_max=1e300 or "1e5000")."""
    options = _options(dict(d=d, n_min=n_min, n_max=n_max, n_points=n_points, trials=trials, observable=observable,
                            target=target, grid_points=grid_points, bootstrap=bootstrap, seed=seed, keys=keys,
                            sampler=sampler, backend=backend, threads=threads))
    return CriticalResult(_attnlim.critical(options, bool(progress)))


def sweep(d, beta_spec, out, n=None, n_min=None, n_max=None, n_points=None, trials=100, seed=1, top_k=None,
          keys="uniform", sampler="auto", backend="auto", threads=0, store_trials=False, shard=None, progress=True):
    """A resumable grid over d, n and beta specifications ("critical:0.5,1,2", "abs:10,100", "log:0.5,1"):
    each finished point is appended to out.jsonl (and out.csv); calling again with the same options resumes.
    Give n (a list) or n_min, n_max and n_points (log-spaced). shard="I/N" runs one shard of a job array."""
    if isinstance(beta_spec, str):
        beta_spec = [beta_spec]
    options = _options(dict(d=d, n=n, n_min=n_min, n_max=n_max, n_points=n_points, trials=trials, seed=seed,
                            top_k=top_k, keys=keys, sampler=sampler, backend=backend, threads=threads,
                            store_trials=store_trials, shard=shard, out=out),
                       lists=("d", "n"), flags=("store_trials",))
    options["beta_spec"] = [str(s) for s in beta_spec]
    return SweepResult(_attnlim.sweep(options, bool(progress)))
