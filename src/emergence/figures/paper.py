"""The paper's figures of the law itself: 3 (curves), 4 (fit), 5 (CDF), 6 (ablations), 12 (recipes), 13 (continuous metric)."""
from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from emergence import law as _law  # noqa: E402
from emergence.fit import FAIL_NATS  # noqa: E402
from emergence.observations import ckpt_ids as _ckpt_ids  # noqa: E402
from emergence.values import is_empty as _empty  # noqa: E402
from emergence.values import LACK_OF_FIT_P  # noqa: E402
from emergence.values import num as _num  # noqa: E402
from emergence.figures.style import (  # noqa: E402
    CHANCE, FEWSHOT_COLOR, LOSS_LABEL, TRUE, WIDTH, _chance_line, _chance_of, _close_marks, _default_method,
    _default_metric, _fewshot, _fmt_D, _legend_below, _legend_right, _loss_axis, _mark_emergence,
    _metric_label, _nshot, _plot_runs, _rank_key, _recipe_label, _styled, _task_rows, d_palette,
    size_markers, zoom_loss_axis,
)


# ---------------------------------------------------------------------------------------------
# Figure 3: few-shot vs finetuned against loss

def _draw_metric_panel(ax, df, method, pal, markers, chance=None, fit=None, emergence=True):
    """Few-shot (black) and finetuned (colour per D, marker per size) metric against loss.
    Returns the legend handles of what was drawn."""
    fs = _fewshot(df)
    ft = df[(df["method"] == method) & (df["data_amount"] > 0)] if method else df.iloc[:0]
    if len(fs):
        _plot_runs(ax, fs, FEWSHOT_COLOR, markers, ms=4.5, lw=1.4, band=False, zorder=5)
    for d, g in ft.groupby("data_amount"):
        _plot_runs(ax, g, pal[int(d)], markers, ms=3.5)
    handles = _chance_line(ax, chance)
    if emergence:
        handles += _mark_emergence(ax, fit)
    _loss_axis(ax)
    return handles


def _legend_handles(df, method, pal, markers, groups=False):
    """Few-shot + one entry per D, then one per model size (as two rows when groups)."""
    h = [Line2D([], [], color=FEWSHOT_COLOR, lw=1.4, label=f"few-shot ({_nshot(df)}-shot)")] \
        if _nshot(df) is not None else []
    Ds = sorted(df.loc[(df["method"] == method) & (df["data_amount"] > 0), "data_amount"].unique()) if method else []
    h += [Line2D([], [], color=pal[int(d)], lw=2, label=_fmt_D(d)) for d in Ds]
    sz = [Line2D([], [], color="grey", marker=m, lw=0, ms=5, label=f"size {s}") for s, m in markers.items()] \
        if len(markers) > 1 else []
    return [h, sz] if groups else h + sz


def _zoom_to_finetuned(ax, df, ft_losses, fit):
    """style.zoom_loss_axis with the fit's prediction and truth as the marked points."""
    zoom_loss_axis(ax, df, ft_losses, [_num(fit.get("emergence_point_mle")), _num(fit.get("ground_truth"))])


@_styled
def fig3(obs: pd.DataFrame, fit: dict, task: str, chance: float | None = None, title: str = ""):
    """Few-shot and finetuned metric against pretraining loss (the paper's Fig. 3).

    obs: observations table; fit: the task's fit JSON (gives metric, method, emergence points;
    may be {}). One line per model size (marker) and per finetuning data amount D (colour),
    mean over subset samples with a min-max band; few-shot in black. None if the task has no
    rows for the metric."""
    fit = fit or {}
    df = _task_rows(obs, task)
    if df is None:
        return None
    metric = _default_metric(df, fit)
    df = _task_rows(df, task, metric)
    if df is None:
        return None
    method = _default_method(df, fit)
    pal = d_palette(df["data_amount"])
    markers = size_markers(df["size"])
    fig, ax = plt.subplots(figsize=(WIDTH * 0.72, 3.3))
    extra = _draw_metric_panel(ax, df, method, pal, markers, _chance_of(fit, chance), fit)
    _zoom_to_finetuned(ax, df, df.loc[(df["method"] == method) & (df["data_amount"] > 0), "pretrain_loss"]
                       if method else df.iloc[:0], fit)
    ax.set_ylabel(_metric_label(metric, _nshot(df)))
    ax.set_title(title or f"{task}: few-shot vs {_recipe_label(method) if method else 'finetuned'}")
    h = _legend_handles(df, method, pal, markers)
    _legend_right(ax, h + extra, title=f"finetuned: {_recipe_label(method)}" if method else None)
    return fig


