"""Another run's results, read (never built) by a case study: its fit of the task, its
checkpoints and its observations (rules quality and future; the paths: layout.other_run).

That run was made by another config, perhaps elsewhere or by hand, so what is read is
checked first, each problem one line naming the config field: missing or unreadable files,
a fit of another task or metric, numbers that are not numbers, a checkpoints table that
lacks checkpoints its observations have (a truncated copy), an observations table the fit
could not read. `same_models` checks that a "longer run" trained the same models.
"""
from __future__ import annotations

import json
import math
import os

import pandas as pd

from emergence.observations import InputError, check_obs

CHECKPOINT_COLUMNS = {"ckpt", "size", "flops", "pretrain_loss"}


def _refuse(field: str, what: str):
    raise SystemExit(f"error: {field}: {what}")


def _number_or_null(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))


def read(paths: dict, field: str, task: str | None = None, metric: str | None = None) -> tuple:
    """(fit, checkpoints, observations) of another run; SystemExit with one line naming `field`
    when something is missing or does not fit (that run's config has not been run here yet,
    or its files are not what this study compares against)."""
    missing = [f for f in paths.values() if not os.path.exists(f)]
    if missing:
        _refuse(field, f"{missing[0]} not found; run that config first (make run CONFIG=<its config>)")
    try:
        with open(paths["fit"]) as f:
            fit = json.load(f)
        ck, obs = pd.read_csv(paths["checkpoints"]), pd.read_csv(paths["observations"])
    except (ValueError, OSError, UnicodeDecodeError) as e:  # JSON, CSV and encoding errors
        _refuse(field, f"cannot read that run's files ({type(e).__name__}: "
                       f"{str(e).splitlines()[0] if str(e) else ''})")
    if not isinstance(fit, dict):
        _refuse(field, f"{paths['fit']} is not a fit (a JSON object)")
    for key, want in (("task", task), ("metric", metric)):
        if want is not None and fit.get(key) != want:
            _refuse(field, f"{paths['fit']} is a fit of {key} {fit.get(key)!r}, expected {want!r}")
    for key in ("emergence_point_mle", "ground_truth"):
        if not _number_or_null(fit.get(key)):
            _refuse(field, f"{paths['fit']}: {key} is {fit.get(key)!r}, expected a finite number or null")
    lacking = CHECKPOINT_COLUMNS - set(ck.columns)
    if lacking:
        _refuse(field, f"{paths['checkpoints']} lacks column(s) {', '.join(sorted(lacking))}")
    loss, flops = pd.to_numeric(ck["pretrain_loss"], errors="coerce"), pd.to_numeric(ck["flops"], errors="coerce")
    if loss.isna().any() or not loss.map(math.isfinite).all() or (loss <= 0).any():
        _refuse(field, f"{paths['checkpoints']}: column pretrain_loss has missing, non-numeric or non-positive values")
    # FLOPs may be unknown (a hub series without tokens_per_step), never text, infinite or negative
    if (flops.isna() & ck["flops"].notna()).any() or (flops.abs() == math.inf).any() or (flops < 0).any():
        _refuse(field, f"{paths['checkpoints']}: column flops has non-numeric, infinite or negative values")
    try:
        check_obs(obs, where=paths["observations"])
    except InputError as e:
        _refuse(field, str(e))
    unknown = sorted(set(obs["ckpt"].astype(str)) - set(ck["ckpt"].astype(str)))
    if unknown:
        _refuse(field, f"{paths['checkpoints']} lacks {len(unknown)} checkpoint(s) its observations have "
                       f"(first: {unknown[0]}); a truncated copy?")
    return fit, ck, obs


def same_models(own: pd.DataFrame, other: pd.DataFrame, field: str, rtol: float = 1e-3) -> int:
    """The checkpoints both runs name must have the same pretraining loss: a longer run
    trains the same models further, on the same corpus, scored on the same held-out text.
    Where both know their FLOPs they must agree too: the study scores its forecast in FLOPs,
    and a series read from folders states params and tokens per step by hand.
    Returns how many were compared (0: no shared names, e.g. a larger series)."""
    both = own.merge(other, on=["ckpt", "size"], suffixes=("", "_other"))
    if both.empty:
        return 0
    a, b = both["pretrain_loss"].astype(float), both["pretrain_loss_other"].astype(float)
    off = (a - b).abs() > rtol * b.abs()
    if off.any():
        r = both[off].iloc[0]
        _refuse(field, f"checkpoint {r['ckpt']} has pretrain_loss {r['pretrain_loss']:.4g} here and "
                       f"{r['pretrain_loss_other']:.4g} there: not the same models (another corpus, "
                       "held-out text or seed?)")
    if "flops" in both and "flops_other" in both:
        f, g = pd.to_numeric(both["flops"], errors="coerce"), pd.to_numeric(both["flops_other"], errors="coerce")
        off = f.notna() & g.notna() & ((f - g).abs() > rtol * g.abs())
        if off.any():
            r = both[off].iloc[0]
            _refuse(field, f"checkpoint {r['ckpt']} has flops {r['flops']:.4g} here and {r['flops_other']:.4g} "
                           "there: check params and tokens_per_step of this series")
    return len(both)
