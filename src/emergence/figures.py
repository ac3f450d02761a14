"""Paper-style figures (Snell et al. 2024) from the workflow's tables and fit JSONs alone.

No model is ever loaded: every figure is drawn from observations.csv, checkpoints.csv,
fits/<task>.json and the tables of emergence.tables, so figures can be restyled without
rerunning anything. Each figure function returns a matplotlib Figure, or None when the data
it needs are absent (``save`` then writes a labelled placeholder so workflow outputs exist).

    fig3   few-shot vs finetuned metric against pretraining loss, per size and D
    fig4   the MLE emergence-law fit: fitted ReLU per D, extrapolated few-shot ReLU, law E(D)
    fig5   CDF of the predicted emergence point (MCMC / bootstrap), few-shot data overlaid
    fig6   functional-form and D0 ablations (MLE error bars, 5th-95th percentile whiskers)
    fig7   how much compute ahead the prediction is (Table 2 "-k Last Checkpoints" rows)
    fig10  loss-vs-parameters law L(N) and the predicted emergence point in parameters
    fig12  finetuning recipes (LoRA ranks vs full) at the same D
    fig13  continuous metric (logprob_norm) next to accuracy
    table_html  Table 2 / 3 as HTML, failed rows in red

Conventions shared by every figure: pretraining loss axes are inverted (more capable models
to the right, as in the paper); one colour per finetuning data amount D (``d_palette``), one
marker per model size (``size_markers``); few-shot results in black; predicted emergence
dashed red, true emergence dash-dotted black; chance level dotted grey.
"""
from __future__ import annotations

import functools
import html
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

from emergence import fit as fit_mod  # noqa: E402
from emergence import law as _law  # noqa: E402

STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 7.5,
         "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.title_fontsize": 8,
         "figure.dpi": 150, "savefig.dpi": 200, "savefig.bbox": "tight",
         "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
         "grid.alpha": 0.25, "grid.linewidth": 0.5, "legend.frameon": False}

FAIL_NATS = 0.1  # an MLE error above this is a failed prediction (SPEC section 1)
LOSS_LABEL = "pretraining loss (nats/token)"
PRED = dict(color="tab:red", ls="--", lw=1.2)
TRUE = dict(color="black", ls="-.", lw=1.2)
CHANCE = dict(color="grey", ls=":", lw=1.0)
FEWSHOT_COLOR = "black"
MARKERS = "osD^vP<>Xph*"
WIDTH = 6.8  # inches: a full paper text width; panels are legible printed at this size


def _styled(f):
    """Draw inside the shared rc style without changing the caller's global rcParams."""
    @functools.wraps(f)
    def wrapper(*a, **kw):
        with plt.rc_context(STYLE):
            return f(*a, **kw)
    return wrapper


# ---------------------------------------------------------------------------------------------
# shared helpers

def d_palette(data_amounts) -> dict:
    """One colour per D > 0, ordered by D (viridis without its pale yellow end).

    Pass every D of the task (not a subset) so that all figures of a task agree."""
    ds = sorted({int(d) for d in data_amounts if float(d) > 0})
    if not ds:
        return {}
    cmap = plt.get_cmap("viridis")
    pos = np.linspace(0.0, 0.85, len(ds)) if len(ds) > 1 else [0.45]
    return {d: cmap(p) for d, p in zip(ds, pos)}


def size_markers(sizes) -> dict:
    """One marker per model size, ordered by the size's parameter count if it parses ('3B')."""
    return {s: MARKERS[i % len(MARKERS)] for i, s in enumerate(_sort_sizes(sizes))}


def _size_key(s):
    m = re.fullmatch(r"\s*([0-9.]+)\s*([kKmMbBtT]?)\s*", str(s))
    if not m:
        return (1, str(s))
    mult = {"": 1, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}[m.group(2).lower()]
    return (0, float(m.group(1)) * mult)


def _sort_sizes(sizes):
    return sorted({str(s) for s in sizes}, key=_size_key)


def _rank_key(method):
    """Order finetuning recipes: LoRA by rank, then other recipes, full finetuning last."""
    m = str(method)
    if m == "full":
        return (2, 0, m)
    r = re.search(r"(\d+)$", m)
    if m.startswith("lora"):
        return (0, int(r.group(1)) if r else 10 ** 6, m)
    return (1, 0, m)


def _recipe_label(method):
    m = str(method)
    if m == "full":
        return "full finetuning"
    r = re.fullmatch(r"lora_?r?(\d+)", m)
    if r:
        return f"LoRA rank {r.group(1)}"
    return "LoRA (default rank)" if m == "lora" else m


