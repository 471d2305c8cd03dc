#!/usr/bin/env python3
"""Draws the figures of `attnlim analyze --figures DIR` from that folder (attnlim verify draws its own report):

  collapse.png   E[w_max] and E[ipr] against lambda for several n, with the limit law's curves
  scaling.png    log beta* against log n per d, with the fitted and the predicted lines

and, from the JSON of `attnlim heat` (`figures.py --heat HEAT.json [PNG]`, default PNG next to it):

  heat.png       the drift beta <T(q) - q, e_2> against beta with the n = infinity and first-order laws,
                 and the growth of degree-l harmonics per step against 1 + l(l+d-2)/beta

Needs matplotlib and numpy (Debian: python3-matplotlib python3-numpy).
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def load(path):
    with open(path) as f:
        return json.load(f)


def collapse(fig_data, out):
    c = fig_data["collapse"]
    lam = np.array(c["lambda"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, name, label in ((axes[0], "w_max", "E[w_max]"), (axes[1], "ipr", "E[ipr] = E[sum w^2]")):
        for s in c["series"]:
            mean, se = np.array(s[name]["mean"]), np.array(s[name]["stderr"])
            ax.errorbar(lam, mean, yerr=2 * se, fmt="o", ms=3, capsize=2, label=f"n = {s['n']:,}")
        limit = np.array(c["limit"][name])
        ax.plot(lam, limit, "k-", lw=1.5, label="limit law (n = inf)")
        if name == "w_max":
            lse = np.array(c["limit"]["w_max_stderr"])
            ax.fill_between(lam, limit - 2 * lse, limit + 2 * lse, color="k", alpha=0.15, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel("lambda = beta / (n c_d)^(2/(d-1))")
        ax.set_ylabel(label)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(f"Data collapse at the critical scale, d = {c['d']} (error bars: 2 standard errors)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "collapse.png"), dpi=120)
    plt.close(fig)


def scaling(folder, summary, out):
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    for entry in summary:
        d = entry["d"]
        r = load(os.path.join(folder, f"critical_d{d}.json"))
        n = np.array([p["n"] for p in r["points"]], dtype=float)
        b = np.array([p["beta_star"] for p in r["points"]])
        lo = np.array([p["ci_low"] for p in r["points"]])
        hi = np.array([p["ci_high"] for p in r["points"]])
        line = ax.errorbar(n, b, yerr=[b - lo, hi - b], fmt="o", ms=4, capsize=2,
                           label=f"d = {d}: slope {r['exponent']['estimate']:.3f} "
                                 f"[{r['exponent']['ci_low']:.3f}, {r['exponent']['ci_high']:.3f}], "
                                 f"2/(d-1) = {r['predicted_exponent']:.3f}")
        color = line[0].get_color()
        grid = np.geomspace(n.min(), n.max(), 50)
        pre = r["prefactor"]["estimate"]
        ax.plot(grid, pre * grid ** r["exponent"]["estimate"], "-", color=color, lw=1)
        ax.plot(grid, r["predicted_prefactor"] * grid ** r["predicted_exponent"], "--", color=color, lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (keys)")
    ax.set_ylabel("beta*(n): mean ipr crosses 0.5")
    ax.set_title("Critical inverse temperature: fitted (solid) and predicted (dashed)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "scaling.png"), dpi=120)
    plt.close(fig)


def heat(data, out_png):
    rows = data["results"]
    beta = np.array([r["beta"] for r in rows])
    max_l = data["config"]["max_l"]
    fig, axes = plt.subplots(1, 2 if max_l > 0 else 1, figsize=(12 if max_l > 0 else 6.5, 4.6), squeeze=False)
    ax = axes[0][0]
    mean = np.array([r["drift"]["mean"] for r in rows])
    se = np.array([r["drift"]["stderr"] for r in rows])
    ax.errorbar(beta, mean, yerr=2 * se, fmt="o", capsize=3, label="measured (2 standard errors)")
    curve = data["exact_curve"]
    ax.plot(curve["beta"], curve["drift"], "k-", lw=1.2, label="n = infinity")
    first = rows[0]["predicted_drift_first_order"]
    if first is not None:
        ax.axhline(first, color="gray", ls="--", lw=1, label="first order: <grad log rho(q), e_2>")
    ax.set_xscale("log")
    ax.set_xlabel("beta")
    ax.set_ylabel("drift beta <T(q) - q, e_2>")
    ax.set_title(f"keys {data['config']['keys']}, d = {data['config']['d']}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if max_l > 0:
        # (growth - 1) beta / (l(l+d-2)): 1 at first order, on a linear axis (a growth <= 1 stays visible).
        ax = axes[0][1]
        d = data["config"]["d"]
        for l in range(1, max_l + 1):
            g = [next(x for x in r["growth"] if x["l"] == l) for r in rows]
            norm = beta / (l * (l + d - 2))
            est = (np.array([x["estimate"] for x in g]) - 1) * norm
            err = np.array([x["stderr"] for x in g]) * norm
            exact = (np.array([x["predicted_exact"] for x in g]) - 1) * norm
            line = ax.errorbar(beta, est, yerr=2 * err, fmt="o", capsize=3, label=f"l = {l}")
            ax.plot(beta, exact, "--", color=line[0].get_color(), lw=1)
        ax.axhline(1.0, color="k", lw=1.2, label="first order 1 + l(l+d-2)/beta")
        ax.set_xscale("log")
        ax.set_xlabel("beta")
        ax.set_ylabel("(growth - 1) beta / (l(l+d-2))")
        ax.set_title(f"rho = 1 + {data['config']['growth_eps']} P_l pushed through T (dashed: n = infinity)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("The backward heat equation: one attention step moves q up the density and sharpens its harmonics")
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)


def phase(data, out_png):
    """Mean cosine after the last layer over (gamma, log n), from attnlim self-attention --json."""
    layers = data["config"]["layers"]
    rows = [r for r in data["results"] if r["layer"] == layers]
    ns = sorted({r["n"] for r in rows})
    gammas = sorted({r["gamma"] for r in rows})
    grid = np.full((len(ns), len(gammas)), np.nan)
    for r in rows:
        grid[ns.index(r["n"]), gammas.index(r["gamma"])] = r["observables"]["mean_cosine"]["mean"]
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    x = np.array(gammas)
    y = np.log(np.array(ns, dtype=float))
    mesh = ax.pcolormesh(x, y, grid, shading="nearest", cmap="viridis", vmin=data["config"]["rho"], vmax=1.0)
    fig.colorbar(mesh, ax=ax, label=f"mean cosine after {layers} layer(s)")
    ax.axvline(data["gamma_c"], color="w", ls="--", lw=1.5, label="gamma_c = 1/(1-rho)")
    if "find_gamma" in data:
        fg = data["find_gamma"]
        ly = np.log(np.array([g["n"] for g in fg], dtype=float))
        ax.plot([g["simplex_midpoint"] for g in fg], ly, "w:", lw=1.5, label="simplex midpoint (one layer)")
        ax.plot([g["annealed_midpoint"] for g in fg], ly, "r:", lw=1.5, label=f"annealed, d = {data['config']['d']}")
        gs = [g["gamma_star"] if g["gamma_star"] is not None else np.nan for g in fg]
        ax.plot(gs, ly, "ro", ms=4, label="measured gamma*")
    ax.set_xlabel("gamma (beta = gamma log n)")
    ax.set_ylabel("log n")
    ax.set_title(f"Self-attention, rho = {data['config']['rho']}, {data['config']['tokens']} tokens: collapse (1) vs identity (rho)",
                 fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)


def main():
    # One figure from one JSON: --phase (self-attention) or --heat (heat), next to the JSON unless named.
    single = {"--phase": (phase, "phase.png"), "--heat": (heat, "heat.png")}
    if len(sys.argv) > 2 and sys.argv[1] in single:
        draw, name = single[sys.argv[1]]
        path = sys.argv[2]
        out_png = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(os.path.abspath(path)), name)
        draw(load(path), out_png)
        print(f"figure written: {out_png}")
        return
    if len(sys.argv) != 2:
        sys.exit("usage: figures.py DIR (analyze --figures DIR) | --phase JSON [PNG] | --heat JSON [PNG]")
    folder = sys.argv[1]
    summary = load(os.path.join(folder, "summary.json"))
    scaling(folder, summary, folder)
    fig_path = os.path.join(folder, "figures.json")
    drawn = ["scaling.png"]
    if os.path.exists(fig_path) and "collapse" in load(fig_path):
        collapse(load(fig_path), folder)
        drawn.append("collapse.png")
    print(f"figures written to {folder}: " + ", ".join(drawn))


if __name__ == "__main__":
    main()
