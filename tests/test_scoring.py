"""Held-out predictive score of a law variant (emergence.scoring)."""
import numpy as np

from emergence import scoring
from emergence.observations import ckpt_ids, simulate_obs


def _rows(obs):
    pre = obs[obs["pretrain_loss"] > 2.9].copy()
    pre["ckpt_id"] = ckpt_ids(pre)
    return pre


def test_score_uses_the_most_capable_checkpoints_and_drops_when_they_are_corrupted():
    rows = _rows(simulate_obs(sigma=0.01, losses=np.linspace(2.95, 4.0, 10), seed=2))
    clean = scoring.heldout_lpd(rows, 6.0, "log_power", k=2)
    assert clean["n_folds"] == 2 and np.isfinite(clean["lpd"])
    worst = rows["pretrain_loss"].min()
    bad = rows.copy()
    hit = (bad["pretrain_loss"] == worst) & (bad["data_amount"] > 0)
    bad.loc[hit, "value"] += 0.2  # the checkpoint a forecast extrapolates to, off the law
    assert scoring.heldout_lpd(bad, 6.0, "log_power", k=2)["lpd"] < clean["lpd"] - 1
