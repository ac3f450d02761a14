"""Which checkpoints are pre-emergence: the few-shot curve still sits at its floor.

The law is fitted to pre-emergence checkpoints only (SPEC section 1), so this choice decides
what a forecast may see. It must survive ordinary noise: one checkpoint a few standard
errors above the floor (sampling noise, or a checkpoint that happens to guess better) must
not end the set, or the fit loses most of its data (measured on the landed MAD rule: 3 of 6
simulated tables with noise sd 0.015 stopped after 1-6 of 16 checkpoints).

Rule (our choice; SPEC only says "few-shot at the floor"). Walk from the weakest checkpoint
(highest loss) towards lower loss. Each decision sees only that checkpoint and weaker ones.

- floor: the mean few-shot value of the quiet checkpoints so far (at least 3), else `chance`
  when given; without either nothing can be decided yet and the checkpoint is kept.
- noise: the larger of the checkpoint's own standard error (the table's `stderr`: binomial
  for accuracy, from lm-eval's per-sample scores) and the standard deviation of the quiet
  checkpoints about their mean, which needs at least 4 of them and covers noise between
  checkpoints that sampling error misses. From 8 quiet checkpoints on, one far below the
  others (over 7 robust sds under their median: a bad reading) is left out of floor and
  spread (_screen). The floor's own error is added in quadrature.
  When the empirical spread sets the noise, critical values come from Student's t with
  n_quiet - 1 degrees of freedom instead of the normal, so a short floor is not over-trusted.
- a checkpoint is *above* when it lies z (default 3) noise units over the floor (and at
  least `min_margin` in the metric's units). It has *emerged* only if the rise is confirmed:
  the next weaker checkpoint also lay z_confirm (default 1) units above the floor when it
  was judged, or this one lies 2z above, or the two together (their sum / sqrt 2) lie z
  above with each at least z_confirm up (a slow rise). An above but unconfirmed checkpoint
  is kept in the set and left out of the floor estimate; below 8 quiet checkpoints so is one
  over z normal units, though it takes the t value to end the set (a 4-point floor's t
  value, 9.2 units, absorbed a slow rise into the floor and hid it in 12 % of series).
- the set ends just before the first emerged checkpoint; if none emerges, every checkpoint
  is kept (forecast mode: nothing has emerged yet).
- past the FAMILY_N-th (32nd) checkpoint of the walk, ending the set takes a stricter z
  (`family_z`, by position only): each checkpoint is one more chance for noise to pass for a
  rise. A long floor (8 or more quiet values) takes in values up to that z too; a short
  floor still only up to z normal units.

Measured (bench/bench_selection.py) on 2,000 pure floors of 16 checkpoints (noise sd 0.015,
not given): the set ends early in 2.1 % (0.9 % before short floors stopped absorbing at the
t value; a rise of slope 1 from the 5th checkpoint then went unseen in 12.4 % of series, now
0.2 %; the price: a floor value over z units is left out, so the noise is a little low).
With the elbow at the 11th checkpoint (steps of 0.08 nats) the set ends after 11 (few-shot
slope 3), 12 (slope 1) or 13 (slope 0.3) checkpoints in the median:
a slow rise is seen one or two checkpoints late (rising checkpoints then sit in the fit;
the fit JSON counts them as n_kept_past_truth).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats


SCREEN_MADS = 7.0
SCREEN_MIN = 8           # quiet values before their spread is trusted for screening and absorbing
FAMILY_N = 32            # walks up to this many checkpoints use z as given; later decisions a stricter z


def family_z(z: float, i: int) -> float:
    """z for the walk's i-th decision (1-based). Every checkpoint is one more chance for noise
    to pass for a rise, so past the FAMILY_N-th the tail probability of z shrinks like
    (FAMILY_N / i)^2: the chance of a false end over the whole walk stays within about twice
    that of a FAMILY_N-checkpoint walk however long the series. It depends on the position
    only, so each decision still sees only that checkpoint and weaker ones. Pure floors of
    200 and 1,000 checkpoints ended the set early in 20.8 % and 66.5 % of series with z fixed,
    7.5 % and 6.5 % with this (bench/bench_selection.py)."""
    if i <= FAMILY_N:
        return z
    zi = float(stats.norm.isf(stats.norm.sf(z) * (FAMILY_N / i) ** 2))
    return zi if np.isfinite(zi) else z  # z so large that its tail underflows: nothing to correct


@dataclass
class Selection:
    mask: np.ndarray          # pre-emergence, in the input order
    floor: float | None       # the floor when the walk ended
    noise: float | None       # the noise scale when the walk ended
    reason: str               # why the set ends where it does
    excess: list = field(default_factory=list)  # (index, noise units above the floor) per decided checkpoint
    z: float = 3.0            # noise units above the floor that count as emerged (pre_emergence's z)

    @property
    def emerged_level(self) -> float | None:
        """The metric level at which a checkpoint counts as emerged: floor + z noise units."""
        return None if self.floor is None or self.noise is None else self.floor + self.z * self.noise


def _crit(z, df):
    """z as a normal tail, or the Student-t quantile of the same tail probability."""
    return z if df is None else float(stats.t.isf(stats.norm.sf(z), df))  # sf/isf: finite for large z


def _screen(q, k=SCREEN_MADS, n_min=SCREEN_MIN):
    """The quiet values without a gross low outlier. One bad reading (a failed evaluation
    scoring 0) would inflate the floor's spread so much that a slow rise is never confirmed
    (measured: one 0 among 16 floor checkpoints hid a rise of slope 0.3 in 300 of 300
    series). Values more than k robust sds (1.4826 MAD) below the median are dropped, from
    n_min quiet values on: a high outlier is already left out as "above"; below n_min the
    MAD is too rough (a two-sided screen from 5 values doubled the early ends on pure floors)."""
    if len(q) < n_min:
        return q
    med = np.median(q)
    mad = 1.4826 * np.median(np.abs(q - med))
    return q if mad <= 0 else q[med - q <= k * mad]


def pre_emergence(loss, y, se=None, chance=None, z=3.0, z_confirm=1.0, min_margin=0.0, names=None) -> Selection:
    """Choose the pre-emergence checkpoints from one few-shot value per checkpoint.

    loss, y: per checkpoint; se: their standard errors (None or NaN where unknown)."""
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    se = np.full(len(y), np.nan) if se is None else np.asarray(se, float)
    names = [str(i) for i in range(len(y))] if names is None else [str(n) for n in names]
    order = np.argsort(-loss, kind="stable")
    quiet, excess = [], []
    prev_units = -np.inf
    floor = noise = None
    for pos, i in enumerate(order):
        q = _screen(y[quiet])
        floor = float(q.mean()) if len(q) >= 3 else (None if chance is None else float(chance))
        s_emp = float(q.std(ddof=1)) if len(q) >= 4 else 0.0
        s_known = float(se[i]) if np.isfinite(se[i]) else 0.0
        noise = max(s_emp, s_known)
        if floor is None or noise <= 0:
            quiet.append(i)
            prev_units = -np.inf
            continue
        df = len(q) - 1 if s_emp > s_known else None
        sd = noise * np.sqrt(1 + 1 / len(q)) if len(q) >= 3 else noise  # chance as floor: exact
        units = (y[i] - floor) / sd
        excess.append((int(i), float(units)))
        clears = y[i] - floor > min_margin
        zi = family_z(z, pos + 1)  # by position: a series continued later keeps these decisions
        above = units > _crit(zi, df) and clears
        # a run of two: both at least z_confirm up and together z up (sum / sqrt 2)
        run = min(units, prev_units) > _crit(z_confirm, df) and (units + prev_units) / np.sqrt(2) > _crit(zi, df) \
            and clears
        if run or above and (units > 2 * _crit(zi, df) or prev_units > _crit(z_confirm, df)):
            mask = np.zeros(len(y), bool)
            mask[order[:pos]] = True
            why = (f"set ends before {names[i]} (loss {loss[i]:.4g}): few-shot {y[i]:.4g} is {units:.1f} noise "
                   f"units ({sd:.3g}) above the floor {floor:.4g}")
            why += ", confirmed by the weaker checkpoint" if prev_units > _crit(z_confirm, df) and pos else ""
            return Selection(mask, floor, noise, why, excess, z)
        # a short floor (under SCREEN_MIN quiet values) takes only what the normal z calls quiet:
        # its Student-t value (9.2 at 3 degrees of freedom) would absorb a rising checkpoint,
        # widen the spread and hide the rise for good
        if units <= (z if len(q) < SCREEN_MIN else _crit(zi, df)) or not clears:
            quiet.append(i)
        prev_units = units
    n = len(y)
    return Selection(np.ones(n, bool), floor, noise,
                     f"no confirmed rise above the floor: all {n} checkpoints kept (nothing has emerged yet)", excess, z)