# ---------------------------------------------------------------------------------------------
# Figure 4: the MLE law fit

def _slope(params, d):
    return _num(params.get(f"A_{int(d):g}", params.get(f"A_{d:g}", params.get("A")))) or 0.0


def free_elbow(rows: pd.DataFrame, n: int = 100) -> dict | None:
    """One D's own elbow: a ReLU with its own slope fitted to that D's rows alone, and its
    90 % residual-bootstrap interval (law.relu_interval; it covers a known elbow in 41 of 50
    simulated noisy ReLUs, so read it as a little narrow). None when the rows do not pin one:
    a rise under law.RISE_SDS residual sds (law.own_rise), fewer than two checkpoints past
    the elbow, none at the floor, or most refits unpinned."""
    L, y = rows["pretrain_loss"].to_numpy(float), rows["value"].to_numpy(float)
    rise = _law.own_rise(L, y)
    r = _law.fit_relu(L, y) if rise is not None and rise >= _law.RISE_SDS else None
    iv = _law.relu_interval(L, y, n=n) if r is not None and r["reason"] is None else None
    return None if iv is None else dict(E=r["E"], lo=min(iv["lo"], r["E"]), hi=max(iv["hi"], r["E"]))


@_styled
def fig4(obs: pd.DataFrame, fit: dict, task: str | None = None, chance: float | None = None, title: str = ""):
    """The MLE emergence-law fit of one task (the paper's Fig. 4).

    Left: the finetuned data (colour per D; filled = checkpoints used in the fit, hollow =
    held out / post-emergence) with the fitted ReLU B + A*max(0, E(D) - L) per D; few-shot
    data as black stars; in grey the extrapolated few-shot prediction with its elbow at
    E(D0) (drawn with the finetuned slope A: the few-shot slope is not identified from
    pre-emergence rows). Right: the law E(D) itself against D, extrapolated to D0, beside
    each D's own elbow (a free-slope ReLU on that D's fitted rows alone, with its 90 %
    residual-bootstrap interval): the law's points share one slope, so how far they spread
    is partly the law's doing; the free elbows show what each D's data say by itself.
    None if the fit has no parameters (unidentifiable) or the task has no rows."""
    fit = fit or {}
    params = fit.get("params") or {}
    task = task or fit.get("task")
    e0 = _num(fit.get("emergence_point_mle"))
    if not params or e0 is None:
        return None
    df = _task_rows(obs, task, fit.get("metric"))
    if df is None:
        return None
    method = _default_method(df, fit)
    ft = df[(df["method"] == method) & (df["data_amount"] > 0)]
    fs = _fewshot(df)
    if ft.empty:
        return None
    variant = fit.get("variant", "log_power")
    lawname = "power" if variant == "power" else "log_power"
    k, alpha, C = (float(params[n]) for n in ("k", "alpha", "C"))
    B = float(params.get("B", 0.0))
    d0 = float(fit.get("d0") or 1.0)
    pal = d_palette(df["data_amount"])
    used = {str(c) for c in fit.get("fit_ckpts") or []}
    ids = _ckpt_ids(df)
    infit = ids.isin(used) if used else pd.Series(True, index=df.index)

    # a rate (accuracy, exact match) stops at 1: the ReLUs are drawn up to it, not past it
    top = 1.0 if df["value"].max() <= 1.0 else np.inf
    fig, (ax, axl) = plt.subplots(1, 2, figsize=(WIDTH, 3.0), gridspec_kw=dict(width_ratios=[1.65, 1]))
    losses = df["pretrain_loss"]
    span = losses.max() - losses.min()
    x = np.linspace(losses.min() - 0.03 * span, losses.max() + 0.03 * span, 400)
    for d, g in ft.groupby("data_amount"):
        c = pal[int(d)]
        m = g.assign(used=infit[g.index]).groupby(["ckpt", "used"], as_index=False).agg(
            loss=("pretrain_loss", "mean"), y=("value", "mean"))
        ax.scatter(m.loc[m.used, "loss"], m.loc[m.used, "y"], color=c, s=14, zorder=3, lw=0)
        ax.scatter(m.loc[~m.used, "loss"], m.loc[~m.used, "y"], facecolor="none", edgecolor=c, s=14, lw=0.8, zorder=3)
        E = float(_law.law(lawname, k, alpha, C, d))
        ax.plot(x, np.minimum(B + _slope(params, d) * np.maximum(0.0, E - x), top), color=c, lw=1.3, zorder=2)
    if len(fs):
        m = fs.assign(used=infit[fs.index]).groupby(["ckpt", "used"], as_index=False).agg(
            loss=("pretrain_loss", "mean"), y=("value", "mean"))
        ax.scatter(m.loc[m.used, "loss"], m.loc[m.used, "y"], marker="*", color=FEWSHOT_COLOR, s=40, zorder=5, lw=0)
        ax.scatter(m.loc[~m.used, "loss"], m.loc[~m.used, "y"], marker="*", facecolor="white",
                   edgecolor=FEWSHOT_COLOR, s=40, lw=0.7, zorder=5)
    A_pred = max(_slope(params, min(int(d) for d in ft["data_amount"].unique())), 0.0)
    base = B + (_num(params.get("Delta")) or 0.0)
    ax.plot(x, np.minimum(base + A_pred * np.maximum(0.0, e0 - x), top), color="grey", lw=2.2, alpha=0.8, zorder=4)
    if used:
        lo = df.loc[infit, "pretrain_loss"]
        if len(lo):
            ax.axvspan(lo.min(), x.max(), color="0.5", alpha=0.07, lw=0, zorder=0)
    extra = _chance_line(ax, _chance_of(fit, chance)) + _mark_emergence(ax, fit, band=False)
    _loss_axis(ax)
    _zoom_to_finetuned(ax, df, ft["pretrain_loss"], fit)
    ax.set_ylabel(_metric_label(fit.get("metric") or _default_metric(df), _nshot(df)))
    ax.set_title(f"(a) MLE fit, {variant} law")

    # (b) the law E(D) against D, extrapolated to D0
    Ds = np.array(sorted(int(d) for d in ft["data_amount"].unique()), float)
    dgrid = np.geomspace(min(d0, Ds.min()) if lawname == "power" else max(min(d0, Ds.min()), 1.0), Ds.max() * 1.3, 200)
    axl.plot(dgrid, _law.law(lawname, k, alpha, C, dgrid), color="0.3", lw=1.2)
    for d in Ds:
        axl.scatter([d], [_law.law(lawname, k, alpha, C, d)], color=pal[int(d)], s=30, zorder=3)
    n_free = 0
    for d, g in ft[infit[ft.index]].groupby("data_amount"):
        e = free_elbow(g)
        if e is None:
            continue
        n_free += 1
        x_off = d * 1.12  # beside the law's point, not on it
        axl.errorbar([x_off], [e["E"]], yerr=[[e["E"] - e["lo"]], [e["hi"] - e["E"]]], fmt="o", mfc="white",
                     mec=pal[int(d)], ecolor=pal[int(d)], ms=4.5, lw=0.9, capsize=2, zorder=2)
    axl.scatter([d0], [e0], color="tab:red", marker="*", s=90, zorder=4)
    t = _num(fit.get("ground_truth"))
    if t is not None:
        axl.axhline(t, **TRUE)
    axl.set_xscale("log")
    axl.set_xlabel("finetuning examples D")
    axl.set_ylabel("emergence point E(D) (nats, inverted)")
    lof = fit.get("lack_of_fit") or {}
    p_lof = _num(lof.get("p"))
    # the F test of the law against a free elbow per D (law.lack_of_fit): says in the panel
    # whether the law's points are where the data put each D's elbow
    axl.set_title("(b) fitted law E(D) at each D" + ("" if p_lof is None else
                  f"\nlaw vs free elbows: p {'< 1e-6' if p_lof < 1e-6 else f'= {p_lof:.2g}'}"
                  + (" (misfit)" if p_lof < LACK_OF_FIT_P else "")),
                  fontsize=None if p_lof is None else 9)
    if not axl.yaxis_inverted():
        axl.invert_yaxis()  # same orientation as the loss axis: further along = more capable

    hd = [Line2D([], [], color=pal[int(d)], lw=1.3, marker="o", ms=4, label=_fmt_D(d)) for d in Ds]
    h2 = [Line2D([], [], color="grey", lw=2.2, alpha=0.8, label=f"predicted few-shot, elbow E(D0 = {d0:g})"),
          Line2D([], [], marker="*", color=FEWSHOT_COLOR, lw=0, ms=7, label="few-shot data"),
          Line2D([], [], marker="o", mfc="none", color="0.3", lw=0, ms=5, label="not used in the fit"),
          Patch(color="0.5", alpha=0.15, label="loss range fitted")]
    h3 = extra + [Line2D([], [], color="tab:red", marker="*", lw=0, ms=8, label="E(D0): prediction")]
    h2 += [Line2D([], [], color="0.3", marker="o", mfc="white", lw=0.9, ms=4.5,
                  label=f"(b) D's own elbow, 90 % ({n_free}/{len(Ds)} pinned)")]
    _legend_below(fig, [hd, h2, h3])
    fig.suptitle(title or f"{task}: emergence-law fit", y=1.0)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# Figure 5: CDF of the posterior

