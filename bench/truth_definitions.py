"""Harness: is there a ground truth that does not follow the checkpoints long after the rise? (issue 15)

The SPEC's truth is the elbow of one ReLU (with a plateau where an F test prefers it) over every
checkpoint (emergence.law.fit_relu). On curved or two-stage rises it moves with where the series
stops (bench/bench_truth_window.py). Candidates, each a function of one few-shot curve:

- `spec`: the SPEC's ReLU over every checkpoint;
- `window k`: the same ReLU over the checkpoints down to the k-th past its own elbow, iterated to a
  fixed point (a local fit: checkpoints further on cannot move it once k are past);
- `half`: the same ReLU over the checkpoints down to the first that reaches half the rise from the
  floor (median of the weakest quarter) to the curve's best.

For each: its value on every curve of finished runs, how far it moves on shorter series (the
checkpoints down to each loss past its own elbow from the third on, as law.relu_cuts), and where the
metric first leaves the floor; and, on clean simulated ReLU curves, its error against the known elbow.

    OMP_NUM_THREADS=1 python bench/truth_definitions.py results/toy results/toy_bands [--simulate 30]

Reads observations.csv only; prints figures, asserts nothing. Harness only: the pipeline's truth
is the SPEC's.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench_truth_window import curves, onset  # noqa: E402  (run from the repository root or bench/)
from emergence import law


def spec(L, y):
    r = law.fit_relu(L, y, plateau=True)
    return r["E"] if r["reason"] is None else None


def window(k):
    def f(L, y):
        """A fixed point of "the ReLU over the checkpoints down to the k-th past its elbow", or None
        (a window that pins no elbow, or no convergence in 20 steps)."""
        e = spec(L, y)
        for _ in range(20):
            if e is None:
                return None
            past = np.unique(L[L < e])[::-1]
            if len(past) < k:
                return e
            keep = L >= past[k - 1]
            e2 = spec(L[keep], y[keep])
            if e2 is None or abs(e2 - e) < 1e-6:
                return e2
            e = e2
        return None
    return f


def half(L, y):
    order = np.argsort(-L)  # weakest first
    Ls, ys = L[order], y[order]
    floor = float(np.median(ys[: max(3, len(ys) // 4)]))
    reach = np.flatnonzero(ys >= floor + 0.5 * (ys.max() - floor))
    if not len(reach):
        return None
    keep = L >= Ls[reach[0]]
    return spec(L[keep], y[keep])


DEFS = {"spec": spec, "window 4": window(4), "window 6": window(6), "half": half}


def moves(f, L, y, keep=3):
    """The definition's value, its largest move on the shorter series that give it one (None: none
    does), and how many of them do, of how many tried."""
    e = f(L, y)
    if e is None:
        return None, None, 0, 0
    stops = np.unique(L[L < e])[::-1][keep - 1: -1]
    got = [abs(e2 - e) for e2 in (f(L[L >= c], y[L >= c]) for c in stops) if e2 is not None]
    return e, (max(got) if got else None), len(got), len(stops)


def simulate(n):
    L = np.linspace(4.2, 3.8, 41)
    for name, f in DEFS.items():
        err = []
        for seed in range(n):
            y = 1 / 6 + 1.5 * np.maximum(0.0, 4.0 - L) + np.random.default_rng(seed).normal(0, 0.02, len(L))
            e = f(L, y)
            err.append(np.nan if e is None else e - 4.0)
        err = np.asarray(err)
        print(f"clean ReLU (elbow 4.0, sd 0.02, {n} curves) {name:9s}: bias {np.nanmean(err):+.4f}, "
              f"sd {np.nanstd(err):.4f}, none {int(np.isnan(err).sum())}", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("runs", nargs="*", type=Path)
    p.add_argument("--simulate", type=int, default=0)
    a = p.parse_args(argv)
    if a.simulate:
        simulate(a.simulate)
    for run in a.runs:
        for name, g in curves(run):
            L, y = g["loss"].to_numpy(), g["y"].to_numpy()
            on = onset(L, y, 0.05, 3)
            cells = []
            for d, f in DEFS.items():
                e, m, n, tried = moves(f, L, y)
                cells.append(f"{d} " + ("-" if e is None else f"{e:.3f} (moves " + ("-" if m is None else f"{m:.3f}")
                                        + f", {n}/{tried} stops)"))
            print(f"{name:28s} " + "  ".join(cells) + ("  onset %.3f-%.3f" % (on[1], on[0]) if on else "  onset -"),
                  flush=True)


if __name__ == "__main__":
    main()
