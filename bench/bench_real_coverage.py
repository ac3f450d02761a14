"""Do the 90 % intervals cover the truth on real toy runs, not only on simulated tables?

    OMP_NUM_THREADS=1 python bench/bench_real_coverage.py results/toy results/toy_s3_l0 ... [--refit]
    OMP_NUM_THREADS=1 python bench/bench_real_coverage.py --simulated 60 [--refits 50]

For each run directory and fitted task, reads the fit JSON (its rows: the `fit_ckpts` of
observations.csv) and prints whether each view's 90 % interval (MCMC, row bootstrap,
profile, predictive) holds the ground truth, and two alternatives measured beside them:
- a checkpoint-cluster bootstrap (resample whole checkpoints, not rows: a checkpoint's rows
  share one base model and test set, so they need not be independent);
- the profile interval widened by the design effect 1 + (m - 1) * rho, rho the residuals'
  intra-checkpoint correlation (one-way ANOVA) and m the rows per checkpoint.
Fitted priors are the defaults (`priors.from_data`), as in the default config.
`--simulated N` asks the same of the two bootstraps on bench_recovery.py's first N simulated
tables (independent rows, so the row bootstrap's assumption holds there): fit_task with
either resampling unit, no MCMC. Prints figures; asserts nothing.
"""
import argparse
import os
import json
import sys

import numpy as np
import pandas as pd
from scipy.stats import chi2

from emergence import law, uncertainty
from emergence import priors as priors_mod
from emergence.fit import fit_task, task_frame


def cluster_bootstrap(L, y, D, d0, pri, variant, n=100, seed=0):
    rng = np.random.default_rng(seed)
    keys = np.unique(L)  # one pretrain loss per checkpoint
    rows = [np.flatnonzero(L == k) for k in keys]
    e0s = []
    for _ in range(n):
        i = np.concatenate([rows[j] for j in rng.integers(0, len(keys), len(keys))])
        m = law.Model(L[i], y[i], D[i], d0, variant)
        r = None if law.degenerate(m) else law.fit_mle(m, pri)
        if r is not None and not law.check_fit(m, r["theta"], pri)[0]:
            e0s.append(r["e0"])
    return np.array(e0s)


def design_effect(res, groups):
    df = pd.DataFrame(dict(r=res, g=groups))
    g = df.groupby("g")["r"]
    n_g, a, N = g.size(), g.ngroups, len(df)
    m0 = (N - (n_g ** 2).sum() / N) / (a - 1)
    msb = (n_g * (g.mean() - df.r.mean()) ** 2).sum() / (a - 1)
    msw = ((df.r - g.transform("mean")) ** 2).sum() / (N - a)
    rho = max((msb - msw) / m0, 0) / (max((msb - msw) / m0, 0) + msw)
    return rho, 1 + (N / a - 1) * rho


def simulated(n_cases, refits):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_recovery import case

    from emergence.fit import fit_task
    row = uncertainty.bootstrap

    def by_checkpoint(loss, y, D, d0, priors, variant="log_power", slope_per_D=False, n=100, seed=0):
        e0s = cluster_bootstrap(np.asarray(loss, float), np.asarray(y, float), np.asarray(D, float), d0, priors,
                                variant, n=n, seed=seed)
        return e0s, n - len(e0s)

    rows = []
    for i in range(n_cases):
        obs, truth, meta = case(i)
        for unit, fn in (("row", row), ("checkpoint", by_checkpoint)):
            uncertainty.bootstrap = fn  # fit_task looks it up at call time
            b = fit_task(obs, "sim", chance=0.25, mcmc=None, bootstrap=dict(n=refits), seed=i)["bootstrap_percentiles"]
            if b:
                rows.append(dict(meta, unit=unit, cover=b["p5"] <= truth <= b["p95"], width=b["p95"] - b["p5"]))
    uncertainty.bootstrap = row
    df = pd.DataFrame(rows)
    print(df.pivot_table(index="sigma", columns="unit", values=["cover", "width"]).round(3).to_string())
    print(df.groupby("unit")[["cover", "width"]].mean().round(3).to_string())


def main(dirs, refit=False):
    hits = {}
    for d in dirs:
        obs = pd.read_csv(f"{d}/observations.csv")
        for t in sorted(set(obs["task"])):
            try:
                f = json.load(open(f"{d}/fits/{t}.json"))
            except FileNotFoundError:
                continue
            if refit:  # this code's views on the run's rows, as the fit stage would (its bootstrap left out)
                f = fit_task(obs, t, f["metric"], chance=f["chance"], num_fewshot=f["num_fewshot"], method=f["method"],
                             d0=f["d0"], variant=f["variant"], mcmc={})
            truth = f.get("ground_truth")
            if truth is None or f.get("emergence_point_mle") is None:
                continue
            df = task_frame(obs, t, f["metric"], f["method"], f["num_fewshot"])[0]
            fd = df[df["ckpt_id"].isin(f["fit_ckpts"])]
            L, y, D = (fd[c].to_numpy(float) for c in ("pretrain_loss", "value", "data_amount"))
            model = law.Model(L, y, D, f["d0"], f["variant"])
            pri = priors_mod.from_data(model.loss, model.y)
            r = law.fit_mle(model, pri)
            pri = uncertainty.slopes_prior(pri, r["theta"], model)
            p_ft, p_fs = model.predict(r["theta"])
            rho, deff = design_effect(np.r_[model.y_ft - p_ft[0], model.y_fs - p_fs[0]],
                                      np.r_[model.L_ft, model.L_fs])
            wide = uncertainty.profile_interval(model, pri, r, level=min(chi2.cdf(chi2.ppf(0.9, 1) * deff, 1), 0.9999))
            cb = cluster_bootstrap(L, y, D, f["d0"], pri, f["variant"])
            iv = {k: (v["lo"], v["hi"]) for k, v in (f.get("intervals") or {}).items() if isinstance(v, dict)}
            iv["cluster bootstrap"] = tuple(np.percentile(cb, [5, 95])) if len(cb) >= 10 else None
            iv["profile x deff"] = (wide["lo"], wide["hi"])
            cells = []
            for k, v in iv.items():
                ok = v is not None and v[0] <= truth <= v[1]
                hits.setdefault(k, []).append(ok)
                cells.append(f"{k} {v[0]:.3f}-{v[1]:.3f} {'Y' if ok else 'n'}" if v else f"{k} -")
            print(f"{d.rstrip('/').split('/')[-1]:11s} {t:9s} mle {f['emergence_point_mle']:.3f} truth {truth:.3f} "
                  f"status {f['status']:5s} rho {rho:.2f} deff {deff:.2f} | " + " | ".join(cells), flush=True)
    print("\ncovered: " + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in hits.items()))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="*")
    ap.add_argument("--simulated", type=int, default=0)
    ap.add_argument("--refits", type=int, default=50)
    ap.add_argument("--refit", action="store_true", help="refit each task with this code (MCMC, no bootstrap) "
                                                          "instead of reading its fit JSON")
    a = ap.parse_args()
    if a.simulated:
        simulated(a.simulated, a.refits)
    main(a.runs, a.refit)