def _pct_cdf(p):
    """Piecewise-linear CDF through percentiles {'p5': x, ...}: (x, F) arrays."""
    pts = sorted((float(k[1:]) / 100.0, float(v)) for k, v in (p or {}).items()
                 if re.fullmatch(r"p\d+(\.\d+)?", str(k)) and _num(v) is not None)
    if len(pts) < 2:
        return None
    F, x = map(np.array, zip(*pts))
    x = np.maximum.accumulate(x)
    return x, F


@_styled
def fig5(fit: dict, obs: pd.DataFrame | None = None, task: str | None = None, samples=None,
         chance: float | None = None, title: str = ""):
    """CDF of the predicted emergence point (the paper's Fig. 5).

    Drawn along training progress: since the loss axis is inverted (more capable to the
    right), the curve is P(E >= L), the probability that the capability has emerged by the
    time a model reaches loss L. From `samples` (posterior draws of E(D0)) when given, else
    the fit's stored posterior quantiles (`posterior_e0_quantiles`), else piecewise-linearly
    through its MCMC percentiles; the bootstrap refits (`bootstrap_e0`, else its
    percentiles) are overlaid, and the predictive view (MCMC plus the law's own error, its
    stored quantiles) where that error is above 0. The few-shot data sit in a panel below on the same loss axis
    (a twin y axis would make the CDF seem to trace them). The loss axis zooms on the
    posterior (and the MLE and truth), widened to the nearest few-shot checkpoint either side.
    None if there is neither samples nor percentiles."""
    fit = fit or {}
    task = task or fit.get("task")
    curves = []
    q = fit.get("posterior_e0_quantiles")
    if samples is not None and len(samples) > 1:
        s = np.sort(np.asarray(samples, float))
        curves.append(("MCMC posterior", s, np.arange(1, len(s) + 1) / len(s), "tab:red", "-"))
    elif q and len(q) > 10:
        curves.append(("MCMC posterior", np.maximum.accumulate(np.asarray(q, float)),
                       np.linspace(0.005, 0.995, len(q)), "tab:red", "-"))
    elif _pct_cdf(fit.get("percentiles")):
        x, F = _pct_cdf(fit["percentiles"])
        curves.append(("MCMC posterior (5th-95th pct.)", x, F, "tab:red", "-"))
    b = fit.get("bootstrap_e0")
    if b and len(b) >= 10:
        s = np.sort(np.asarray(b, float))
        n = fit.get("bootstrap_n")  # unidentified refits have no E(D0): the curve is of the rest
        lab = f"bootstrap ({len(s)} of {n} refits;\n{n - len(s)} unidentified left out)" if n and n > len(s) \
            else f"bootstrap ({len(s)} refits)"
        curves.append((lab, s, np.arange(1, len(s) + 1) / len(s), "tab:blue", "--"))
    elif _pct_cdf(fit.get("bootstrap_percentiles")):
        x, F = _pct_cdf(fit["bootstrap_percentiles"])
        curves.append(("bootstrap (5th-95th pct.)", x, F, "tab:blue", "--"))
    disc = fit.get("discrepancy") or {}
    extra, dof = _num(disc.get("extra_sd")), _num(disc.get("df"))
    spread = max(disc.get("extra_sd_quantiles") or [extra or 0.0])  # an sd estimated at 0 may still spread
    pq = fit.get("predictive_e0_quantiles")
    if spread and pq and len(pq) > 10:  # no spread: the same curve as the posterior's
        q = disc.get("extra_sd_quantiles")  # the point sd may be 0 beside a wide curve: quote its draws too
        err = f"sd {extra or 0:.3f} nats" + (f", 90 % of draws < {np.quantile(q, 0.9):.3f} on {dof:.0f} df" if q and dof else "")
        curves.append((f"predictive: + the law's own error\n({err})",
                       np.maximum.accumulate(np.asarray(pq, float)), np.linspace(0.005, 0.995, len(pq)), "tab:green",
                       ":"))
    if not curves:
        return None
    df = _task_rows(obs, task, fit.get("metric")) if obs is not None and task else None
    fs = _fewshot(df) if df is not None else None
    two = fs is not None and len(fs) > 0
    if two:
        fig, (ax, ax2) = plt.subplots(2, 1, figsize=(WIDTH * 0.72, 4.2), sharex=True,
                                      gridspec_kw=dict(height_ratios=[2.2, 1]))
    else:
        fig, ax = plt.subplots(figsize=(WIDTH * 0.72, 3.0))
    for label, x, F, c, ls in curves:
        ax.step(x, 1.0 - F, where="post", color=c, ls=ls, lw=1.6, label=label, zorder=3)  # P(E >= L)
    handles = [Line2D([], [], color=c, ls=ls, lw=1.6, label=label) for label, _, _, c, ls in curves]
    handles += _mark_emergence(ax, fit, band=False)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("P(emerged by loss L)")
    lo, hi = min(x.min() for _, x, *_ in curves), max(x.max() for _, x, *_ in curves)
    mid = 0.5 * (lo + hi)
    half = max(0.6 * (hi - lo), 0.15)
    for v in (_num(fit.get("ground_truth")), _num(fit.get("emergence_point_mle"))):
        if v is not None:
            half = max(half, 1.3 * abs(v - mid))
    lims = [mid - half, mid + half]
    if two:
        m = fs.groupby("ckpt", as_index=False).agg(loss=("pretrain_loss", "mean"), y=("value", "mean"))
        below, above = m.loc[m["loss"] < lims[0], "loss"], m.loc[m["loss"] > lims[1], "loss"]
        if len(below):
            lims[0] = below.max() - 0.08 * half
        if len(above):
            lims[1] = above.min() + 0.08 * half
        m = m[(m["loss"] >= lims[0]) & (m["loss"] <= lims[1])]
        ax2.scatter(m["loss"], m["y"], marker="*", color=FEWSHOT_COLOR, s=45, zorder=2, lw=0)
        ax2.set_ylabel(f"few-shot\n{_metric_label(fit.get('metric') or 'acc')}")
        _chance_line(ax2, _chance_of(fit, chance))
        _mark_emergence(ax2, fit, band=False)
        ax2.set_xlabel(LOSS_LABEL)
        handles += [Line2D([], [], marker="*", color=FEWSHOT_COLOR, lw=0, ms=7, label="few-shot data (lower panel)")]
    else:
        ax.set_xlabel(LOSS_LABEL)
    ax.set_xlim(lims[1], lims[0])  # inverted: more capable to the right
    ax.set_title(title or f"{task}: uncertainty of the predicted emergence point")
    fig.tight_layout()
    # below the panels, outside tight_layout: an axes legend at the side took half the width from the curves
    fig.legend(handles=_close_marks(handles), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2,
               borderaxespad=0.0, frameon=False)
    return fig


