"""Held-out predictive score of a law variant: how well a fit on the other pre-emergence
checkpoints predicts the finetuned observations of a checkpoint it did not see.

A forecasting user has no ground truth, so variants (log power, power, no few-shot term)
are ranked by what the data can say: for each of the `k` most capable fitted checkpoints
in turn, refit the MLE without its rows and score them by their Gaussian log density under
the refit (its prediction, and the noise of its own finetuned residuals). The score is the mean log density per held-out
finetuned row (higher is better; few-shot rows are left out because the no_fewshot variant
does not predict them); the most capable checkpoints are the ones a forecast extrapolates
towards, so they are the fair test.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from emergence import law, priors as priors_mod


def heldout_lpd(rows: pd.DataFrame, d0: float, variant: str = "log_power", k: int = 3, priors=None) -> dict:
    """rows: the pre-emergence rows of one fit (pretrain_loss, value, data_amount, ckpt_id).
    Returns dict(lpd, n_rows, n_folds, reason)."""
    order = rows.groupby("ckpt_id")["pretrain_loss"].mean().sort_values(kind="stable").index[:k]
    total, n, folds = 0.0, 0, 0
    for c in order:
        train, held = rows[rows["ckpt_id"] != c], rows[rows["ckpt_id"] == c]
        m = law.Model(train["pretrain_loss"], train["value"], train["data_amount"], d0, variant)
        if law.degenerate(m):
            continue
        pri = priors_mod.from_data(m.loss, m.y, **(priors or {}))
        r = law.fit_mle(m, pri)
        if r is None:
            continue
        h = law.Model(held["pretrain_loss"], held["value"], held["data_amount"], d0, variant)
        if not len(h.y_ft) or h.fewshot != m.fewshot:
            continue
        # finetuned rows only: every variant predicts them (no_fewshot has no few-shot term),
        # so the scores compare like with like
        p_ft, _ = h.predict(r["theta"])
        y, p = h.y_ft, p_ft[0]
        # the noise from the refit's own finetuned residuals: the fitted sigma also absorbs the
        # few-shot rows, which the no_fewshot variant does not fit, and would confound the ranking
        tr_ft, _ = m.predict(r["theta"])
        s = float(max(np.sqrt(np.mean((m.y_ft - tr_ft[0]) ** 2)), 1e-6))
        total += float(np.sum(-0.5 * ((y - p) / s) ** 2 - np.log(s) - 0.5 * np.log(2 * np.pi)))
        n += len(y)
        folds += 1
    if not n:
        return dict(lpd=None, n_rows=0, n_folds=0, reason="no fold could be fitted")
    return dict(lpd=total / n, n_rows=n, n_folds=folds, reason=None)