def _fmt_D(d):
    return f"D = {int(d):,}"


def _num(x):
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _empty(df) -> bool:
    return df is None or len(df) == 0


def _task_rows(obs, task, metric=None):
    if _empty(obs) or task is None:
        return None
    df = obs[obs["task"].astype(str) == str(task)]
    if metric is not None:
        df = df[df["metric"].astype(str) == str(metric)]
    if df.empty:
        return None
    df = df.copy()
    df["pretrain_loss"] = df["pretrain_loss"].astype(float)
    df["value"] = df["value"].astype(float)
    df["data_amount"] = df["data_amount"].astype(int)
    df["size"] = df["size"].astype(str)
    return df


def _default_metric(df, fit=None):
    if fit and fit.get("metric"):
        return fit["metric"]
    ms = sorted(df["metric"].astype(str).unique())
    return "acc" if "acc" in ms or len(ms) != 1 else ms[0]


def _default_method(df, fit=None):
    if fit and fit.get("method"):
        return fit["method"]
    return fit_mod.default_method(df)


def _fewshot(df):
    fs = df[(df["method"] == "fewshot") & (df["data_amount"] == 0)]
    if fs.empty:
        return fs
    return fs[fs["num_fewshot"] == fs["num_fewshot"].max()]


def _per_ckpt(g):
    """Mean (and min/max over subset samples) per checkpoint, in loss order."""
    return (g.groupby(["size", "ckpt"], as_index=False)
             .agg(loss=("pretrain_loss", "mean"), mean=("value", "mean"), lo=("value", "min"), hi=("value", "max"))
             .sort_values("loss"))


def _plot_runs(ax, df, color, marker, ms=4, lw=1.1, band=True, hollow=None, zorder=2, **kw):
    """One line per model size through the per-checkpoint means, band over subset samples."""
    for size, g in _per_ckpt(df).groupby("size"):
        mk = marker[size] if isinstance(marker, dict) else marker
        ax.plot(g["loss"], g["mean"], color=color, marker=mk, ms=ms, lw=lw, zorder=zorder,
                mfc="white" if hollow else color, **kw)
        if band and (g["hi"] > g["lo"]).any():
            ax.fill_between(g["loss"], g["lo"], g["hi"], color=color, alpha=0.15, lw=0, zorder=zorder - 1)


def _mark_emergence(ax, fit, band=True):
    """Predicted (with the posterior's 5th-95th band when known) and true emergence lines."""
    handles = []
    e = _num((fit or {}).get("emergence_point_mle"))
    if e is not None:
        ax.axvline(e, **PRED, zorder=4)
        handles.append(Line2D([], [], **PRED, label=f"predicted emergence ({e:.3f})"))
        p = (fit or {}).get("percentiles") or {}
        if band and _num(p.get("p5")) is not None and _num(p.get("p95")) is not None:
            ax.axvspan(p["p5"], p["p95"], color="tab:red", alpha=0.08, lw=0, zorder=0)
            handles.append(Patch(color="tab:red", alpha=0.15, label="posterior 5th-95th pct."))
    t = _num((fit or {}).get("ground_truth"))
    if t is not None:
        ax.axvline(t, **TRUE, zorder=4)
        handles.append(Line2D([], [], **TRUE, label=f"true emergence ({t:.3f})"))
    return handles


def _chance_line(ax, chance, label="chance"):
    c = _num(chance)
    if c is None:
        return []
    ax.axhline(c, **CHANCE, zorder=1)
    return [Line2D([], [], **CHANCE, label=label)]


def _loss_axis(ax, xlabel=True):
    if not ax.xaxis_inverted():
        ax.invert_xaxis()  # more capable models to the right, as in the paper
    if xlabel:
        ax.set_xlabel(LOSS_LABEL)


def _metric_label(metric, n_shot=None):
    names = {"acc": "accuracy", "exact_match": "exact match",
             "logprob_norm": "log p(correct | choices) (nats)", "mcc": "MCC"}
    s = names.get(str(metric), str(metric))
    return f"{s} ({n_shot}-shot format)" if n_shot is not None else s


def _legend_right(ax, handles, title=None, y=1.0):
    """Legend outside the axes, right of the data."""
    return ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.02, y),
                     borderaxespad=0.0, alignment="left")