# ---------------------------------------------------------------------------------------------
# Figure 6: functional form and D0 ablations

def _err_bars(ax, df, xcol, labels, tasks, pal):
    """Grouped bars of error_nats per (x, task); whiskers err_p5..err_p95; circle err_p50."""
    n = max(len(tasks), 1)
    w = 0.8 / n
    xs = np.arange(len(labels))
    for j, t in enumerate(tasks):
        g = df[df["task"].astype(str) == t].set_index(xcol)
        for i, lab in enumerate(labels):
            if lab not in g.index:
                continue
            r = g.loc[lab]
            r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
            xi = xs[i] - 0.4 + w * (j + 0.5)
            e = _num(r.get("error_nats"))
            if e is None:
                ax.text(xi, 0.0, "n/a", ha="center", va="bottom", fontsize=7, color="0.4", rotation=90)
                continue
            failed = e > FAIL_NATS
            ax.bar(xi, e, w * 0.9, color=pal[t], edgecolor="tab:red" if failed else "none",
                   lw=1.0 if failed else 0, zorder=2)
            # the value, since a 0.004-nat bar is invisible next to a 0.2-nat whisker
            ax.annotate(f"{e:.3f}", (xi, e), xytext=(w * 0 + 2, 2), textcoords="offset points", ha="left",
                        va="bottom", fontsize=6.5, color="0.1", zorder=5)
            p5, p95 = _num(r.get("err_p5")), _num(r.get("err_p95"))
            if p5 is not None and p95 is not None:
                ax.vlines(xi, p5, p95, color="0.15", lw=1.0, zorder=3)
                ax.hlines([p5, p95], xi - w * 0.2, xi + w * 0.2, color="0.15", lw=1.0, zorder=3)
            p50 = _num(r.get("err_p50"))
            if p50 is not None:
                ax.scatter([xi], [p50], s=14, facecolor="white", edgecolor="0.15", zorder=4, lw=0.9)
    ax.set_xticks(xs)
    ax.axhline(FAIL_NATS, color="tab:red", ls="--", lw=1.0, zorder=1)
    vals = [_num(v) for c in ("error_nats", "err_p95", "err_p50") if c in df.columns for v in df[c]]
    return max([v for v in vals if v is not None] + [FAIL_NATS])


