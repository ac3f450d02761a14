"""The not-yet-emerged case study (paper §7.2): forecast from a series that stopped before
the rule task emerges (configs/toy_future.yaml), checked against the default series, which
trains the same models on the same data for longer (config.yaml).

    python bench/bench_future.py [--run]     # --run: make run both configs first (~10 min)

Prints the forecast (loss, 90 % intervals, status, training FLOPs of size m from its
loss-vs-FLOPs power law) beside what the longer series measured (its few-shot elbow and the
FLOPs at which size m reached it), and checks that the shared checkpoints are bitwise equal.
Output kept in bench/measured/future.txt.
"""
import argparse
import filecmp
import json
import os
import subprocess

import pandas as pd

from emergence import future

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", action="store_true")
    a = p.parse_args()
    runs = {"future": ("configs/toy_future.yaml", "results/toy_future"), "long": ("config.yaml", "results/toy")}
    for cfg, out in runs.values():
        if a.run or not os.path.exists(os.path.join(ROOT, out, "fits", "rule.json")):
            subprocess.run(["make", "run", f"CONFIG={cfg}"], cwd=ROOT, check=True)
    fut, long_ = (os.path.join(ROOT, out) for _, out in runs.values())
    same = filecmp.cmp(f"{fut}/series/toy/m/step130/model.safetensors", f"{long_}/series/toy/m/step130/model.safetensors",
                       shallow=False)
    fit, longer = (json.load(open(f"{d}/fits/rule.json")) for d in (fut, long_))
    c = future.check(fit, pd.read_csv(f"{fut}/checkpoints.csv"), longer, pd.read_csv(f"{long_}/checkpoints.csv"), "m")
    print(f"shared checkpoint toy-m-step130 bitwise equal in both runs: {same}")
    print(f"forecast from {fit['n_ckpts']} checkpoints, none emerged:")
    print(c["verdict"])
    for k, v in c["intervals"].items():
        print(f"  90 % {k:<9} {v['lo']:.3f} - {v['hi']:.3f}  covers the later truth: {c['covered'][k]}")
    if c["flops_pred"]:
        print(f"size m: forecast {c['flops_pred']:.3g} FLOPs = {c['flops_pred'] / c['flops_last']:.2f}x its last "
              f"checkpoint; 90 % {c['flops_lo']} - {c['flops_hi']} (None: beyond the loss law's asymptote)")

if __name__ == "__main__":
    main()
