"""Time the hold-out ablation (Table 2) and the uncertainty table (Table 3, MCMC + bootstrap +
profile) with chains run until converged, on an observations CSV or on two simulated tasks.

    OMP_NUM_THREADS=1 python bench/bench_tables.py [OBSERVATIONS.csv] [--task T] [--chance C]
        [--bootstrap N] [--processes 2]

Aim (issue 13): Table 2 (19 rows) and Table 3 on the default toy in <= 60 s on 2 cores.
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
    p.add_argument("--task", help="one task (default: every task)")
    p.add_argument("--chance", type=float, default=None)
    p.add_argument("--bootstrap", type=int, default=100)
    p.add_argument("--processes", type=int, default=2)
    a = p.parse_args()
    obs = read_obs(a.observations) if a.observations else simulated()
    if a.observations and a.task is None:  # the toy's observations hold a generation task too
        a.task = "rule" if "rule" in set(obs["task"]) else None
    chance = a.chance if a.chance is not None or a.observations else 1 / 6
    if a.observations and a.chance is None and a.task == "rule":
        chance = 1 / 6
    kw = dict(task=a.task, chance=chance, processes=a.processes)

    t0 = time.time()
    out = tables.paper_tables(obs, bootstrap=dict(n=a.bootstrap), which=("uncertainty", "holdout"), **kw)
    wall = time.time() - t0
    t2, t3 = out["holdout"], out["uncertainty"]
    print(tables.to_markdown(t2.drop(columns=["reason"])))
    print(tables.to_markdown(t3.drop(columns=["reason"])))
    conv = t2.mcmc_converged.fillna(False).astype(bool)
    fitted = t2.mcmc_steps.notna()
    print(f"Table 2: {len(t2)} fits; chains converged {int(conv.sum())}/{int(fitted.sum())}, steps median/max "
          f"{t2.mcmc_steps.median():.0f}/{t2.mcmc_steps.max():.0f}; status {t2.status.value_counts().to_dict()}")
    print(f"Table 3: MCMC until converged + {a.bootstrap} multi-start bootstrap refits + profile per task")
    print(f"Tables 2 and 3 together: {wall:.1f} s wall in {a.processes} processes (one pool, Table 3 dealt first)")


if __name__ == "__main__":
    main()
