"""Are the MCMC moves exact? Sample targets whose answers are known with the suite's moves
(emergence.uncertainty.moves) and with the DE/snooker mix they replaced, and print means,
variances and autocorrelation times against the exact values. With --from-run, also the
rule task's Full Data posterior of a finished run: the E(D0) percentiles of a converged
chain (the fit's own stopping rule) against a grid integration of the same density.

    .venv/bin/python bench/bench_mcmc_moves.py [--from-run results/toy]
"""
from __future__ import annotations

import argparse
import time

import emcee
import numpy as np

from emergence import uncertainty

MIXES = {"suite (DE 50 / KDE 50, 48 walkers)": (uncertainty.moves, 48),
         # the same mix with emcee's own KDEMove (a scipy gaussian_kde per step), which the
         # suite's numpy kernel replaced for speed: the two should agree within noise
         "DE 50 / emcee KDEMove 50, 48 walkers": (lambda e: [(e.moves.DEMove(), 0.5), (e.moves.KDEMove(), 0.5)], 48),
         "old (DE 80 / snooker 20, 24 walkers)": (lambda e: [(e.moves.DEMove(), 0.8),
                                                             (e.moves.DESnookerMove(), 0.2)], 24),
         # exact too, and cheaper per step than the KDE move, but several times the steps
         "DE 50 / stretch 50, 48 walkers": (lambda e: [(e.moves.DEMove(), 0.5), (e.moves.StretchMove(), 0.5)], 48)}


def gauss(x):
    return -0.5 * np.sum(x ** 2, axis=1)


def banana(x):  # x1 ~ N(0, 1), x2 | x1 ~ N(x1^2, 0.3^2): mean(x2) = 1, var(x2) = 2.09
    return -0.5 * (x[:, 0] ** 2 + ((x[:, 1] - x[:, 0] ** 2) / 0.3) ** 2 + np.sum(x[:, 2:] ** 2, 1))


def bounded(x):  # N(0, 1) cut at x1 >= 0, a hard prior bound: mean 0.798, var 0.363
    out = gauss(x)
    out[x[:, 0] < 0] = -np.inf
    return out


TARGETS = {"gauss": (gauss, "x1 mean 0 var 1, x2 mean 0 var 1"),
           "banana": (banana, "x1 mean 0 var 1, x2 mean 1 var 2.09"),
           "bounded": (bounded, "x1 mean 0.798 var 0.363, x2 mean 0 var 1")}


def sample(logp, mix, nwalkers, steps=20000, seed=1):
    s = emcee.EnsembleSampler(nwalkers, 4, logp, vectorize=True, moves=mix(emcee))
    s.random_state = np.random.RandomState(seed).get_state()
    s.run_mcmc(np.abs(np.random.default_rng(seed).standard_normal((nwalkers, 4))) * 0.5, steps, progress=False)
    return s.get_chain(discard=steps // 10, flat=True), s.get_autocorr_time(tol=0)


def from_run(run_dir):
    """The rule task's Full Data posterior: each mix under the fit's stopping rule, and a grid."""
    import pandas as pd

    from emergence import fit, tables

    obs = pd.read_csv(f"{run_dir}/observations.csv")
    captured = {}
    real = emcee.EnsembleSampler

    class Capture(real):
        def __init__(self, nwalkers, ndim, fn, **kw):
            super().__init__(nwalkers, ndim, fn, **kw)
            captured["fn"], captured["s"] = fn, self

    emcee.EnsembleSampler = Capture
    kw = dict(task=["rule"], which=("holdout",), holdout_names=["Full Data"], per_task={"rule": dict(metric="acc",
              chance=1 / 6)}, seed=0, d0=None, variant="log_power", bootstrap={"n": 0}, **fit.config_options({}))
    chains = {}
    try:
        for name, (mix, nw) in MIXES.items():
            uncertainty.moves, saved = mix, uncertainty.moves
            t0 = time.time()
            try:
                r = tables.paper_tables(obs, mcmc={"nwalkers": nw}, **kw)["holdout"].iloc[0]
            finally:
                uncertainty.moves = saved
            chains[name] = captured["s"].get_chain(flat=True, discard=captured["s"].iteration // 5)
            print(f"  {name}: {r['mcmc_steps']} steps, {time.time() - t0:.1f} s, E(D0) 5 / 95 %: "
                  f"{r['mcmc_p5']:.3f} / {r['mcmc_p95']:.3f}")
    finally:
        emcee.EnsembleSampler = real
    both = np.concatenate(list(chains.values()))
    lo, hi = both.min(0), both.max(0)
    lo, hi = lo - 0.15 * (hi - lo), hi + 0.15 * (hi - lo)
    for n in ([121, 121, 81, 41], [161, 201, 141, 25]):
        ax = [np.linspace(lo[i], hi[i], n[i]) for i in range(4)]
        logs = [captured["fn"](np.stack(np.meshgrid([e0], *ax[1:], indexing="ij"), -1).reshape(-1, 4)) for e0 in ax[0]]
        top = max(np.max(x) for x in logs)
        cdf = np.cumsum([np.exp(x - top).sum() for x in logs])
        p = np.interp([0.05, 0.95], cdf / cdf[-1], ax[0])
        print(f"  grid {'x'.join(map(str, n))} over the chains' box: E(D0) 5 / 95 %: {p[0]:.3f} / {p[1]:.3f}")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--from-run", help="a finished run's folder (its observations.csv): the rule task's posterior")
    a = ap.parse_args(argv)
    for tname, (f, exact) in TARGETS.items():
        print(f"{tname} (exact: {exact})")
        for name, (mix, nw) in MIXES.items():
            x, tau = sample(f, mix, nw)
            m, v = x.mean(0), x.var(0)
            print(f"  {name}: x1 mean {m[0]:.3f} var {v[0]:.3f}, x2 mean {m[1]:.3f} var {v[1]:.3f}, "
                  f"tau {tau[:2].max():.0f}")
    if a.from_run:
        print(f"rule, Full Data, {a.from_run}")
        from_run(a.from_run)


if __name__ == "__main__":
    main()