def _legend_below(fig, handles, ncol=4):
    """Legend under the panels, one centred legend per row, stacked downwards so every row
    gets its own column widths. `handles` is a flat list (cut into rows of `ncol`) or a list
    of rows (lists); long rows are cut at `ncol` = 6 at most."""
    rows = handles if handles and isinstance(handles[0], (list, tuple)) else \
        [handles[i:i + ncol] for i in range(0, len(handles), ncol)]
    rows = [r[i:i + 6] for r in rows for i in range(0, len(r), 6) if r]
    renderer = fig.canvas.get_renderer()
    y, legs = 0.0, []
    for row in rows:
        leg = fig.legend(handles=row, loc="upper center", bbox_to_anchor=(0.5, y), ncol=len(row),
                         frameon=False, columnspacing=1.4, handlelength=2.0, borderaxespad=0.1)
        y = leg.get_window_extent(renderer).transformed(fig.transFigure.inverted()).y0
        legs.append(leg)
    return legs


def _chance_of(fit, chance):
    return chance if chance is not None else (fit or {}).get("chance")


def _nshot(df):
    fs = _fewshot(df)
    return int(fs["num_fewshot"].max()) if len(fs) else None


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
    ax.set_ylabel(_metric_label(metric, _nshot(df)))
    ax.set_title(title or f"{task}: few-shot vs {_recipe_label(method) if method else 'finetuned'}")
    h = _legend_handles(df, method, pal, markers)
    _legend_right(ax, h + extra, title=f"finetuned: {_recipe_label(method)}" if method else None)
    return fig


# ---------------------------------------------------------------------------------------------
# Figure 4: the MLE law fit

def _slope(params, d):
    return _num(params.get(f"A_{int(d):g}", params.get(f"A_{d:g}", params.get("A")))) or 0.0