VARIANT_LABELS = {"log_power": "log power law\n(default)", "power": "power law", "no_fewshot": "no few-shot\nterm"}


@_styled
def fig6(functional_form: pd.DataFrame | None, d0_sweep: pd.DataFrame | None, title: str = ""):
    """Functional-form (left) and D0 (right) ablations (the paper's Fig. 6).

    functional_form: tables.functional_form_table (task, variant, error_nats, err_p5, err_p95,
    optional err_p50); d0_sweep: tables.d0_sweep_table (task, d0_multiple, ...). Bar = MLE
    error, whiskers = 5th-95th percentile of the posterior's errors, circle = median error
    (when an err_p50 column exists); red edge = failed (> 0.1 nats); dashed red line = the
    failure threshold. One bar colour per task. None if both tables are absent or empty."""
    # a panel whose every fit is unidentified would be an empty axes: leave it out
    panels = [(n, d) for n, d in (("form", functional_form), ("d0", d0_sweep))
              if not _empty(d) and "error_nats" in d and d["error_nats"].notna().any()]
    if not panels:
        return None
    tasks = sorted({str(t) for _, d in panels for t in d["task"]})
    cols = sns.color_palette("Set2", max(len(tasks), 3))
    pal = dict(zip(tasks, cols))
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH if len(panels) == 2 else WIDTH * 0.55, 2.9),
                             squeeze=False)
    for ax, (name, d) in zip(axes[0], panels):
        if name == "form":
            order = [v for v in VARIANT_LABELS if v in set(d["variant"])] + \
                    sorted(set(d["variant"]) - set(VARIANT_LABELS))
            top = _err_bars(ax, d, "variant", order, tasks, pal)
            ax.set_xticklabels([VARIANT_LABELS.get(v, v) for v in order])
            ax.set_title("(a) functional form of E(D)")
        else:
            d = d.assign(d0_multiple=d["d0_multiple"].astype(float))
            order = sorted(set(d["d0_multiple"]))
            top = _err_bars(ax, d, "d0_multiple", order, tasks, pal)
            ax.set_xticklabels([f"{m:g}·N" for m in order])
            ax.set_xlabel("low-data limit D0 (N = few-shot examples)")
            ax.set_title("(b) choice of D0")
        ax.grid(axis="x", visible=False)
        ax.set_ylim(0, top * 1.08)  # own scale per panel: every bar, whisker and the threshold in view
        ax.set_ylabel("|predicted − true emergence| (nats)")
    h = [Patch(color=pal[t], label=t) for t in tasks] if len(tasks) > 1 else []
    h = [Patch(color=cols[0] if len(tasks) == 1 else "0.6", label="MLE error (value above the bar)")] + h
    h += [Line2D([], [], color="0.15", lw=1, label="5th–95th pct. of the posterior's errors")]
    if any("err_p50" in d.columns for _, d in panels):
        h += [Line2D([], [], marker="o", mfc="white", mec="0.15", lw=0, label="median error")]
    h += [Line2D([], [], color="tab:red", ls="--", lw=1, label=f"failure threshold ({FAIL_NATS:g} nats)"),
          Patch(facecolor="white", edgecolor="tab:red", label="failed prediction")]
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    _legend_below(fig, h, ncol=min(len(h), 5))
    return fig


