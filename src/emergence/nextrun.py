"""The next finetuning run to buy: which data amount, on which fitted checkpoint, would
narrow the 90 % interval of the predicted emergence point most.

Expected-data design: for each candidate (checkpoint, D) add `n_draws` rows at the value
the fitted law predicts there (the MLE's mean: what the run should show if the law is
right), refit, and take the profile-likelihood interval of E(D0). The candidate with the
narrowest interval is the suggestion; widths before and after are reported. Adding
noise-free rows shrinks the fitted noise a little for every candidate alike, so widths are
compared between candidates, not read as promises. tests/test_nextrun.py checks the
ranking against brute force (noisy simulated runs, refitted).
"""
from __future__ import annotations

from functools import partial

import numpy as np

from emergence import law, uncertainty
from emergence.parallel import map_ordered


def augmented(model: law.Model, theta, L_new: float, D_new: float, n_draws: int) -> law.Model:
    """The model's rows plus n_draws finetuned rows at (L_new, D_new), valued as theta predicts."""
    theta = np.atleast_2d(theta)
    names = model.names
    k, alpha, C = theta[0, :3]
    E = law.law(model.lawname, k, alpha, C, [D_new])[0]
    s = 3 + model.n_slopes
    A = theta[0, 3] if not model.slope_per_D else float(np.max(theta[0, 3:s]))
    B = theta[0, names.index("B")]
    y_new = B + A * max(0.0, E - L_new)
    fs_L = model.L_fs
    loss = np.r_[model.L_ft, fs_L, np.full(n_draws, L_new)]
    y = np.r_[model.y_ft, model.y_fs, np.full(n_draws, y_new)]
    D = np.r_[model.D_ft, np.zeros(len(fs_L)), np.full(n_draws, float(D_new))]
    return law.Model(loss, y, D, model.d0, model.variant, model.slope_per_D)


def width(model: law.Model, priors) -> float | None:
    r = law.fit_mle(model, priors)
    if r is None:
        return None
    pi = uncertainty.profile_interval(model, priors, r)
    return pi["hi"] - pi["lo"]


def candidates(model: law.Model, n_ckpts: int = 2):
    """The most capable fitted checkpoints (lowest loss) x the fitted data amounts and one
    doubling past the largest."""
    Ls = np.unique(model.loss)[:n_ckpts]
    Ds = list(model.Ds) + [2 * float(model.Ds.max())]
    return [(float(L), float(D)) for L in Ls for D in Ds]


def suggest(model: law.Model, priors, mle: dict, n_draws: int = 2, n_ckpts: int = 2, ckpt_names=None,
            processes: int = 1) -> dict:
    """{width_before, options: [{loss, data_amount, width_after}], best}; ckpt_names maps a
    loss to the checkpoint id it belongs to (for the card). processes: candidates refitted side
    by side (emergence.parallel), with the same result."""
    pi = uncertainty.profile_interval(model, priors, mle)
    before = pi["hi"] - pi["lo"]
    cands = candidates(model, n_ckpts)
    widths = map_ordered(partial(width, priors=priors),
                         [augmented(model, mle["theta"], L, D, n_draws) for L, D in cands], processes)
    opts = [dict(loss=L, ckpt=(ckpt_names or {}).get(round(L, 9)), data_amount=D, n_runs=n_draws, width_after=w)
            for (L, D), w in zip(cands, widths)]
    ok = [o for o in opts if o["width_after"] is not None]
    best = min(ok, key=lambda o: o["width_after"]) if ok else None
    return dict(width_before=before, options=opts, best=best,
                method="expected data: n_runs rows at the MLE's prediction, refitted; profile-likelihood 90 % width")
