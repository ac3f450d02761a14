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

from emergence import horizon

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
    fit = json.load(open(f"{fut}/fits/rule.json"))
    truth_fit = json.load(open(f"{long_}/fits/rule.json"))
    ck_f, ck_l = pd.read_csv(f"{fut}/checkpoints.csv"), pd.read_csv(f"{long_}/checkpoints.csv")
    fc = horizon.flops_forecast(ck_f, fit, size="m")
    truth = truth_fit["ground_truth"]
    f_true = horizon.flops_at_loss(ck_l, "m", truth)
    iv = fit.get("intervals") or {}
    print(f"shared checkpoint toy-m-step130 bitwise equal in both runs: {same}")
    print(f"forecast (toy_future, {fit['n_ckpts']} checkpoints, none emerged): status {fit['status']}; "
          f"MLE {fit['emergence_point_mle']:.3f} nats")
    for k, v in iv.items():
        if isinstance(v, dict):
            cover = v["lo"] <= truth <= v["hi"]
            print(f"  90 % {k:<9} {v['lo']:.3f} - {v['hi']:.3f}  covers the later truth: {cover}")
    print(f"later truth (default series' few-shot elbow): {truth:.3f} nats; error {abs(fit['emergence_point_mle'] - truth):.3f}")
    print(f"trivial forecast (most capable fitted checkpoint): {(fit.get('baselines') or {}).get('trivial', {}).get('E')}")
    if fc:
        print(f"in compute, size m: forecast {fc['flops_mle']:.3g} FLOPs ({fc['ratio_mle']:.2f}x its last checkpoint "
              f"{fc['flops_last']:.3g}); 90 % {fc['flops_lo']:.3g} - {fc['flops_hi']:.3g}")
    if f_true:
        print(f"measured along the longer run: size m reached {truth:.3f} nats at {f_true:.3g} FLOPs "
              f"({f_true / fc['flops_last']:.2f}x); forecast/measured = {fc['flops_mle'] / f_true:.2f}")


if __name__ == "__main__":
    main()
