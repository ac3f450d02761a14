"""How much the law's own error moves the extrapolated E(D0), linearised: the sandwich
against the re-weighted fit's variance (uncertainty.discrepancy used the latter to 2026-12-05).

    python bench/bench_leverage.py [--cases 5000] [--seed 1]

Each case: a log power law (alpha 0.5-2.5, a 0.7-nat shift from D0 = 4 to D = 1,024), its
gradient X at the finetuned D and x0 at D0, elbow se drawn from 0.003-0.03 (unequal), strays
of known sd tau at every elbow and at D0. The law is fitted to the elbows by weighted least
squares (weights 1/se^2, as the posterior is); the 90 % interval is the fit's E(D0) +-
1.645 sqrt(var0 + extra), extra either tau^2 + the re-weighted fit's variance growth (old) or
tau^2 (1 + |l|^2), l the fit's influence of each elbow on E(D0) (the sandwich). Prints each
one's coverage of the few-shot elbow (law + its stray) per grid and tau. Asserts nothing.
"""
import argparse

import numpy as np

from emergence import law

GRIDS = ((16, 64, 256, 1024), (16, 32, 128, 512, 1024), (16, 32, 64, 128, 256, 1024))


def _var_e0(X, x0, w):
    return x0 @ np.linalg.pinv(X.T @ (X * w[:, None])) @ x0


def coverage(Ds, tau, cases, rng):
    hit = {"old": 0, "sandwich": 0}
    Ds = np.array(Ds, float)
    for _ in range(cases):
        alpha = rng.uniform(0.5, 2.5)
        k = 0.7 / (np.log(1024) ** alpha - np.log(4) ** alpha)
        X, x0 = law.jacobian("log_power", k, alpha, Ds), law.jacobian("log_power", k, alpha, [4.0])[0]
        s2 = rng.uniform(0.003, 0.03, len(Ds)) ** 2
        y = rng.normal(0, np.sqrt(s2)) + tau * rng.normal(0, 1, len(Ds))
        truth = tau * rng.normal()

        w = 1 / s2
        A = X.T @ (X * w[:, None])
        e0 = x0 @ np.linalg.solve(A, X.T @ (w * y))
        v0 = _var_e0(X, x0, w)
        lev = w * (X @ np.linalg.solve(A, x0))
        extra = {"old": tau ** 2 + max(0.0, _var_e0(X, x0, 1 / (s2 + tau ** 2)) - v0), "sandwich": tau ** 2 * (1 + lev @ lev)}
        for name, e in extra.items():
            hit[name] += abs(e0 - truth) <= 1.645 * np.sqrt(v0 + e)
    return {name: h / cases for name, h in hit.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    print("elbows  tau    old  sandwich")
    for Ds in GRIDS:
        for tau in (0.01, 0.03):
            c = coverage(Ds, tau, a.cases, rng)
            print(f"{len(Ds):6d} {tau:.2f} {c['old']:.3f} {c['sandwich']:9.3f}")


if __name__ == "__main__":
    main()