@_styled
def fig4(obs: pd.DataFrame, fit: dict, task: str | None = None, chance: float | None = None, title: str = ""):
    """The MLE emergence-law fit of one task (the paper's Fig. 4).

    Left: the finetuned data (colour per D; filled = checkpoints used in the fit, hollow =
    held out / post-emergence) with the fitted ReLU B + A*max(0, E(D) - L) per D; few-shot
    data as black stars; in grey the extrapolated few-shot prediction with its elbow at
    E(D0) (drawn with the finetuned slope A: the few-shot slope is not identified from
    pre-emergence rows). Right: the law E(D) itself against D, extrapolated to D0.
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
        ax.plot(x, B + _slope(params, d) * np.maximum(0.0, E - x), color=c, lw=1.3, zorder=2)
    if len(fs):
        m = fs.assign(used=infit[fs.index]).groupby(["ckpt", "used"], as_index=False).agg(
            loss=("pretrain_loss", "mean"), y=("value", "mean"))
        ax.scatter(m.loc[m.used, "loss"], m.loc[m.used, "y"], marker="*", color=FEWSHOT_COLOR, s=40, zorder=5, lw=0)
        ax.scatter(m.loc[~m.used, "loss"], m.loc[~m.used, "y"], marker="*", facecolor="white",
                   edgecolor=FEWSHOT_COLOR, s=40, lw=0.7, zorder=5)
    A_pred = max(_slope(params, min(int(d) for d in ft["data_amount"].unique())), 0.0)
    base = B + (_num(params.get("Delta")) or 0.0)
    ax.plot(x, base + A_pred * np.maximum(0.0, e0 - x), color="grey", lw=2.2, alpha=0.8, zorder=4)
    if used:
        lo = df.loc[infit, "pretrain_loss"]
        if len(lo):
            ax.axvspan(lo.min(), x.max(), color="0.5", alpha=0.07, lw=0, zorder=0)
    extra = _chance_line(ax, _chance_of(fit, chance)) + _mark_emergence(ax, fit, band=False)
    _loss_axis(ax)
    ax.set_ylabel(_metric_label(fit.get("metric") or _default_metric(df), _nshot(df)))
    ax.set_title(f"(a) MLE fit, {variant} law")

    # (b) the law E(D) against D, extrapolated to D0
    Ds = np.array(sorted(int(d) for d in ft["data_amount"].unique()), float)
    dgrid = np.geomspace(min(d0, Ds.min()) if lawname == "power" else max(min(d0, Ds.min()), 1.0), Ds.max() * 1.3, 200)
    axl.plot(dgrid, _law.law(lawname, k, alpha, C, dgrid), color="0.3", lw=1.2)
    for d in Ds:
        axl.scatter([d], [_law.law(lawname, k, alpha, C, d)], color=pal[int(d)], s=30, zorder=3)
    axl.scatter([d0], [e0], color="tab:red", marker="*", s=90, zorder=4)
    t = _num(fit.get("ground_truth"))
    if t is not None:
        axl.axhline(t, **TRUE)
    axl.set_xscale("log")
    axl.set_xlabel("finetuning examples D")
    axl.set_ylabel("emergence point E(D) (nats)")
    axl.set_title("(b) emergence law E(D)")
    if not axl.yaxis_inverted():
        axl.invert_yaxis()  # same orientation as the loss axis: further along = more capable

    hd = [Line2D([], [], color=pal[int(d)], lw=1.3, marker="o", ms=4, label=_fmt_D(d)) for d in Ds]
    h2 = [Line2D([], [], color="grey", lw=2.2, alpha=0.8, label=f"predicted few-shot, elbow E(D0 = {d0:g})"),
          Line2D([], [], marker="*", color=FEWSHOT_COLOR, lw=0, ms=7, label="few-shot data"),
          Line2D([], [], marker="o", mfc="none", color="0.3", lw=0, ms=5, label="not used in the fit"),
          Patch(color="0.5", alpha=0.15, label="loss range fitted")]
    h3 = extra + [Line2D([], [], color="tab:red", marker="*", lw=0, ms=8, label="E(D0): prediction")]
    _legend_below(fig, [hd, h2, h3])
    fig.suptitle(title or f"{task}: emergence-law fit", y=1.0)
    fig.tight_layout()
    return fig


def _ckpt_ids(df):
    """The ckpt ids fit.fit_task uses (series-prefixed when several series)."""
    if df["series"].nunique() > 1:
        return df["series"].astype(str) + "/" + df["ckpt"].astype(str)
    return df["ckpt"].astype(str)


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
    piecewise-linearly through the fit's MCMC percentiles (p5..p95); the bootstrap
    percentiles are overlaid when present. Few-shot data (stars, right axis) from obs. The
    loss axis zooms on the posterior (and the MLE and truth), widened to show the nearest
    few-shot checkpoint on either side.
    None if there is neither samples nor percentiles."""
    fit = fit or {}
    task = task or fit.get("task")
    curves = []
    if samples is not None and len(samples) > 1:
        s = np.sort(np.asarray(samples, float))
        curves.append(("MCMC posterior", s, np.arange(1, len(s) + 1) / len(s), "tab:red", "-"))
    elif _pct_cdf(fit.get("percentiles")):
        x, F = _pct_cdf(fit["percentiles"])
        curves.append(("MCMC posterior (5th-95th pct.)", x, F, "tab:red", "-"))
    if _pct_cdf(fit.get("bootstrap_percentiles")):
        x, F = _pct_cdf(fit["bootstrap_percentiles"])
        curves.append(("bootstrap (5th-95th pct.)", x, F, "tab:blue", "--"))
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=(WIDTH * 0.72, 3.0))
    for label, x, F, c, ls in curves:
        ax.plot(x, 1.0 - F, color=c, ls=ls, lw=1.6, label=label, zorder=3)  # P(E >= L) = 1 - CDF(L)
    handles = [Line2D([], [], color=c, ls=ls, lw=1.6, label=label) for label, _, _, c, ls in curves]
    handles += _mark_emergence(ax, fit, band=False)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("P(emerged by loss L) = P(E ≥ L)")
    df = _task_rows(obs, task, fit.get("metric")) if obs is not None and task else None
    fs = _fewshot(df) if df is not None else None
    # zoom on the posterior (the interesting part); wide enough to show the truth and the
    # few-shot checkpoints around the elbow
    lo, hi = min(x.min() for _, x, *_ in curves), max(x.max() for _, x, *_ in curves)
    mid = 0.5 * (lo + hi)
    half = max(1.5 * (hi - lo), 0.15)
    for v in (_num(fit.get("ground_truth")), _num(fit.get("emergence_point_mle"))):
        if v is not None:
            half = max(half, 1.3 * abs(v - mid))
    lims = [mid - half, mid + half]
    if fs is not None and len(fs):
        ax2 = ax.twinx()
        m = fs.groupby("ckpt", as_index=False).agg(loss=("pretrain_loss", "mean"), y=("value", "mean"))
        below, above = m.loc[m["loss"] < lims[0], "loss"], m.loc[m["loss"] > lims[1], "loss"]
        if len(below):
            lims[0] = below.max() - 0.08 * half
        if len(above):
            lims[1] = above.min() + 0.08 * half
        yr = [min(m["y"].min(), _num(_chance_of(fit, chance)) or np.inf), m["y"].max()]
        pad = 0.06 * ((yr[1] - yr[0]) or 1.0)
        ax2.set_ylim(yr[0] - pad, yr[1] + pad)
        m = m[(m["loss"] >= lims[0]) & (m["loss"] <= lims[1])]
        ax2.scatter(m["loss"], m["y"], marker="*", color="0.35", s=45, zorder=2, lw=0)
        ax2.set_ylabel(f"few-shot {_metric_label(fit.get('metric') or 'acc')}", color="0.35")
        ax2.tick_params(axis="y", colors="0.35")
        ax2.spines["right"].set_visible(True)
        ax2.grid(False)
        handles += [Line2D([], [], marker="*", color="0.35", lw=0, ms=7, label="few-shot data (right axis)")]
        c = _chance_of(fit, chance)
        if _num(c) is not None:
            ax2.axhline(float(c), **CHANCE)
            handles += [Line2D([], [], **CHANCE, label="chance (right axis)")]
    ax.set_xlim(lims[1], lims[0])  # inverted: more capable to the right
    ax.set_xlabel(LOSS_LABEL)
    ax.set_title(title or f"{task}: uncertainty of the predicted emergence point")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.16, 1.0), borderaxespad=0.0)
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
    h += [Line2D([], [], color="0.15", lw=1, label="5th–95th pct. error")]
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
# Figure 7: how far ahead in compute