# ---------------------------------------------------------------------------------------------
# Figure 12: finetuning recipes

@_styled
def fig12(obs: pd.DataFrame, task: str, metric: str | None = None, chance: float | None = None,
          fit: dict | None = None, max_panels: int = 3, title: str = ""):
    """LoRA ranks vs full finetuning (the paper's Fig. 12).

    One panel per data amount D at which at least 2 finetuning recipes ran (at most
    `max_panels`, spread over the D range): metric against loss per recipe (colour), marker
    per model size, few-shot in black. None if no D has two recipes."""
    df = _task_rows(obs, task)
    if df is None:
        return None
    df = _task_rows(df, task, metric or _default_metric(df, fit))
    ft = df[(df["method"] != "fewshot") & (df["data_amount"] > 0)]
    n_rec = ft.groupby("data_amount")["method"].nunique()
    Ds = sorted(int(d) for d in n_rec[n_rec >= 2].index)
    if not Ds:
        return None
    if len(Ds) > max_panels:
        Ds = [Ds[i] for i in np.unique(np.round(np.linspace(0, len(Ds) - 1, max_panels)).astype(int))]
    recipes = sorted(ft["method"].unique(), key=_rank_key)
    lora = [r for r in recipes if r != "full"]
    cols = dict(zip(lora, sns.color_palette("flare", len(lora)))) if lora else {}
    cols["full"] = "#1f4e79"
    markers = size_markers(df["size"])
    fig, axes = plt.subplots(1, len(Ds), figsize=(min(WIDTH, 2.5 * len(Ds) + 1.2), 2.9), sharey=True, squeeze=False)
    fs = _fewshot(df)
    for ax, d in zip(axes[0], Ds):
        if len(fs):
            _plot_runs(ax, fs, FEWSHOT_COLOR, markers, ms=3.5, lw=1.2, band=False, zorder=5)
        for rcp in recipes:
            g = ft[(ft["method"] == rcp) & (ft["data_amount"] == d)]
            if len(g):
                _plot_runs(ax, g, cols[rcp], markers, ms=3.5)
        _chance_line(ax, _chance_of(fit, chance))
        _loss_axis(ax)
        ax.set_title(_fmt_D(d))
    axes[0][0].set_ylabel(_metric_label(df["metric"].iloc[0], _nshot(df)))
    h = [Line2D([], [], color=cols[r], lw=2, label=_recipe_label(r)) for r in recipes]
    h += [Line2D([], [], color=FEWSHOT_COLOR, lw=1.2, label=f"few-shot ({_nshot(df)}-shot)")]
    h2 = [Line2D([], [], **CHANCE, label="chance")] if _num(_chance_of(fit, chance)) is not None else []
    if len(markers) > 1:
        h2 += [Line2D([], [], color="grey", marker=m, lw=0, ms=5, label=f"size {s}") for s, m in markers.items()]
    fig.suptitle(title or f"{task}: finetuning recipes at equal data")
    fig.tight_layout()
    _legend_below(fig, [h, h2])
    return fig


