"""The neighbouring lenses' figures: metric chain (Schaeffer et al.) and PassUntil (Hu et al.)."""
from __future__ import annotations


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from emergence.values import is_empty as _empty  # noqa: E402
from emergence.figures.style import (  # noqa: E402
    CHANCE, LOSS_LABEL, PRED, WIDTH, _styled, log_axis_ticks,
)


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
    from matplotlib.ticker import LogLocator, NullFormatter

    keep = ["p_vocab_correct", "p_vocab_incorrect_mass", "p_choices_correct", "p_choices_incorrect_mass"]
    c = chain[chain["metric"].isin(keep)]
    # one line per training run: sizes interleave in compute, and a single line through both
    # zigzags between them
    run = c["size"].astype(str) if "size" in c.columns else pd.Series("", index=c.index)
    m = c.assign(run=run).groupby(["metric", "run", "compute"])["value"].mean().reset_index()
    if m.empty:
        return None
    runs = sorted(m["run"].unique())
    marks = dict(zip(runs, ["o", "s", "^", "D", "v", "P"] * 4))
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 2.8), sharex=True)
    for ax, space in zip(axes, ("vocab", "choices")):
        for kind, colour in (("correct", "tab:green"), ("incorrect_mass", "tab:red")):
            for r in runs:
                g = m[(m["metric"] == f"p_{space}_{kind}") & (m["run"] == r)].sort_values("compute")
                ax.plot(g["compute"], g["value"], marker=marks[r], ms=3, lw=1.1, color=colour)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=4))
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels collided with the major ones
        ax.set_xlabel("training compute (FLOPs)")
        ax.set_title(f"p over the {'vocabulary' if space == 'vocab' else 'choices'}")
    axes[0].set_ylabel("mean probability")
    h = [Line2D([], [], color="tab:green", lw=1.1, label="correct"),
         Line2D([], [], color="tab:red", lw=1.1, label="incorrect (mass)")]
    if len(runs) > 1:
        h += [Line2D([], [], color="0.3", marker=marks[r], lw=0, ms=4, label=f"size {r}") for r in runs]
    axes[1].legend(handles=h, loc="best")
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
        n = f", all {law['n']} checkpoints" if law.get("n") else ""
        ax.plot(x, np.exp(-law["c"] * x ** -law["alpha"]), **PRED, label=f"fit exp(-c N^-α){n}")
    h = fit.get("holdout") or {}
    if law and h.get("pu_pred"):  # the held-out checkpoint: predicted from the others' fit
        ax.scatter([h["x_holdout"]], [h["pu_pred"]], marker="D", s=30, facecolor="white", edgecolor="tab:red",
                   zorder=5, label=f"held out, predicted from the others (rel. error {h['rel_err']:.2f})")
    ax.set_yscale("log")
    if axis == "pretrain_loss":
        ax.set_xscale("log")
    else:
        log_axis_ticks(ax)
    ax.set_xlabel({"flops": "training compute (FLOPs)", "params": "parameters",
                   "pretrain_loss": LOSS_LABEL}.get(axis, axis))
    ax.set_ylabel("pass probability per sample")
    curv = (fit.get("curvature") or {}).get("label")
    ax.set_title((title or "PassUntil") + (f" (F(N) {curv})" if curv else ""))
    ax.legend(loc="best")
    return fig