def compute_horizon(holdout: pd.DataFrame, fit: dict, checkpoints: pd.DataFrame, task: str | None = None,
                    max_k: int = 4, size: str | None = None) -> pd.DataFrame | None:
    """How much compute ahead each 'Full Data' / '-k Last Checkpoints' row of Table 2 predicts.

    Measured along one training run (series, size): by default the run that crosses the
    emergence point (it has both pre- and post-emergence checkpoints; the one with the most
    checkpoints, then the smallest), since FLOPs ratios between model sizes do not say how far
    ahead one run's prediction is. The pre-emergence set is the full-data fit's `fit_ckpts`;
    row '-k' drops its k most capable checkpoints over all sizes (tables.holdout_rows). For
    each row: the most capable checkpoint of the run still used, and the multiple of its FLOPs
    that the run's first post-emergence checkpoint and the true emergence point (log-FLOPs
    interpolated in loss along the run) need. None if fit_ckpts, FLOPs or such a run are
    missing."""
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
    f_true = None
    Ls, Fs = run["pretrain_loss"].to_numpy(float), np.log(run["flops"].to_numpy(float))
    if truth is not None and len(run) >= 2 and Ls.min() <= truth <= Ls.max() and np.all(np.diff(Ls) < 0):
        f_true = float(np.exp(np.interp(truth, Ls[::-1], Fs[::-1])))
    h = holdout[holdout["task"].astype(str) == str(task)] if "task" in holdout.columns else holdout
    rows = []
    for k in range(0, max_k + 1):
        name = "Full Data" if k == 0 else f"-{k} Last Checkpoints"
        r = h[h["ablation"] == name]
        used = run[run["pre"] & run["ckpt"].astype(str).isin(order[k:])]
        if r.empty or used.empty:
            continue
        r = r.iloc[0]
        last = used.sort_values("flops").iloc[-1]
        nxt = post[post["flops"] > last["flops"]]
        nxt = nxt.iloc[0] if len(nxt) else None
        err = _num(r.get("error_nats"))
        failed = r.get("failed")
        failed = _truthy(failed) if failed is not None and not (isinstance(failed, float) and math.isnan(failed)) \
            else (err is None or err > FAIL_NATS)
        rows.append(dict(ablation=name, k=k, series=series_, size=size_, last_ckpt=last["ckpt"],
                         last_loss=float(last["pretrain_loss"]), last_flops=float(last["flops"]),
                         next_ckpt=None if nxt is None else nxt["ckpt"],
                         next_flops=None if nxt is None else float(nxt["flops"]), truth_flops=f_true,
                         ratio_next=None if nxt is None else float(nxt["flops"] / last["flops"]),
                         ratio_truth=None if f_true is None else f_true / float(last["flops"]),
                         error_nats=err, failed=failed, status=r.get("status")))
    return pd.DataFrame(rows) if rows else None


