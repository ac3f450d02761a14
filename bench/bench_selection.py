"""The pre-emergence rule on noise: how often a pure floor ends the set early, and how late a
real rise is seen.

    python bench/bench_selection.py [--floors 2000] [--rises 500]

16 checkpoints at losses 4.0 .. 2.8 (steps of 0.08 nats), accuracy floor 0.25 (chance given),
noise sd 0.015 not given to the rule; the rise starts at loss 3.2 (the 11th checkpoint), with
few-shot slopes 0.3, 1 and 3 per nat; then the same rises with one floor checkpoint read
as 0 (a bad reading); then a short floor (the rise from the 5th checkpoint, chance not
given). The numbers quoted in emergence/selection.py.
"""
import argparse

import numpy as np

from emergence import selection


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--floors", type=int, default=2000)
    p.add_argument("--rises", type=int, default=500)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    loss = np.linspace(4.0, 2.8, 16)
    kept = np.array([selection.pre_emergence(loss, 0.25 + 0.015 * rng.standard_normal(16), chance=0.25).mask.sum()
                     for _ in range(a.floors)])
    print(f"pure floor, {a.floors} series: set ended early in {np.mean(kept < 16):.1%}")
    for slope in (0.3, 1.0, 3.0):
        kept = np.array([selection.pre_emergence(
            loss, 0.25 + slope * np.maximum(0, 3.2 - loss) + 0.015 * rng.standard_normal(16), chance=0.25).mask.sum()
            for _ in range(a.rises)])
        print(f"rise from the 11th checkpoint, slope {slope}: kept median {np.median(kept):.0f} of 16 "
              f"(never ended: {np.mean(kept == 16):.1%}, ended before the elbow: {np.mean(kept < 11):.1%})")
    # one bad reading: a floor checkpoint (2nd-8th weakest) scored 0, e.g. a failed evaluation
    for slope in (0.3, 1.0, 3.0):
        kept = []
        for _ in range(a.rises):
            y = 0.25 + slope * np.maximum(0, 3.2 - loss) + 0.015 * rng.standard_normal(16)
            y[rng.integers(1, 8)] = 0.0
            kept.append(selection.pre_emergence(loss, y, chance=0.25).mask.sum())
        kept = np.array(kept)
        print(f"same with one floor checkpoint read as 0, slope {slope}: kept median {np.median(kept):.0f} of 16 "
              f"(never ended: {np.mean(kept == 16):.1%})")
    # a short floor: the rise starts at the 5th checkpoint (loss 3.68), chance not given, so
    # the floor and its spread come from 4 quiet checkpoints (Student t, 3 degrees of freedom)
    for slope in (0.3, 1.0, 3.0):
        kept = np.array([selection.pre_emergence(
            loss, 0.25 + slope * np.maximum(0, 3.68 - loss) + 0.015 * rng.standard_normal(16)).mask.sum()
            for _ in range(a.rises)])
        print(f"short floor (rise from the 5th checkpoint, chance not given), slope {slope}: kept median "
              f"{np.median(kept):.0f} of 16 (never ended: {np.mean(kept == 16):.1%}, kept past the elbow by 3 "
              f"or more: {np.mean(kept >= 8):.1%})")
    kept = np.array([selection.pre_emergence(loss, 0.25 + 0.015 * rng.standard_normal(16)).mask.sum()
                     for _ in range(a.floors)])
    print(f"pure floor, chance not given, {a.floors} series: set ended early in {np.mean(kept < 16):.1%}")
    # long series (a Pythia-like one has 154 checkpoints): z grows along the walk beyond
    # selection.FAMILY_N checkpoints; "z fixed" is the walk without that (FAMILY_N unbounded)
    for fam, label in ((10**9, "z fixed at 3"), (selection.FAMILY_N, "z growing past the 32nd")):
        old_fam, selection.FAMILY_N = selection.FAMILY_N, fam
        for n in (50, 200, 1000):
            reps = max(a.floors // (10 if n > 200 else 5), 20)
            long_loss = np.linspace(4.0, 2.8, n)
            kept = np.array([selection.pre_emergence(long_loss, 0.25 + 0.015 * rng.standard_normal(n),
                                                     chance=0.25).mask.sum() for _ in range(reps)])
            line = f"{label}: pure floor of {n} checkpoints, {reps} series: set ended early in {np.mean(kept < n):.1%}"
            if n == 200:  # how late a real rise (from loss 3.2) is then seen, in nats past the elbow
                for slope in (0.3, 1.0, 3.0):
                    past = [3.2 - long_loss[min(selection.pre_emergence(
                        long_loss, 0.25 + slope * np.maximum(0, 3.2 - long_loss) + 0.015 * rng.standard_normal(n),
                        chance=0.25).mask.sum(), n - 1)] for _ in range(a.rises // 5)]
                    line += f"; rise of slope {slope} seen {np.median(past):.3f} nats past the elbow (median)"
            print(line, flush=True)
        selection.FAMILY_N = old_fam


if __name__ == "__main__":
    main()
