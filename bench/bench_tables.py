"""Time the hold-out ablation (Table 2, MCMC per row) and the uncertainty table (Table 3,
MCMC + bootstrap) on an observations CSV, or on two simulated tasks.

    OMP_NUM_THREADS=1 python bench/bench_tables.py [OBSERVATIONS.csv] [--chance C] [--bootstrap N]

Aim: <= 60 s for Table 2 on ~2 tasks with 2 cores.
"""
import argparse
import time

import numpy as np
import pandas as pd

from emergence import tables
from emergence.fit import read_obs, simulate_obs


def simulated():
    a = simulate_obs(task="simA", sigma=0.02, A=4.0, seed=0, losses=np.linspace(2.5, 4.0, 10),
                     Ds=(2, 4, 16, 64, 256, 1024))
    b = simulate_obs(task="simB", k=0.05, alpha=1.8, C=2.82, A=10.0, sigma=0.02, seed=1,
                     losses=np.linspace(2.5, 4.0, 12), Ds=(2, 8, 32, 128, 512, 1024))
    return pd.concat([a, b], ignore_index=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("observations", nargs="?")
    p.add_argument("--chance", type=float, default=None)
    p.add_argument("--bootstrap", type=int, default=100)
    p.add_argument("--nsteps", type=int, default=tables.DEFAULT_MCMC["nsteps"])
    a = p.parse_args()
    obs = read_obs(a.observations) if a.observations else simulated()
    chance = a.chance if a.chance is not None or a.observations else 1 / 6
    mcmc = dict(tables.DEFAULT_MCMC, nsteps=a.nsteps)

    t0 = time.time()
    t2 = tables.holdout_ablation(obs, chance=chance, mcmc=mcmc)
    t_2 = time.time() - t0
    print(tables.to_markdown(t2.drop(columns=["reason"])))
    fits = t2[t2.status != "unidentifiable"]
    print(f"Table 2: {len(t2)} fits in {t_2:.1f} s ({t_2 / len(t2):.2f} s/fit); "
          f"ESS min/median {fits.ess.min():.0f}/{fits.ess.median():.0f}; "
          f"MCMC converged {int(fits.mcmc_converged.fillna(False).astype(bool).sum())}/{len(fits)} identified fits")

    t0 = time.time()
    t3 = tables.uncertainty_table(obs, chance=chance, mcmc=mcmc, bootstrap=dict(n=a.bootstrap))
    t_3 = time.time() - t0
    print(tables.to_markdown(t3.drop(columns=["reason"])))
    print(f"Table 3 (MCMC + {a.bootstrap} bootstrap refits per task): {t_3:.1f} s")
    print(f"total {t_2 + t_3:.1f} s")


if __name__ == "__main__":
    main()
