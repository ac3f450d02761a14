"""Small value helpers shared by the tables, statistics and figures: tolerant of None/NaN."""
from __future__ import annotations

import math

FAIL_NATS = 0.1  # an MLE error above this is a failed prediction (SPEC section 1)
TIE_NATS = 1e-3  # errors closer than this are a tie: a law "beats" a forecast by more
# metrics recorded beside a task's own: the continuous log-prob (metric chain, two-step
# baseline) and PassUntil's pass rate (its baseline); never a task's default metric
CONTINUOUS, PASS_RATE = "logprob_norm", "pass_rate"
RISE_SDS = 4.0  # a curve rises by itself when its own ReLU lifts its most capable row this many residual sds
# a lack-of-fit p (law.lack_of_fit) below this calls a fit weak: on bench_recovery's tables drawn
# from the law it fired once in 120 (sd 0.005-0.03), where the prior range excluded the true law
LACK_OF_FIT_P = 0.01


def num(x):
    """A finite float, or None."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def truth_range(fit: dict) -> tuple[float, float] | None:
    """Where a fit's truth could lie, as far as measured: the hull of the reported truth, its own
    bootstrap interval and its elbow on shorter series (law.relu_cuts; one-sided: never a longer
    one). None without a truth or without either measurement (a fit run with no bootstrap): a
    point is no range. Read by the card, the scorecard, the horizon and the case studies."""
    if fit.get("ground_truth") is None:
        return None
    spans = [fit.get(k) for k in ("ground_truth_interval", "ground_truth_cuts") if fit.get(k)]
    if not spans:
        return None
    ends = [fit["ground_truth"]] + [v for sp in spans for v in (sp.get("lo"), sp.get("hi")) if v is not None]
    return min(ends), max(ends)


def error_span(e: float, lo: float, hi: float) -> tuple[float, float]:
    """The least and the most error of a forecast e over truths anywhere in [lo, hi]."""
    return (0.0 if lo <= e <= hi else min(abs(e - lo), abs(e - hi))), max(abs(e - lo), abs(e - hi))


def within_all(e: float, lo: float, hi: float) -> bool:
    """Is a forecast e within FAIL_NATS of every truth in [lo, hi]? (A float's last bit does not
    turn a 0.1 into a miss.)"""
    return error_span(e, lo, hi)[1] <= FAIL_NATS + 1e-9


def is_empty(df) -> bool:
    return df is None or len(df) == 0


def truthy(v) -> bool:
    """A table cell read as a boolean (True, "yes", "1", ...); missing is False."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1")
    return bool(v)
