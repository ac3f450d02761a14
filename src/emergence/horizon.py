"""Statistics behind "how far ahead": compute ahead of the fitted checkpoints (Fig. 7) and the
loss-vs-parameters law that converts an emergence loss into a model size (Fig. 10)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from emergence.fit import FAIL_NATS
from emergence.tables import last_rows
from emergence.values import is_empty as _empty
from emergence.values import num as _num
from emergence.values import truthy as _truthy
from emergence.values import truth_range, within_all


# ---------------------------------------------------------------------------------------------
# how far ahead in compute (Figure 7)

def compute_horizon(holdout: pd.DataFrame, fit: dict, checkpoints: pd.DataFrame, task: str | None = None,
                    max_k: int | None = None, size: str | None = None) -> pd.DataFrame | None:
    """How much compute ahead each 'Full Data' / '-k Last Checkpoints' row of Table 2 predicts.

    Measured along one training run (series, size): by default the run that crosses the
    emergence point (it has both pre- and post-emergence checkpoints; the one with the most
    checkpoints, then the smallest), since FLOPs ratios between model sizes do not say how far
    ahead one run's prediction is. The pre-emergence set is the full-data fit's `fit_ckpts`;
    row '-k' drops its k most capable checkpoints over all sizes (tables.holdout_rows). For
    each row: the most capable checkpoint of the run still used, and the multiple of its FLOPs
    that the run's first post-emergence checkpoint and the true emergence point (log-FLOPs
    interpolated in loss along the run) need; `ratio_truth_early` the same for the earliest truth in
    the truth's own range (values.truth_range) and `within_range` whether the row's forecast is within
    FAIL_NATS of every truth there. None if fit_ckpts, FLOPs or such a run are missing."""
    fit = fit or {}
    task = task or fit.get("task")
    pre = [str(c) for c in fit.get("fit_ckpts") or []]
    need = {"ckpt", "series", "size", "flops", "pretrain_loss"}
    if not pre or _empty(checkpoints) or not need <= set(checkpoints.columns) or _empty(holdout):
        return None
    ck = checkpoints.drop_duplicates(["series", "ckpt"]).copy()
    ck["flops"] = pd.to_numeric(ck["flops"], errors="coerce")
    ck["pretrain_loss"] = pd.to_numeric(ck["pretrain_loss"], errors="coerce")
    ck = ck.dropna(subset=["flops", "pretrain_loss"])
    ck["series"], ck["size"] = ck["series"].astype(str), ck["size"].astype(str)
    ck["pre"] = ck["ckpt"].astype(str).isin(pre) | (ck["series"] + "/" + ck["ckpt"].astype(str)).isin(pre)
    runs = ck.groupby(["series", "size"]).agg(n=("ckpt", "size"), n_pre=("pre", "sum"), fmin=("flops", "min"))
    runs = runs[(runs["n_pre"] > 0) & (runs["n_pre"] < runs["n"])]
    if size is not None:
        runs = runs[runs.index.get_level_values("size") == str(size)]
    if runs.empty:
        return None
    series_, size_ = runs.sort_values(["n", "fmin"], ascending=[False, True], kind="stable").index[0]
    run = ck[(ck["series"] == series_) & (ck["size"] == size_)].sort_values("flops")
    order = ck[ck["pre"]].sort_values("pretrain_loss", kind="stable")["ckpt"].astype(str).tolist()  # most capable first
    post = run[~run["pre"]]
    truth = _num(fit.get("ground_truth"))
    Ls, Fs = run["pretrain_loss"].to_numpy(float), np.log(run["flops"].to_numpy(float))

    def flops_at(loss):  # log-FLOPs interpolated in loss along the run; None off its range
        ok = loss is not None and len(run) >= 2 and Ls.min() <= loss <= Ls.max() and np.all(np.diff(Ls) < 0)
        return float(np.exp(np.interp(loss, Ls[::-1], Fs[::-1]))) if ok else None

    # the truth's own range (values.truth_range): the earliest truth in it is the least compute ahead
    rng = truth_range(fit)
    f_true, f_early = flops_at(truth), flops_at(rng[1]) if rng else None
    h = holdout[holdout["task"].astype(str) == str(task)] if "task" in holdout.columns else holdout
    rows = []
    names = last_rows(h["ablation"].unique())  # as deep as Table 2 goes (fit.last_checkpoints)
    for name in names:
        k = 0 if name == "Full Data" else int(name.split()[0][1:])
        if max_k is not None and k > max_k:
            break
        r = h[h["ablation"] == name]
        used = run[run["pre"] & run["ckpt"].astype(str).isin(order[k:])]
        if r.empty or used.empty:
            continue
        r = r.iloc[0]
        last = used.sort_values("flops").iloc[-1]
        nxt = post[post["flops"] > last["flops"]]
        nxt = nxt.iloc[0] if len(nxt) else None
        err, e = _num(r.get("error_nats")), _num(r.get("emergence_point_mle"))
        failed = r.get("failed")
        failed = _truthy(failed) if failed is not None and not (isinstance(failed, float) and math.isnan(failed)) \
            else (err is None or err > FAIL_NATS)
        rows.append(dict(ablation=name, k=k, series=series_, size=size_, last_ckpt=last["ckpt"],
                         last_loss=float(last["pretrain_loss"]), last_flops=float(last["flops"]),
                         next_ckpt=None if nxt is None else nxt["ckpt"],
                         next_flops=None if nxt is None else float(nxt["flops"]), truth_flops=f_true,
                         ratio_next=None if nxt is None else float(nxt["flops"] / last["flops"]),
                         ratio_truth=None if f_true is None else f_true / float(last["flops"]),
                         ratio_truth_early=None if f_early is None else f_early / float(last["flops"]),
                         within_range=None if e is None or rng is None else within_all(e, *rng),
                         error_nats=err, failed=failed, status=r.get("status"),
                         trivial_error=_num(r.get("trivial_error"))))
    return pd.DataFrame(rows) if rows else None


def lift_horizon(obs: pd.DataFrame, fit: dict, truth_flops: float | None, min_lift: float = 0.1,
                 n: int = 2, run: tuple[str, str] | None = None, task: str | None = None) -> dict | None:
    """How far ahead the finetuned rows let a '-k Last Checkpoints' row see, at most in practice: a
    row fitted on checkpoints where no finetuned run has left the floor has no elbow to
    extrapolate, and one with a single such checkpoint rarely pins the law (measured on the band
    series, docs/toy.md: no guarantee). Among the fit's pre-emergence checkpoints, those where a
    run finetuned by the fit's method scores at least `min_lift` above the fit's floor, by FLOPs;
    returns the n-th one's name, FLOPs and the multiple of them at which the task truly emerges
    (truth_flops, as compute_horizon measures it along the run; `run` = its (series, size) keeps
    the checkpoints to that run, since FLOPs ratios across model sizes say nothing of how far
    ahead). None without a positive truth_flops or with fewer than n such checkpoints."""
    fit = fit or {}
    task = task or fit.get("task")
    pre = {str(c) for c in fit.get("fit_ckpts") or []}
    floor, t_flops = _num(fit.get("floor")), _num(truth_flops)
    need = {"task", "ckpt", "method", "value", "flops"}
    if t_flops is None or not t_flops > 0 or not pre or floor is None or _empty(obs) or not need <= set(obs.columns):
        return None
    named = obs["ckpt"].astype(str).isin(pre)  # fit_ckpts name a checkpoint, or series/checkpoint
    if "series" in obs.columns:
        named |= (obs["series"].astype(str) + "/" + obs["ckpt"].astype(str)).isin(pre)
    o = obs[(obs["task"].astype(str) == str(task)) & (obs["method"].astype(str) == str(fit.get("method"))) & named]
    if fit.get("metric") is not None and "metric" in o.columns:  # e.g. the metric chain's log-probs beside acc
        o = o[o["metric"].astype(str) == str(fit["metric"])]
    if run is not None and {"series", "size"} <= set(o.columns):
        o = o[(o["series"].astype(str) == str(run[0])) & (o["size"].astype(str) == str(run[1]))]
    v, f = pd.to_numeric(o["value"], errors="coerce"), pd.to_numeric(o["flops"], errors="coerce")
    o = o.assign(flops=f)[(v >= floor + min_lift) & (f > 0)]  # NaN compares False: dropped
    lifted = o.groupby("ckpt")["flops"].first().sort_values()
    if len(lifted) < n:
        return None
    return dict(ckpt=str(lifted.index[n - 1]), flops=float(lifted.iloc[n - 1]),
                ratio_truth=t_flops / float(lifted.iloc[n - 1]))


# ---------------------------------------------------------------------------------------------
# the loss-vs-parameters law (Figure 10)

def fit_loss_vs_params(N, L, min_power_points: int = 4) -> dict:
    """Fit the final loss of each model size against its parameter count N.

    'power' form L(N) = a * N^(-b) + c when there are at least `min_power_points` sizes
    (3 parameters plus one degree of freedom), else 'loglinear' L(N) = u + v * ln N (exact
    through 2 sizes; needs at least 2). The power law is fitted by profiling the
    asymptote c over a grid below min(L) (for fixed c, ln(L - c) is linear in ln N) and
    polishing with bounded least squares. Returns dict(form, a, b, c) or dict(form, u, v),
    plus rss and n. Raises ValueError with fewer than 2 distinct sizes."""
    from scipy.optimize import least_squares

    N, L = np.asarray(N, float), np.asarray(L, float)
    ok = np.isfinite(N) & np.isfinite(L) & (N > 0)
    N, L = N[ok], L[ok]
    if len(np.unique(N)) < 2:
        raise ValueError("need at least 2 model sizes to fit L(N)")
    x = np.log(N)
    if len(np.unique(N)) < min_power_points:
        v, u = np.polyfit(x, L, 1)
        return dict(form="loglinear", u=float(u), v=float(v), rss=float(((u + v * x - L) ** 2).sum()), n=len(N))
    xr = x.mean()  # work with (N / Nref) so a is O(1)
    span = np.ptp(L) or 1.0
    best = None
    for c in L.min() - span * np.geomspace(1e-3, 50, 120):
        s, la = np.polyfit(x - xr, np.log(L - c), 1)
        if s >= 0:
            continue
        rss = float(((c + np.exp(la + s * (x - xr)) - L) ** 2).sum())
        if best is None or rss < best[0]:
            best = (rss, la, -s, c)
    if best is None:  # loss does not fall with size: no power law
        v, u = np.polyfit(x, L, 1)
        return dict(form="loglinear", u=float(u), v=float(v), rss=float(((u + v * x - L) ** 2).sum()), n=len(N))
    _, la, b, c = best

    def res(p):
        return p[2] + np.exp(p[0] - p[1] * (x - xr)) - L

    r = least_squares(res, [la, b, c], bounds=([-np.inf, 1e-6, -np.inf], [np.inf, 10.0, L.min() - 1e-9]),
                      x_scale=[1.0, max(b, 0.05), span], xtol=1e-14, ftol=1e-14, gtol=1e-14)
    la, b, c = r.x
    a = float(np.exp(la + b * xr))  # a * N^-b = exp(la) * (N/Nref)^-b
    return dict(form="power", a=a, b=float(b), c=float(c), rss=float((res(r.x) ** 2).sum()), n=len(N))


def loss_of_params(law_fit: dict, N):
    N = np.asarray(N, float)
    if law_fit["form"] == "power":
        return law_fit["c"] + law_fit["a"] * N ** (-law_fit["b"])
    return law_fit["u"] + law_fit["v"] * np.log(N)


def params_of_loss(law_fit: dict, L):
    """Inverse of L(N): the parameter count reaching loss L (inf when L is at or below the
    power law's asymptote c, or the log-linear slope is not negative)."""
    L = np.asarray(L, float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if law_fit["form"] == "power":
            out = np.where(L > law_fit["c"], ((L - law_fit["c"]) / law_fit["a"]) ** (-1.0 / law_fit["b"]), np.inf)
        elif law_fit["v"] < 0:
            out = np.exp((L - law_fit["u"]) / law_fit["v"])
        else:
            out = np.full_like(L, np.inf)
    return out


def final_checkpoints(checkpoints: pd.DataFrame, series: str | None = None) -> pd.DataFrame | None:
    """One checkpoint per size of one series (the series with the most sizes when not
    given), with numeric params and pretrain_loss: each size's last checkpoint at or before
    the largest token count every size reached (with a tokens column), else its min-loss one."""
    if _empty(checkpoints) or "params" not in checkpoints.columns:
        return None
    ck = checkpoints.copy()
    ck["params"] = pd.to_numeric(ck["params"], errors="coerce")
    ck["pretrain_loss"] = pd.to_numeric(ck["pretrain_loss"], errors="coerce")
    ck = ck.dropna(subset=["params", "pretrain_loss"])
    if series is None and len(ck):
        series = ck.groupby("series")["size"].nunique().sort_values(ascending=False, kind="stable").index[0]
    ck = ck[ck["series"].astype(str) == str(series)]
    if ck.empty:
        return None
    if "tokens" in ck.columns and pd.to_numeric(ck["tokens"], errors="coerce").notna().all():
        # sizes compared at the same training tokens: the most any size's run and every other
        # size reached. Their own final checkpoints can have different step counts (the toy's s
        # trains 240 steps, m 180), which made L(N) rise with N.
        ck["tokens"] = pd.to_numeric(ck["tokens"])
        t_common = ck.groupby("size")["tokens"].max().min()
        ck = ck[ck["tokens"] <= t_common]
        ck = ck.loc[ck.groupby("size")["tokens"].idxmax()]
    else:
        ck = ck.loc[ck.groupby("size")["pretrain_loss"].idxmin()]
    return ck.sort_values("params").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# a forecast in compute: when will a run that has not yet emerged get there (Figs. 10 and 18)

def flops_forecast(checkpoints: pd.DataFrame, fit: dict, size: str | None = None, tail: float = 0.5) -> dict | None:
    """The training FLOPs at which one run (series, size) reaches the predicted emergence loss.

    The run's loss against FLOPs is fitted with the same saturating power law as L(N)
    (fit_loss_vs_params: L = c + a C^-b) on its last `tail` share of checkpoints (warm-up
    excluded: early loss falls faster than any power law; only the fit's own pre-emergence
    checkpoints, `fit_ckpts`, when it lists them), then inverted at the MLE and at
    the 5th / 95th posterior percentiles (monotone, so the interval maps to an interval;
    a loss at or below the law's asymptote maps to inf: never, at this model size). The run:
    `size` of the fitted series, else the size with the most checkpoints (then the largest).
    Returns dict(series, size, flops_last, loss_last, flops_mle, flops_lo, flops_hi, ratio_mle
    = flops_mle / flops_last, law) or None without FLOPs, a prediction or >= 4 checkpoints."""
    fit = fit or {}
    e = _num(fit.get("emergence_point_mle"))
    if e is None or _empty(checkpoints) or not {"flops", "pretrain_loss", "size"} <= set(checkpoints.columns):
        return None
    ck = checkpoints.copy()
    ck["flops"] = pd.to_numeric(ck["flops"], errors="coerce")
    ck["pretrain_loss"] = pd.to_numeric(ck["pretrain_loss"], errors="coerce")
    ck = ck.dropna(subset=["flops", "pretrain_loss"])
    ck["size"] = ck["size"].astype(str)
    pre = {str(c) for c in fit.get("fit_ckpts") or []}
    if pre:  # a forecast uses nothing past emergence: the fit's own checkpoints, by id or series/id
        ids = ck["ckpt"].astype(str) if "ckpt" in ck else pd.Series("", index=ck.index)
        full = (ck["series"].astype(str) + "/" + ids) if "series" in ck else ids
        ck = ck[ids.isin(pre) | full.isin(pre)]
    if size is None:
        n = ck.groupby("size").agg(n=("ckpt", "size"), f=("flops", "max"))
        if n.empty:
            return None
        size = n.sort_values(["n", "f"], ascending=False, kind="stable").index[0]
    run = ck[ck["size"] == str(size)].sort_values("flops")
    run = run.iloc[int(len(run) * (1 - tail)):] if len(run) * tail >= 4 else run.iloc[-4:]
    if len(run) < 4 or run["flops"].nunique() < 2 or (run["flops"] <= 0).any():
        return None  # FLOPs that do not grow along the run: no law in compute
    law = fit_loss_vs_params(run["flops"], run["pretrain_loss"])
    pct = fit.get("percentiles") or {}
    lo_hi = [_num(pct.get("p95")), _num(pct.get("p5"))]  # a lower loss needs more compute
    inv = {k: (float(params_of_loss(law, v)) if v is not None else None)
           for k, v in (("flops_mle", e), ("flops_lo", lo_hi[0]), ("flops_hi", lo_hi[1]))}
    last = run.iloc[-1]
    return dict(series=str(last.get("series", "")), size=str(size), flops_last=float(last["flops"]),
                loss_last=float(last["pretrain_loss"]), **inv,
                ratio_mle=inv["flops_mle"] / float(last["flops"]), law=law)


def flops_at_loss(checkpoints: pd.DataFrame, size: str, loss: float) -> float | None:
    """Training FLOPs at which one size's run reached `loss`: log-FLOPs interpolated linearly
    in loss between the two checkpoints that straddle it (None outside the run or without a
    falling loss along it). What a run measured, where flops_forecast extrapolates."""
    run = checkpoints[checkpoints["size"].astype(str) == str(size)].copy()
    run["flops"] = pd.to_numeric(run["flops"], errors="coerce")
    run["pretrain_loss"] = pd.to_numeric(run["pretrain_loss"], errors="coerce")
    run = run.dropna(subset=["flops", "pretrain_loss"]).sort_values("flops")
    Ls, Fs = run["pretrain_loss"].to_numpy(float), np.log(run["flops"].to_numpy(float))
    if loss is None or len(run) < 2 or not Ls.min() <= loss <= Ls.max() or not np.all(np.diff(Ls) < 0):
        return None
    return float(np.exp(np.interp(loss, Ls[::-1], Fs[::-1])))