@_styled
def fig7(holdout: pd.DataFrame, fit: dict, checkpoints: pd.DataFrame, task: str | None = None,
         size: str | None = None, title: str = ""):
    """How far ahead in training compute the prediction is (the paper's Fig. 7).

    holdout: tables.holdout_ablation (Table 2); fit: the task's full-data fit JSON (its
    fit_ckpts define the pre-emergence set); checkpoints: checkpoints.csv (or observations:
    needs ckpt, series, size, flops, pretrain_loss). One group per 'Full Data' / '-k Last
    Checkpoints' row (see ``compute_horizon``, which also picks the training run): bars = the
    FLOPs of the run's first post-emergence checkpoint and of the true emergence point, as
    multiples of the FLOPs of the most capable checkpoint of the run still used; a red cross
    marks a failed prediction (> 0.1 nats error, or none). None if unavailable."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fit = fit or {}
    task = task or fit.get("task")
    hz = compute_horizon(holdout, fit, checkpoints, task, size=size)
    if hz is None or hz[["ratio_next", "ratio_truth"]].isna().all().all():
        return None
    fig, ax = plt.subplots(figsize=(WIDTH * 0.72, 3.0))
    xs = np.arange(len(hz))
    w = 0.38
    series = [("ratio_next", "first post-emergence checkpoint", "#4c72b0", -w / 2),
              ("ratio_truth", "true emergence point (interpolated)", "#a1c4e8", w / 2)]
    top, bottom = 1.0, 1.0
    for col, label, c, off in series:
        v = pd.to_numeric(hz[col], errors="coerce").to_numpy(float)
        ok = np.isfinite(v)
        ax.bar(xs[ok] + off, v[ok] - 1.0, w, bottom=1.0, color=c, label=label, zorder=2)
        for xi, vi in zip(xs[ok] + off, v[ok]):
            ax.text(xi, max(vi, 1.0) * 1.03, f"{vi:.2g}×", ha="center", va="bottom", fontsize=7)
        if ok.any():
            top, bottom = max(top, float(np.nanmax(v))), min(bottom, float(np.nanmin(v)))
    for xi, (_, r) in zip(xs, hz.iterrows()):
        if r["failed"]:
            hi = max([v for v in (_num(r["ratio_next"]), _num(r["ratio_truth"])) if v is not None] + [1.0])
            ax.scatter([xi], [hi * 1.3], marker="X", s=70, color="tab:red", zorder=5)
    ax.set_yscale("log")
    ax.set_ylim(min(0.9, bottom * 0.9), top * 2.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 1.5, 2, 3, 5, 7)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.axhline(1.0, color="0.3", lw=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels([a.replace(" Last Checkpoints", "\nlast ckpts") for a in hz["ablation"]])
    ax.set_xlabel("most capable pre-emergence checkpoints held out (Table 2 rows)")
    ax.set_ylabel("compute ahead of the last\ncheckpoint used (× FLOPs)")
    ax.grid(axis="x", visible=False)
    ax.set_title(title or f"{task}: how far ahead the prediction is ({hz['size'].iloc[0]} run)")
    h, _ = ax.get_legend_handles_labels()
    h.append(Line2D([], [], marker="X", color="tab:red", lw=0, ms=7, label=f"failed (> {FAIL_NATS:g} nats)"))
    _legend_right(ax, h)
    return fig


# ---------------------------------------------------------------------------------------------
# Figure 10: loss-vs-parameters law

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
    """The min-loss checkpoint of each size of one series (the series with the most sizes
    when not given), with numeric params and pretrain_loss."""
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
    return ck.loc[ck.groupby("size")["pretrain_loss"].idxmin()].sort_values("params").reset_index(drop=True)


def _fmt_params(n):
    if not math.isfinite(n):
        return "∞"
    for v, u in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= v:
            return f"{n / v:.3g}{u}"
    return f"{n:.3g}"


@_styled
def fig10(checkpoints: pd.DataFrame, fit: dict, series: str | None = None, min_power_points: int = 4,
          title: str = ""):
    """Loss-to-parameters conversion (the paper's Fig. 10).

    checkpoints: checkpoints.csv (params, pretrain_loss per checkpoint); the final (min-loss)
    checkpoint of each size of `series` (default: the series with most sizes) is fitted with
    ``fit_loss_vs_params`` (power law from `min_power_points` sizes, else log-linear); the
    predicted emergence loss (and the posterior's 5th-95th percentiles, else the bootstrap's)
    is read off in parameters. None if fewer than 2 sizes or no prediction."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    fit = fit or {}
    e0 = _num(fit.get("emergence_point_mle"))
    fin = final_checkpoints(checkpoints, series)
    if e0 is None or fin is None or fin["params"].nunique() < 2:
        return None
    lf = fit_loss_vs_params(fin["params"], fin["pretrain_loss"], min_power_points)
    p = fit.get("percentiles") or fit.get("bootstrap_percentiles") or {}
    src = "posterior" if fit.get("percentiles") else "bootstrap"
    lo_hi = [_num(p.get("p5")), _num(p.get("p95"))]
    n_pred = float(params_of_loss(lf, e0))
    n_band = sorted(float(params_of_loss(lf, v)) for v in lo_hi) if None not in lo_hi else None
    fig, ax = plt.subplots(figsize=(WIDTH * 0.72, 3.0))
    Ns = fin["params"].to_numpy(float)
    pts = [Ns.min(), Ns.max()] + [v for v in [n_pred] + (n_band or []) if math.isfinite(v)]
    # an absurd inversion must not squash the data: at most 3 decades beyond the sizes
    lo, hi = max(min(pts), Ns.min() / 1e3), min(max(pts), Ns.max() * 1e3)
    grid = np.geomspace(lo / 1.6, hi * 1.6, 300)
    form = (f"L(N) = {lf['a']:.3g}·N^(−{lf['b']:.3g}) + {lf['c']:.3g}" if lf["form"] == "power"
            else f"L(N) = {lf['u']:.3g} {'−' if lf['v'] < 0 else '+'} {abs(lf['v']):.3g}·ln N\n"
                 f"(log-linear: < {min_power_points} sizes)")
    ax.plot(grid, loss_of_params(lf, grid), color="0.3", lw=1.3, label=form, zorder=2)
    ax.scatter(fin["params"], fin["pretrain_loss"], color="black", s=28, zorder=4, label="final checkpoint per size")
    for _, r in fin.iterrows():
        ax.annotate(str(r["size"]), (r["params"], r["pretrain_loss"]), xytext=(-5, -5), ha="right", va="top",
                    textcoords="offset points", fontsize=7, zorder=6,
                    bbox=dict(fc="white", ec="none", alpha=0.8, pad=0.5))
    ax.axhline(e0, **PRED, label=f"predicted emergence loss ({e0:.3f})", zorder=3)
    if None not in lo_hi:
        ax.axhspan(min(lo_hi), max(lo_hi), color="tab:red", alpha=0.1, lw=0, label=f"{src} 5th–95th pct.")
    t = _num(fit.get("ground_truth"))
    if t is not None:
        ax.axhline(t, **TRUE, label=f"true emergence loss ({t:.3f})", zorder=3)
    if math.isfinite(n_pred) and lo <= n_pred <= hi:
        lab = f"predicted emergence ≈ {_fmt_params(n_pred)} params"
        if n_band:
            lab += f"\n(5th–95th: {_fmt_params(n_band[0])}–{_fmt_params(n_band[1])})"
            ax.errorbar([n_pred], [e0], xerr=[[n_pred - max(n_band[0], lo)], [min(n_band[1], hi) - n_pred]],
                        fmt="none", ecolor="tab:red", elinewidth=1.5, capsize=4, zorder=5)
        ax.scatter([n_pred], [e0], marker="*", color="tab:red", s=110, zorder=6, label=lab)
        ax.axvline(n_pred, color="tab:red", lw=0.6, ls=":", zorder=1)
    elif not math.isfinite(n_pred):
        ax.text(0.02, 0.04, "prediction below the fitted law's asymptote: no finite size reaches it",
                transform=ax.transAxes, fontsize=7, color="tab:red")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5) if hi / lo < 300 else (1,)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _fmt_params(v)))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel("parameters N")
    ax.set_ylabel(LOSS_LABEL)
    ax.set_title(title or f"{fit.get('task', '')}: emergence point in model size".strip(": "))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
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


