"""Does the ground truth depend on how far past emergence a series runs? (issue 15)

The truth is the elbow of a ReLU (with a plateau where an F test prefers one) fitted to the
few-shot metric of every checkpoint (emergence.law.fit_relu, SPEC section 3). On a ragged or
two-stage rise that elbow follows the checkpoints long after the rise: a series stopped
earlier has another truth. For each few-shot curve of finished runs this bench cuts the
series at every later checkpoint (as long as the cut still pins an elbow) and prints:

- `full`: the truth over every checkpoint, as the fit stage reports it;
- `cut range`: the truths of the series stopped at each checkpoint from the `--keep`-th past
  the full truth's elbow to the end (law.relu_cuts), and the largest move from `full` (nats);
- `resid`: the truth's own 90 % interval as the fit stage reports it (a residual bootstrap);
- `pairs`: a 90 % checkpoint (pairs) bootstrap, which does not assume the ReLU is right;
- `noise alone` (with `--null N`): in how many of N draws of the curve's own fitted ReLU plus
  noise of its residual sd, at its own checkpoints, the stops move the truth as far (generous
  to noise: that sd includes the ReLU's misfit);
- `onset`: the loss bracket where the metric first leaves the floor for good: the last
  checkpoint at most `floor + --lift` before the first run of `--run` checkpoints above it;
- per task with a Table 2 (tables/holdout_ablation.csv): the law's rows within 0.1 nats at the
  reported truth, and for every truth in the hull of `full`, `cut range` and `resid` (what the
  forecast card calls the truth's range).

    python bench/bench_truth_window.py results/toy_bands results/toy_bands_s15_l15 [--keep 3]
    python bench/bench_truth_window.py --simulate 30 --null 100 results/toy

`--simulate N`: N clean ReLU curves (41 checkpoints 4.2-3.8 nats, elbow 4.0, slope 1.5 per
nat, noise sd 0.02) per `keep` in 2, 3, 4: how far the stops move a truth the ReLU describes,
against the residual bootstrap's half-width (the scale of its noise).

Reads observations.csv only (no model); seconds per run.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from emergence import law
from emergence.observations import task_frame
from emergence.values import FAIL_NATS


def curves(run: Path):
    """Each task's few-shot curve as its fit sees it (task_frame: its metric, its k-shot rows)."""
    obs = pd.read_csv(run / "observations.csv")
    for task in sorted(obs["task"].astype(str).unique()):
        df = task_frame(obs, task)[0]
        fs = df[(df["method"] == "fewshot") & (df["data_amount"] == 0)]
        # one row a checkpoint, weakest first: the order a series stopped earlier keeps
        g = fs.groupby("ckpt_id", as_index=False).agg(loss=("pretrain_loss", "first"), y=("value", "mean"))
        yield f"{run.name}:{task}", g.sort_values("loss", ascending=False)


