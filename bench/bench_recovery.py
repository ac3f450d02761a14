"""Parameter recovery: simulate observation tables from known laws, fit, and report the MLE
error of E(D0) against the simulated truth and the coverage of the MCMC 90% interval.

    OMP_NUM_THREADS=1 python bench/bench_recovery.py [--seeds 8] [--noise 0.01 0.02 0.04] [--ckpts 8 12]

Aim: median |E_mle - E_true| <= 0.02 nats, 90% interval coverage 85-95%.
"""
import argparse
import time

import numpy as np

from emergence import law
from emergence.fit import fit_task, simulate_obs


def case(seed, sigma, n_ckpts):
    """A random law with E(D0 = 6) in [2.8, 3.1] and a 0.6-0.9 nat shift at D = 1024."""
    rng = np.random.default_rng(1000 + seed)
    alpha = rng.uniform(0.6, 1.6)
    e0, shift = rng.uniform(2.8, 3.1), rng.uniform(0.6, 0.9)
    k = shift / (np.log(1024) ** alpha - np.log(6) ** alpha)
    C = e0 - k * np.log(6) ** alpha
    A = rng.uniform(1.0, 12.0)
    obs = simulate_obs(k=k, alpha=alpha, C=C, A=A, A_fs=0.3, sigma=sigma, seed=seed,
                       losses=np.sort(rng.uniform(2.5, 4.0, n_ckpts)), Ds=(4, 16, 64, 256, 1024))
    return obs, law.law("log_power", k, alpha, C, 6)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=8)
    p.add_argument("--noise", type=float, nargs="+", default=[0.01, 0.02, 0.04])
    p.add_argument("--ckpts", type=int, nargs="+", default=[8, 12])
    p.add_argument("--nsteps", type=int, default=1000)
    a = p.parse_args()
    t0 = time.time()
    print(f"{'noise':>6} {'ckpts':>5} {'n_ok':>4} {'med_err':>8} {'p90_err':>8} {'cover90':>7} {'n_conv':>6} {'unident':>7}")
    all_err, all_cov = [], []
    for sigma in a.noise:
        for n in a.ckpts:
            err, cov, n_unid, n_conv = [], [], 0, 0
            for s in range(a.seeds):
                obs, e_true = case(s, sigma, n)
                r = fit_task(obs, "sim", chance=1 / 6, mcmc=dict(nsteps=a.nsteps), seed=s)
                if r["emergence_point_mle"] is None:
                    n_unid += 1
                    continue
                err.append(abs(r["emergence_point_mle"] - e_true))
                if r["percentiles"]:
                    n_conv += 1
                    cov.append(r["percentiles"]["p5"] <= e_true <= r["percentiles"]["p95"])
            all_err += err
            all_cov += cov
            print(f"{sigma:6.3f} {n:5d} {len(err):4d} {np.median(err):8.4f} {np.percentile(err, 90):8.4f} "
                  f"{np.mean(cov) if cov else float('nan'):7.2f} {n_conv:6d} {n_unid:7d}")
    print(f"overall: fits={len(all_err)} median_err={np.median(all_err):.4f} nats  "
          f"coverage90={np.mean(all_cov):.3f} (n={len(all_cov)})  wall={time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