# ---------------------------------------------------------------------------------------------
# tables and saving

def _truthy(v) -> bool:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1")
    return bool(v)


def _align(v):
    return "right" if isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) else "left"


def table_html(df: pd.DataFrame, failed_col: str = "failed", digits: int = 3, caption: str | None = None) -> str:
    """An HTML table (Tables 2/3 for the report): floats to `digits` decimals, missing as '–',
    rows whose `failed_col` is true in red (class="failed")."""
    def cell(v):
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return "–"
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return html.escape(str(v))

    cols = [str(c) for c in df.columns]
    out = ['<table class="emergence-table" style="border-collapse:collapse;font-size:90%">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th style="border-bottom:1px solid #444;padding:2px 8px">'
                                        f"{html.escape(c)}</th>" for c in cols) + "</tr></thead><tbody>")
    fails = df[failed_col] if failed_col in df.columns else [None] * len(df)
    for row, f in zip(df.itertuples(index=False), fails):
        bad = _truthy(f)
        attr = ' class="failed" style="color:#b00020;background:#fdecec"' if bad else ""
        tds = "".join(f'<td style="padding:2px 8px;text-align:{_align(v)}">{cell(v)}</td>' for v in row)
        out.append(f"<tr{attr}>{tds}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out) + "\n"


@_styled
def placeholder(message: str):
    """A small figure saying why a figure could not be drawn (so workflow outputs exist)."""
    fig, ax = plt.subplots(figsize=(4, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=9, color="0.3")
    return fig


def save(fig, png: str, pdf: str | None = None, missing: str = "no data for this figure") -> None:
    """Write the figure (PNG, and PDF if given) and close it; a None figure is written as a
    placeholder that says `missing`."""
    if fig is None:
        fig = placeholder(missing)
    with plt.rc_context(STYLE):
        fig.savefig(png, bbox_inches="tight")
        if pdf:
            fig.savefig(pdf, bbox_inches="tight")
    plt.close(fig)


# ---------------------------------------------------------------------------------------
# The neighbouring lenses: metric chain (Schaeffer et al.) and PassUntil (Hu et al.)

CHAIN_ORDER = ["logp_vocab_correct", "p_vocab_correct", "p_choices_correct", "accuracy", "brier"]


@_styled
def fig_chain_correlations(summary_corr: pd.DataFrame, method: str = "spearman", title: str = ""):
    """Distribution over samples of each metric's correlation with log compute."""
    if summary_corr is None or _empty(summary_corr):
        return None
    from emergence.metric_chain import SIGN

    c = summary_corr[(summary_corr["method"] == method) & summary_corr["r"].notna()].copy()
    c = c[c["metric"].isin(CHAIN_ORDER)]
    if c.empty:
        return None
    c["oriented"] = c["r"] * c["metric"].map(SIGN).fillna(1)
    order = [m for m in CHAIN_ORDER if m in set(c["metric"])]
    fig, ax = plt.subplots(figsize=(WIDTH * 0.75, 3.2))
    sns.boxplot(data=c, x="metric", y="oriented", order=order, ax=ax, color="lightsteelblue",
                fliersize=1.5, linewidth=0.8)
    ax.axhline(0.75, **CHANCE)
    ax.set_xlabel("")
    ax.set_ylabel(f"per-sample {method} correlation\nwith log compute (oriented)")
    ax.set_xticks(range(len(order)), [m.replace("_", " ") for m in order], rotation=20, ha="right")
    ax.set_title(title or "metric chain: predictability per sample")
    return fig


@_styled
def fig_chain_mass(chain: pd.DataFrame, title: str = ""):
    """Mean probability on the correct choice and on the incorrect ones, against compute."""
    if chain is None or _empty(chain):
        return None
    keep = ["p_vocab_correct", "p_vocab_incorrect_mass", "p_choices_correct", "p_choices_incorrect_mass"]
    m = chain[chain["metric"].isin(keep)].groupby(["metric", "compute"])["value"].mean().reset_index()
    if m.empty:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 2.8), sharex=True)
    for ax, space in zip(axes, ("vocab", "choices")):
        for kind, style in (("correct", dict(color="tab:green")), ("incorrect_mass", dict(color="tab:red"))):
            g = m[m["metric"] == f"p_{space}_{kind}"].sort_values("compute")
            ax.plot(g["compute"], g["value"], marker="o", ms=3, lw=1.1, label=kind.replace("_", " "), **style)
        ax.set_xscale("log")
        ax.set_xlabel("training compute (FLOPs)")
        ax.set_title(f"p over the {'vocabulary' if space == 'vocab' else 'choices'}")
    axes[0].set_ylabel("mean probability")
    axes[1].legend(loc="best")
    fig.suptitle(title or "mass on the correct vs incorrect choices", y=1.02)
    return fig


