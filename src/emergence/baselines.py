"""Simpler forecasts of the few-shot emergence point, scored exactly like the law.

Each baseline sees what the law's fit sees (the pre-emergence checkpoints it keeps, after
any hold-out filter) and returns dict(E, reason): E the predicted emergence point in
pretraining loss (None when the baseline cannot say), reason why not or its caveat.
Errors are |E - ground truth| with the truth of emergence.fit (a ReLU elbow over every
few-shot checkpoint).

- trivial: emergence at the most capable checkpoint fitted. A law that cannot beat it
  has not predicted anything beyond the data it was given.
- fewshot_only: a ReLU fitted to the fitted checkpoints' few-shot rows alone (what a
  user without finetuning would extrapolate). Pre-emergence rows are mostly flat, so this
  often has no elbow to give.
- two_step: in the spirit of OLMo's model ladders (pretraining loss -> task loss ->
  accuracy), adapted to data that has not emerged yet. Step 1: the continuous metric
  `logprob_norm` (log p(correct | choices)) of the few-shot rows, linear in pretraining
  loss. Step 2: accuracy as chance + (top - chance) * sigmoid((x - x0) / s) of that metric,
  fitted to every fitted row, finetuned ones included: finetuned pre-emergence models are
  what leave the floor, so they supply the map's rising part that few-shot rows lack.
  The predicted few-shot curve is step 2 after step 1, and its emergence point is the ReLU
  elbow of that curve at the checkpoints' losses (the truth's own definition), or on a
  grid one fitted span past the most capable checkpoint when no loss lies beyond it.
- passuntil (generation tasks with PassUntil pass rates, observations metric `pass_rate`):
  Hu et al.'s law PU(L) = exp(-c L^-alpha) fitted to the fitted checkpoints' sampled pass
  rates (weighted, emergence.passuntil.fit_law, loss as the axis), extrapolated to the loss
  where the pass rate reaches the level at which the pre-emergence selection calls a
  checkpoint emerged (few-shot floor + z noise units). A stated choice: PassUntil predicts
  a pass rate, not an elbow, and sampling at temperature 1 passes less often than greedy
  decoding, so this forecast leans late (to lower loss) when the two differ.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from emergence import law, passuntil as pu_law
from emergence.values import CONTINUOUS, PASS_RATE  # noqa: F401  (the metrics the baselines read)

NAMES = ("trivial", "fewshot_only", "two_step", "passuntil")


def trivial(fit_loss) -> dict:
    fit_loss = np.asarray(fit_loss, float)
    if not len(fit_loss):
        return dict(E=None, reason="no checkpoints fitted")
    return dict(E=float(fit_loss.min()), reason=None)


def contradicted(e0, trivial_E, profile_interval) -> bool:
    """A forecast the fitted checkpoints contradict: emergence predicted before the most
    capable fitted checkpoint (trivial_E), which the selection judged still at the floor,
    and the profile interval does not reach it. The fit's status and the card both ask this."""
    pi = profile_interval or {}
    return trivial_E is not None and e0 > trivial_E and not (pi and pi["lo"] <= trivial_E)


def fewshot_only(loss, y) -> dict:
    """ReLU elbow of the few-shot rows of the fitted checkpoints."""
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    if len(np.unique(loss)) < 3:
        return dict(E=None, reason="fewer than 3 few-shot checkpoints")
    r = law.fit_relu(loss, y)
    if r["A"] <= 0:
        return dict(E=None, reason="the few-shot rows never rise above their floor")
    return dict(E=r["E"], reason=r["reason"])


def _sigmoid_map(x, y, chance):
    """Least squares acc = chance + (top - chance) * sigmoid((x - x0) / s); None when the
    rows do not rise (nothing to pin x0)."""
    if np.ptp(y) < 1e-9 or np.ptp(x) < 1e-9:
        return None
    lo, hi = float(x.min()), float(x.max())
    span = hi - lo

    def f(p, xx):
        return chance + (p[2] - chance) / (1 + np.exp(-(xx - p[0]) / p[1]))

    top_hi = max(1.0, float(y.max()))  # metrics need not live in [0, 1]
    if chance + 1e-3 >= top_hi:
        return None
    best = None
    for x0 in np.linspace(lo, hi + span, 7):  # a few starts: the fit is not convex
        start = [x0, span / 4, float(np.clip(max(y.max(), chance + 0.05), chance + 2e-3, top_hi))]
        r = least_squares(lambda p: f(p, x) - y, x0=start,
                          bounds=([lo - 3 * span, span / 200, chance + 1e-3], [hi + 3 * span, 4 * span, top_hi]))
        if best is None or r.cost < best.cost:
            best = r
    return (lambda xx: f(best.x, xx)), best.x