# ---------------------------------------------------------------------------------------------
# Figure 13: continuous metric

@_styled
def fig13(obs: pd.DataFrame, task: str, fit: dict | None = None, chance: float | None = None,
          continuous: str = "logprob_norm", title: str = ""):
    """Continuous metric next to accuracy (the paper's Fig. 13).

    Left: the discrete metric (the fit's metric, default acc); right: `continuous`
    (logprob_norm = log p(correct) - logsumexp over choices). Same lines as fig3. Chance for
    the continuous metric is log(chance) (uniform over the choices). None if the task has
    no rows of the continuous metric."""
    fit = fit or {}
    df = _task_rows(obs, task)
    if df is None or continuous not in set(df["metric"]):
        return None
    disc = fit.get("metric") if fit.get("metric") not in (None, continuous) else \
        next((m for m in ("acc", "exact_match") if m in set(df["metric"])), None)
    panels = [(m, _task_rows(df, task, m)) for m in (disc, continuous) if m is not None]
    method = _default_method(df, fit)
    pal = d_palette(df["data_amount"])
    markers = size_markers(df["size"])
    c = _num(_chance_of(fit, chance))
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 2.9), squeeze=False)
    extra = []
    for i, (ax, (m, d)) in enumerate(zip(axes[0], panels)):
        ch = c if m != continuous else (math.log(c) if c and c > 0 else None)
        e = _draw_metric_panel(ax, d, method, pal, markers, ch, fit)
        extra = extra or e
        ax.set_ylabel(_metric_label(m, _nshot(d)) if m != continuous else _metric_label(m))
        ax.set_title(f"({'ab'[i]}) {'continuous: ' if m == continuous else ''}{_metric_label(m).split(' (')[0]}")
    h, sz = _legend_handles(df[df["metric"] == continuous], method, pal, markers, groups=True)
    fig.suptitle(title or f"{task}: continuous metric vs accuracy")
    fig.tight_layout()
    _legend_below(fig, [h, sz + extra[:1], extra[1:]])
    return fig