def onset(loss, y, lift, run):
    """Loss bracket (last floor checkpoint, first risen) of the first lasting rise, or None."""
    floor = float(np.median(y[: max(3, len(y) // 4)]))
    up = y > floor + lift
    for i in range(1, len(y) - run + 1):
        if up[i : i + run].all() and not up[i - 1]:
            return float(loss[i - 1]), float(loss[i])
    return None


def null_share(L, y, full, keep, observed, n):
    """How often noise alone moves the truth as far: the curve's own fitted ReLU (plateau kept)
    plus Gaussian noise of its residual sd at its own checkpoints, n draws. Generous to noise:
    the residual sd includes the ReLU's misfit."""
    top = np.inf if full["top"] is None else full["E"] - full["top"]
    mean = full["B"] + full["A"] * np.clip(full["E"] - L, 0.0, top)
    sd = float(np.sqrt(full["rss"] / max(len(y) - 3, 1)))
    moves = [c["max_move"] for c in (law.relu_cuts(L, mean + np.random.default_rng(s).normal(0, sd, len(y)), keep,
                                                   plateau=True) for s in range(n)) if c]
    return float(np.mean(np.asarray(moves) >= observed)) if moves else float("nan"), len(moves)


def one(name, g, keep, lift, run, n_boot, n_null=0):
    L, y = g["loss"].to_numpy(), g["y"].to_numpy()
    full = law.fit_relu(L, y, plateau=True)
    if full["reason"] is not None:
        return f"{name:42s} no truth: {full['reason']}", None
    cuts, resid = law.relu_cuts(L, y, keep, plateau=True), law.relu_interval(L, y, plateau=True)
    if cuts is None:
        return f"{name:42s} full {full['E']:.3f}: no earlier stop pins an elbow", None
    rng, pe = np.random.default_rng(0), []
    for _ in range(n_boot):
        i = np.sort(rng.integers(0, len(y), len(y)))
        r = law.fit_relu(L[i], y[i], plateau=True)
        if r["reason"] is None:
            pe.append(r["E"])
    pairs = np.quantile(pe, [0.05, 0.95]) if len(pe) >= n_boot / 2 else (np.nan, np.nan)
    on = onset(L, y, lift, run)
    out = (f"{name:42s} full {full['E']:.3f}{' (plateau)' if full['top'] is not None else '          '}"
           f"  cut range {cuts['lo']:.3f}-{cuts['hi']:.3f} over {cuts['n']} stops, max move {cuts['max_move']:.3f}"
           f" (checkpoints down to loss {cuts['at']:.3f})")
    out += f"  resid {resid['lo']:.3f}-{resid['hi']:.3f}" if resid else "  resid none"
    out += f"  pairs {pairs[0]:.3f}-{pairs[1]:.3f}"
    out += f"  onset between {on[1]:.3f} and {on[0]:.3f}" if on else "  onset none"
    if n_null:
        share, k = null_share(L, y, full, keep, cuts["max_move"], n_null)
        out += f"  noise alone moves it as far in {share:.0%} of {k}"
    ends = [full["E"], cuts["lo"], cuts["hi"]] + ([resid["lo"], resid["hi"]] if resid else [])
    return out, (min(ends), max(ends))


def table2(run: Path, ranges: dict) -> str | None:
    """Table 2's law rows within FAIL_NATS at the reported truth, and for every truth in its range."""
    f = run / "tables" / "holdout_ablation.csv"
    if not f.exists():
        return None
    t = pd.read_csv(f)
    t = t[t["status"] != "not applicable"]  # as the scorecard counts: a row with no prediction is a miss
    lines = []
    for task, g in t.groupby("task"):
        lo, hi = ranges.get(task, (np.nan, np.nan))
        e = g["emergence_point_mle"].to_numpy(float)  # NaN: no prediction, never within
        worst = np.maximum(np.abs(e - lo), np.abs(e - hi))
        lines.append(f"  Table 2 {run.name}:{task}: law within {FAIL_NATS} on {(g['error_nats'] <= FAIL_NATS).sum()}"
                     f" of {len(g)} rows at the reported truth, on {(worst <= FAIL_NATS).sum()} for every truth in "
                     f"{lo:.3f}-{hi:.3f}")
    return "\n".join(lines)


def simulate(n):
    L = np.linspace(4.2, 3.8, 41)
    for keep in (2, 3, 4):
        move, half = [], []
        for seed in range(n):
            y = 1 / 6 + 1.5 * np.maximum(0.0, 4.0 - L) + np.random.default_rng(seed).normal(0, 0.02, len(L))
            move.append(law.relu_cuts(L, y, keep, plateau=True)["max_move"])
            iv = law.relu_interval(L, y, n=100, plateau=True)
            half.append((iv["hi"] - iv["lo"]) / 2)
        print(f"clean ReLU, keep {keep}: max move median {np.median(move):.3f}, p90 {np.quantile(move, 0.9):.3f}; "
              f"residual bootstrap half-width median {np.median(half):.3f} ({n} curves)", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("runs", nargs="*", type=Path, help="results/<name> folders with observations.csv")
    p.add_argument("--keep", type=int, default=3, help="stop no earlier than this many checkpoints past the full elbow")
    p.add_argument("--lift", type=float, default=0.05, help="onset: a checkpoint is up at floor + lift")
    p.add_argument("--run", type=int, default=3, help="onset: this many checkpoints in a row up")
    p.add_argument("--boot", type=int, default=200, help="pairs bootstrap refits")
    p.add_argument("--simulate", type=int, default=0, help="clean ReLU curves per keep (0: none)")
    p.add_argument("--null", type=int, default=0, help="per curve: draws of its own ReLU plus noise (0: none)")
    a = p.parse_args(argv)
    if a.simulate:
        simulate(a.simulate)
    for run in a.runs:
        ranges = {}
        for name, g in curves(run):
            line, rng = one(name, g, a.keep, a.lift, a.run, a.boot, a.null)
            print(line, flush=True)
            if rng:
                ranges[name.split(":")[-1]] = rng
        if t2 := table2(run, ranges):
            print(t2, flush=True)


if __name__ == "__main__":
    main()
