"""Refit the Full Data forecast from the accuracy pivots a pipeline record keeps (issue 15).

A record such as bench/measured/toy_clean3_pipeline.txt prints, per run and task, accuracy by
step (rows) and D (columns; 0 = few-shot) with the step's loss: with one subset per D that is
the whole finetuned table, so the law can be refitted offline after results/ is gone. Prints
one line per (run, task, variant): MLE, truth, error, the trivial forecast's error, status,
the lack-of-fit p and the 90 % profile interval with whether it holds the truth.

    .venv/bin/python bench/pivot_refit.py bench/measured/toy_clean3_pipeline.txt [--slope-per-d]
    .venv/bin/python bench/pivot_refit.py results/<run>/observations.csv   # a run still on disk

Variants: `all` (the rows as the pipeline fits them), `ceil` (each D's rows after its first
at the metric's ceiling, >= 0.99, dropped: a plateau at 1.0 that a ReLU cannot follow) and
`cens` (rows at the ceiling read as censored, approximately: a row at the ceiling that the fit
already puts at or above it costs a censored likelihood almost nothing, so it is dropped; one the
fit puts below it stays, as an ordinary row pulling the rise up; refitted until the rows dropped
stop changing, at most 10 rounds; 'cens<n>!' where no fixed point came; not with --slope-per-d).
"""
import argparse
import re

import numpy as np
import pandas as pd

from emergence.fit import fit_task
from emergence.law import law


def load(path: str) -> dict:
    """{(run, task): observations} from the '# <run> <task>' pivots of a record."""
    lines, out, i = open(path).read().splitlines(), {}, 0
    while i < len(lines):
        m = re.match(r"^# ((?:[a-z_]+_)?s\d+_l\d+) (\S+)$", lines[i])
        if not m:
            i += 1
            continue
        cols, rows, j = lines[i + 1].split()[2:], [], i + 3
        while j < len(lines) and re.match(r"^\s*\d+\s", lines[j]):
            step, loss, *vals = lines[j].split()
            for c, v in zip(cols, vals):
                if v != "NaN":
                    D = int(c)
                    rows.append(dict(task=m.group(2), ckpt=f"m{int(step):04d}", series="toy", size="m",
                                     pretrain_loss=float(loss), num_fewshot=8, metric="exact_match",
                                     method="fewshot" if D == 0 else "lora", data_amount=D,
                                     subset_sample=0 if D == 0 else 1, value=float(v)))
            j += 1
        out[(m.group(1), m.group(2))], i = pd.DataFrame(rows), j
    return out


def drop_ceiling(obs: pd.DataFrame, top: float = 0.99) -> pd.DataFrame:
    ft = obs[obs["method"] != "fewshot"].sort_values("pretrain_loss", ascending=False)
    keep = []
    for _, g in ft.groupby(["data_amount", "subset_sample"]):
        past = (g["value"] >= top).cumsum().shift(fill_value=0) > 0  # rows after the first at the ceiling
        keep += g.index[~past].tolist()
    return pd.concat([obs[obs["method"] == "fewshot"], obs.loc[keep]]).sort_index()


def censored(obs: pd.DataFrame, task: str, top: float = 0.99, rounds: int = 10, **kw) -> tuple[dict, str]:
    """fit_task with ceiling rows the fit predicts at or above `top` dropped, iterated to a fixed
    point; (fit, rounds as 'cens<n>', or 'cens<n>!' where no fixed point came within `rounds`).
    The shared-slope log power law only (the ReLU's prediction is written out here)."""
    if kw.get("slope_per_D") or kw.get("variant", "log_power") != "log_power":
        raise SystemExit("cens: the shared-slope log_power law only")
    drop = pd.Index([])
    for i in range(1, rounds + 1):
        r = fit_task(obs.drop(index=drop), task, chance=0.0, seed=0, **kw)
        p = r.get("params")
        if not p:
            return r, f"cens{i}"
        ft = obs[(obs["method"] != "fewshot") & (obs["value"] >= top)]
        E = law("log_power", p["k"], p["alpha"], p["C"], ft["data_amount"].to_numpy(float))
        pred = p["B"] + p["A"] * np.maximum(0.0, E - ft["pretrain_loss"].to_numpy())
        new = ft.index[pred >= top]
        if new.equals(drop):
            return r, f"cens{i}"
        drop = new
    return r, f"cens{rounds}!"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("record")
    ap.add_argument("--slope-per-d", action="store_true")
    a = ap.parse_args()
    if a.record.endswith(".csv"):  # a run's own observations: its exact-match rows, every subset
        o = pd.read_csv(a.record)
        o = o[o["metric"] == "exact_match"]
        tables = {(a.record.split("/")[-2], t): g for t, g in o.groupby("task")}
    else:
        tables = load(a.record)
    for (run, task), obs in tables.items():
        for name, o in (("all", obs), ("ceil", drop_ceiling(obs))) + ((("cens", obs),) if not a.slope_per_d else ()):
            if name == "cens":
                r, name = censored(obs, task)
            else:
                r = fit_task(o, task, chance=0.0, seed=0, slope_per_D=a.slope_per_d)
            e, t, pi = r.get("emergence_point_mle"), r.get("ground_truth"), r.get("profile_interval") or {}
            held = "-" if None in (e, t, pi.get("lo")) else ("holds" if pi["lo"] <= t <= pi["hi"] else "misses")
            lof = (r.get("lack_of_fit") or {}).get("p")
            f = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
            print(f"{run} {task:5s} {name:6s} rows {r['n_rows']:3d}  E {f(e)}  truth {f(t)}  error {f(r.get('error_nats'))}"
                  f"  trivial {f(r.get('baseline_trivial_error'))}  {r.get('status')}  lack-of-fit p "
                  f"{'-' if lof is None else f'{lof:.2g}'}  profile 90 % [{f(pi.get('lo'))}, {f(pi.get('hi'))}] {held}",
                  flush=True)


if __name__ == "__main__":
    main()