def two_step(rows: pd.DataFrame, chance: float, all_losses=None) -> dict:
    """rows: the fitted rows with columns pretrain_loss, data_amount, ckpt_id, value (the
    accuracy) and `logprob_norm` (the continuous metric of the same evaluation).
    all_losses: the losses at which the truth's elbow is fitted (x-values only)."""
    if chance is None or not np.isfinite(chance):
        return dict(E=None, reason="no chance level or floor to anchor the accuracy map")
    if CONTINUOUS not in rows or rows[CONTINUOUS].isna().all():
        return dict(E=None, reason=f"no continuous metric ({CONTINUOUS}) in the observations")
    r = rows.dropna(subset=[CONTINUOUS, "value"])
    fs = r[r["data_amount"] == 0].groupby("ckpt_id").agg(L=("pretrain_loss", "mean"), x=(CONTINUOUS, "mean"))
    if len(fs) < 3:
        return dict(E=None, reason="fewer than 3 few-shot checkpoints with the continuous metric")
    if np.ptp(fs["L"].to_numpy(float)) <= 0:  # polyfit scales by the largest |L|: all 0 breaks its SVD
        return dict(E=None, reason="the fitted checkpoints share one loss: no slope in loss")
    b, a = np.polyfit(fs["L"], fs["x"], 1)
    if b >= 0:
        return dict(E=None, reason=f"step 1: {CONTINUOUS} does not improve as the loss falls over the fitted "
                                   f"checkpoints (slope {b:+.4f} per nat)")
    m = _sigmoid_map(r[CONTINUOUS].to_numpy(float), r["value"].to_numpy(float), chance)
    if m is None:
        return dict(E=None, reason="accuracy does not vary over the fitted rows: no map from the metric")
    acc_of_x, (x0, s, top) = m
    if top - chance < 0.05:
        return dict(E=None, reason="the fitted map never rises 0.05 above chance")
    Lfit = fs["L"].to_numpy(float)
    grid = np.asarray(all_losses if all_losses is not None else [], float)
    if not (grid < Lfit.min()).any():
        span = max(np.ptp(Lfit), 1e-3)
        grid = np.linspace(Lfit.max(), Lfit.min() - span, 60)
    pred = acc_of_x(a + b * grid)
    rr = law.fit_relu(grid, pred)
    if rr["A"] <= 0:
        return dict(E=None, reason="the extrapolated few-shot curve does not rise")
    return dict(E=rr["E"], reason=rr["reason"], step1=dict(intercept=float(a), slope=float(b)),
                step2=dict(x0=float(x0), scale=float(s), top=float(top)))


def passuntil(loss, pu, se, level) -> dict:
    """Loss at which PassUntil's law, fitted to the pass rates of the fitted checkpoints,
    reaches `level` (see the module doc). loss, pu, se: one entry per checkpoint."""
    loss, pu = np.asarray(loss, float), np.asarray(pu, float)
    se = np.full(len(pu), np.nan) if se is None else np.asarray(se, float)
    if not len(pu):
        return dict(E=None, reason="no PassUntil pass rates for this task (generation tasks only)")
    if level is None or not 0 < level < 1:
        return dict(E=None, reason=f"no emergence level in (0, 1) to extrapolate to (got {level})")
    ok = (pu > 0) & (pu < 1) & (loss > 0)
    if len(np.unique(loss[ok])) < 3:
        return dict(E=None, reason=f"{int(ok.sum())} fitted checkpoint(s) with a pass rate in (0, 1); the law needs 3")
    w = se[ok] if np.all(se[ok] > 0) else None  # any unknown standard error: unweighted
    f = pu_law.fit_law(loss[ok], pu[ok], w)
    if f["alpha"] >= 0:  # PU = exp(-c L^-alpha) rises as L falls only for alpha < 0
        return dict(E=None, reason=f"pass rates do not rise as the loss falls (alpha {f['alpha']:+.3g})")
    E = float(np.exp((f["log_c"] - np.log(-np.log(level))) / f["alpha"]))
    return dict(E=E, reason=None, level=float(level), law=dict(c=f["c"], alpha=f["alpha"], n=f["n"]))


def score(baselines: dict, truth) -> dict:
    """Add `error` (|E - truth|) to each baseline where both exist."""
    out = {}
    for name, b in baselines.items():
        err = abs(b["E"] - truth) if b.get("E") is not None and truth is not None else None
        out[name] = dict(b, error=err)
    return out
