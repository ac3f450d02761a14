"""Priors of the emergence-law fit, set from the rows being fitted.

The paper uses flat bounded priors; it does not say which bounds [SPEC: flat bounded priors
are our choice]. Fixed wide bounds (C in [-10, 20], slopes in [0, 100]) let a flat
likelihood carry the posterior anywhere: on the default toy, a converged chain put 44 % of
E(D0) below 0 nats. What a loss is tells us more, so (all our choice):

- every emergence point E(D), for D0 and each fitted D, and the law's C (E at D = 1 for
  the log power law, D = 0 for the power law) lie in [e_lo, e_hi] =
  [max(0, L_min - m * span), L_max + m * span], with L_min/L_max/span the fitted
  checkpoints' losses and m = `emergence_margin` (default 1): a cross-entropy is never
  below 0, and a prediction further from the data than the data's own span is not one;
- the prior on the prediction is uniform: E(D0) ~ U[e_lo, e_hi], and the largest D's
  emergence point is uniform between E(D0) and the range's end (the law is monotone);
- alpha ~ U[alpha] (default [0.02, 4]: 0 would make E flat in D);
- every slope (A, A_<D>, A_fs) ~ U[0, slope_max] with slope_max = `slope_ratio` (10) *
  the fitted metric's range / span: a slope that crosses the observed range within a tenth
  of the observed loss span is already very steep. A flat slope prior is what makes the
  few-shot rows push E(D0) away (the marginal likelihood pays log(slope_max / width) for
  every few-shot row past the elbow), so its width must come from the data, not be 100;
  the MLE's own slopes are always inside (slope_max >= 2 x the largest);
- intercepts (B, Delta) flat on the real line, log sigma ~ U[-12, 3].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULTS = dict(emergence_margin=1.0, slope_ratio=10.0, alpha=(0.02, 4.0))
LOG_SIGMA = (-12.0, 3.0)


@dataclass(frozen=True)
class Priors:
    e_lo: float
    e_hi: float
    alpha: tuple
    slope_max: float
    log_sigma: tuple = LOG_SIGMA

    def as_dict(self):
        return dict(emergence_point=[self.e_lo, self.e_hi], C=[self.e_lo, self.e_hi], alpha=list(self.alpha),
                    slope=[0.0, self.slope_max], log_sigma=list(self.log_sigma))


def from_data(loss, y, emergence_margin=1.0, slope_ratio=10.0, alpha=(0.02, 4.0)) -> Priors:
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    lo, hi = float(loss.min()), float(loss.max())
    span = max(hi - lo, 0.05)  # one checkpoint's loss alone says nothing of a scale: 0.05 nats
    yr = max(float(np.ptp(y)), 1e-6)
    return Priors(e_lo=max(0.0, lo - emergence_margin * span), e_hi=hi + emergence_margin * span,
                  alpha=(float(alpha[0]), float(alpha[1])), slope_max=slope_ratio * yr / span)


def widen_slopes(p: Priors, slopes) -> Priors:
    """Keep the MLE's slopes well inside the slope prior."""
    m = float(np.max(slopes, initial=0.0))
    return p if 2 * m <= p.slope_max else Priors(p.e_lo, p.e_hi, p.alpha, 2 * m, p.log_sigma)