@_styled
def fig_passuntil(table: pd.DataFrame, fit: dict, title: str = ""):
    """Task-level PassUntil (with CI) against the fit's axis, and the fitted PU(N) law."""
    if table is None or _empty(table):
        return None
    axis = fit.get("axis", "flops")
    t = table.sort_values(axis)
    fig, ax = plt.subplots(figsize=(WIDTH * 0.7, 3.0))
    pos = t["pu"] > 0
    ax.errorbar(t.loc[pos, axis], t.loc[pos, "pu"], yerr=[(t.pu - t.lo)[pos].clip(lower=0), (t.hi - t.pu)[pos].clip(lower=0)],
                fmt="o", ms=4, color="black", lw=0.8, capsize=2, label="PassUntil (mean over instances)")
    if (~pos).any():
        ax.scatter(t.loc[~pos, axis], t.loc[~pos, "pu_upper"], marker="v", color="grey",
                   label="all censored: upper bound")
    law = fit.get("law")
    if law:
        x = np.geomspace(t[axis].min(), t[axis].max(), 100)
        ax.plot(x, np.exp(-law["c"] * x ** -law["alpha"]), **PRED, label="fit exp(-c N^-α)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel({"flops": "training compute (FLOPs)", "params": "parameters",
                   "pretrain_loss": LOSS_LABEL}.get(axis, axis))
    ax.set_ylabel("pass probability per sample")
    curv = (fit.get("curvature") or {}).get("label")
    ax.set_title(title or "PassUntil" + (f" (F(N) {curv})" if curv else ""))
    ax.legend(loc="best")
    return fig
