"""The Python module (build/python/attnlim) against the command-line tool and the theory, run by ctest with
PYTHONPATH and ATTNLIM_CLI set (tests/CMakeLists.txt)."""
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import attnlim

CLI = os.environ["ATTNLIM_CLI"]
MACHINE = {"seconds", "keys_per_second", "trials_per_second", "device", "threads"}


def strip(value):
    """The JSON without the fields that differ between any two runs (time, rate, device)."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in MACHINE}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def cli_json(tmp_path, *args):
    out = tmp_path / "cli.json"
    subprocess.run([CLI, *args, "--quiet", "--json", str(out)], check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def test_simulate_equals_the_cli_json_for_the_same_seed(tmp_path):
    r = attnlim.simulate(d=4, n=20000, trials=6, beta=[1, 30, 300], top_k=12, keys="vmf:kappa=3",
                         output_vector=True, backend="cpu", seed=7, progress=False)
    cli = cli_json(tmp_path, "simulate", "--d", "4", "--n", "20000", "--trials", "6", "--beta", "1,30,300",
                   "--top-k", "12", "--keys", "vmf:kappa=3", "--output-vector", "--backend", "cpu", "--seed", "7")
    assert strip(json.loads(r.to_json())) == strip(cli)
    assert r.backend == "cpu" and r.config["d"] == 4


def test_order_sampler_and_lambda_scale_equal_the_cli(tmp_path):
    r = attnlim.simulate(d=16, n="1e100", trials=5, beta=[0.5, 1.0, 2.0], beta_scale="critical", sampler="order",
                         progress=False)
    cli = cli_json(tmp_path, "simulate", "--d", "16", "--n", "1e100", "--trials", "5", "--beta", "0.5,1.0,2.0",
                   "--beta-scale", "critical", "--sampler", "order")
    assert strip(json.loads(r.to_json())) == strip(cli)
    np.testing.assert_array_equal(r.betas, [0.5, 1.0, 2.0])


def test_values_are_betas_by_trials_and_average_to_the_summary():
    r = attnlim.simulate(d=3, n=50000, trials=9, beta=[1, 100, 1e4], backend="cpu", progress=False)
    w = r.values("w_max")
    assert w.shape == (3, 9)
    assert np.all((w > 0) & (w <= 1))
    s = r.summary()
    np.testing.assert_allclose(w.mean(axis=1), np.asarray(s["w_max_mean"]), rtol=1e-12)
    np.testing.assert_allclose(w.std(axis=1, ddof=1) / 3, np.asarray(s["w_max_stderr"]), rtol=1e-9)
    # Every reported observable is there, and an unknown name is refused with the list.
    assert set(r.observables) >= {"w_max", "ipr", "entropy", "e_min", "y_min"}
    with pytest.raises(ValueError, match="observable: unknown 'wmax'"):
        r.values("wmax")


def test_summary_is_a_dict_of_arrays_without_pandas(monkeypatch):
    r = attnlim.simulate(d=3, n=1000, trials=4, beta=[1, 10], backend="cpu", progress=False)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    s = r.summary()
    assert isinstance(s, dict)
    np.testing.assert_array_equal(s["beta"], [1.0, 10.0])
    np.testing.assert_allclose(s["ipr_mean"], r.values("ipr").mean(axis=1), rtol=1e-12)


def test_critical_equals_the_cli_json(tmp_path):
    args = dict(d=3, n_min=1000, n_max=30000, n_points=3, trials=24, grid_points=8, bootstrap=50, backend="cpu")
    r = attnlim.critical(progress=False, **args)
    cli = cli_json(tmp_path, "critical", "--d", "3", "--n-min", "1000", "--n-max", "30000", "--n-points", "3",
                   "--trials", "24", "--grid-points", "8", "--bootstrap", "50", "--backend", "cpu")
    assert strip(r.data) == strip(cli)
    assert r.predicted_exponent == pytest.approx(1.0)


def test_sweep_writes_the_cli_records_and_resumes(tmp_path):
    kwargs = dict(d=[3, 4], n=[2000, 5000], beta_spec=["critical:0.5,1,2"], trials=8, backend="cpu", progress=False)
    r = attnlim.sweep(out=tmp_path / "py", **kwargs)  # a path object is taken as its text
    assert (r.points_total, r.points_run) == (4, 4)
    subprocess.run([CLI, "sweep", "--d", "3,4", "--n", "2000,5000", "--beta-spec", "critical:0.5,1,2", "--trials", "8",
                    "--backend", "cpu", "--quiet", "--out", str(tmp_path / "cli")], check=True, stdout=subprocess.DEVNULL)
    with open(tmp_path / "cli.jsonl") as f:
        cli = [json.loads(line) for line in f]
    assert [strip(x) for x in r.records] == [strip(x) for x in cli]
    again = attnlim.sweep(out=str(tmp_path / "py"), **kwargs)
    assert (again.points_skipped, again.points_run) == (4, 0)
    s = r.summary()
    assert len(s["d"]) == 4 * 3
    # A shard that gets no point of the grid (5 shards, 4 points) writes nothing and says so.
    empty = attnlim.sweep(out=tmp_path / "shard", shard="5/5", **kwargs)
    assert (empty.points_total, empty.records) == (0, [])


def test_theory_values():
    t = attnlim.theory
    # Uniform keys on S^2: P(1 - <q,k> <= s) = s/2 exactly, so c_3 = 1/2 and the local exponent is 1.
    assert t.c_d(3) == pytest.approx(0.5, rel=1e-14)
    assert t.local_exponent(3) == 1.0
    assert t.distance_cdf(3, 0.3) == pytest.approx(0.15, rel=1e-14)
    # d = 3: A_3(beta) is the Langevin function coth(beta) - 1/beta.
    for beta in (0.1, 1.0, 7.5):
        assert t.A_d(3, beta) == pytest.approx(1 / math.tanh(beta) - 1 / beta, rel=1e-12)
        assert t.bias(3, beta) == pytest.approx(1 - t.A_d(3, beta), rel=1e-12)
    # lambda* solves critical_ipr(a, lambda*) = target.
    for a in (1.0, 2.5):
        lam = t.lambda_star(a, "ipr", 0.5)
        assert t.critical_ipr(a, lam) == pytest.approx(0.5, abs=1e-9)
    law = t.critical_law(1.0, 2.0)  # the sampler's ipr agrees with the Mecke quadrature
    assert abs(law["ipr"] - t.critical_ipr(1.0, 2.0)) < 4 * law["ipr_stderr"]
    assert 0 < law["w_max"] < 1 and law["w_max_stderr"] > 0
    assert t.critical_scale(3, 1e6) == pytest.approx(0.5e6, rel=1e-12)  # (n c_3)^(2/(3-1))
    assert t.simplex_gamma_c(0.5) == pytest.approx(2.0)
    sub = t.subcritical(3, 2.0, 1e6)
    assert sub["A"] == pytest.approx(t.A_d(3, 2.0)) and sub["ipr"] == pytest.approx(1 / sub["n_eff"])


@pytest.mark.parametrize("kwargs, message", [
    (dict(d=1), "d: must be at least 2 (got 1)"),
    (dict(top_k=100), "top_k: must be at most 64 (got 100)"),
    (dict(beta_scale="lambda"), "beta_scale: unknown scale 'lambda'"),
    (dict(keys="nosuch"), "keys: "),
    (dict(bulk_tolerance=0.01), "bulk_tolerance: applies to sampler order only"),
])
def test_bad_input_raises_value_error_with_the_library_message(kwargs, message):
    with pytest.raises(ValueError) as info:
        attnlim.simulate(n=1000, trials=2, beta=[1], progress=False, **kwargs)
    assert str(info.value).startswith(message)
    assert "--" not in str(info.value)


def test_theory_domain_errors_are_value_errors():
    with pytest.raises(ValueError, match="observable"):
        attnlim.theory.lambda_star(1.0, "nosuch", 0.5)


LONG = dict(d=3, n=10**10, trials=2, beta=[1], sampler="projected", backend="cpu", progress=False)  # ~2 minutes


def test_ctrl_c_interrupts_a_long_run_within_a_second_and_the_next_run_works():
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        attnlim.simulate(**LONG)
    elapsed = time.monotonic() - start
    timer.join()
    assert elapsed < 1.0 + 1.5, f"stopped {elapsed - 1.0:.2f} s after Ctrl-C"
    r = attnlim.simulate(d=3, n=1000, trials=2, beta=[1], backend="cpu", progress=False)
    assert r.values("w_max").shape == (1, 2)


def test_runs_release_the_gil():
    box = {}
    # About 5 s on one thread of the 2-core CI machine (2e8 keys); the check below takes 0.5 s of it.
    worker = threading.Thread(target=lambda: box.setdefault("r", attnlim.simulate(
        d=3, n=10**8, trials=2, beta=[1], sampler="projected", backend="cpu", threads=1, progress=False)))
    worker.start()
    time.sleep(0.2)
    ticks, until = 0, time.monotonic() + 0.3
    while time.monotonic() < until:
        ticks += 1
    running = worker.is_alive()
    worker.join()
    assert running, "the run ended before the check: make it longer"
    assert ticks > 10000, "the main thread did not run while the simulation ran"
    assert box["r"].values("w_max").shape == (1, 2)
