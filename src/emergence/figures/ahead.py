"""How far ahead: Figure 7 (compute ahead of the fitted checkpoints) and Figure 10 (emergence in parameters)."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from emergence.fit import FAIL_NATS  # noqa: E402
from emergence.values import is_empty as _empty  # noqa: E402
from emergence.values import num as _num  # noqa: E402
from emergence.figures.style import (  # noqa: E402
    LOSS_LABEL, PRED, TRUE, WIDTH, _legend_right, _styled,
)
from emergence.horizon import (  # noqa: E402
    compute_horizon, final_checkpoints, fit_loss_vs_params, lift_horizon, loss_of_params, params_of_loss,
)


@_styled
def fig7(holdout: pd.DataFrame, fit: dict, checkpoints: pd.DataFrame, task: str | None = None,
         size: str | None = None, title: str = "", observations: pd.DataFrame | None = None):
    """How far ahead in training compute the prediction is (the paper's Fig. 7).

    holdout: tables.holdout_ablation (Table 2); fit: the task's full-data fit JSON (its
    fit_ckpts define the pre-emergence set); checkpoints: checkpoints.csv (or observations:
    needs ckpt, series, size, flops, pretrain_loss). One group per 'Full Data' / '-k Last
    Checkpoints' row (see ``compute_horizon``, which also picks the training run): bars = the
    FLOPs of the run's first post-emergence checkpoint and of the true emergence point, as
    multiples of the FLOPs of the most capable checkpoint of the run still used; a red cross
    marks a failed prediction (> 0.1 nats error, or none); under each group, the law's error
    beside the trivial forecast's on the same row, and `weak` rows say so. With the observations,
    a dashed line marks the truth's multiple of the second checkpoint of the run where a run
    finetuned by the fit's method scores 0.1 above the floor (horizon.lift_horizon): a row whose
    bar passes it fits fewer than two such checkpoints of the run, and on the band series the
    reach passed it on 1 fit of 21. Where the fit measured the truth's range (values.truth_range),
    a black line runs down the truth's bar to the earliest truth in it. None if unavailable."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fit = fit or {}
    task = task or fit.get("task")
    hz = compute_horizon(holdout, fit, checkpoints, task, size=size)
    if hz is None or hz[["ratio_next", "ratio_truth"]].isna().all().all():
        return None
    # a deep Table 2 (fit.last_checkpoints) widens the figure: ~0.8 in a group keeps the
    # errors under each group and the failure marks above it apart
    fig, ax = plt.subplots(figsize=(max(WIDTH * 0.72, 0.8 * len(hz) + 1.0), 3.0))
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
    # the truth's range reaches back to the earliest truth on shorter series or its bootstrap:
    # the least compute a row could be ahead (values.truth_range)
    early = pd.to_numeric(hz.get("ratio_truth_early"), errors="coerce").to_numpy(float) \
        if "ratio_truth_early" in hz else np.full(len(hz), np.nan)
    truth = pd.to_numeric(hz["ratio_truth"], errors="coerce").to_numpy(float)
    ok = np.isfinite(early) & np.isfinite(truth) & (early < truth)
    if ok.any():
        ax.vlines(xs[ok] + w / 2, early[ok], truth[ok], color="0.15", lw=1.0, zorder=4)
        ax.plot(xs[ok] + w / 2, early[ok], ls="", marker="_", ms=9, mew=1.5, color="0.15", zorder=4,
                label="earliest truth in its range\n(shorter series, its bootstrap)")
        bottom = min(bottom, float(np.nanmin(early[ok])))
    for xi, (_, r) in zip(xs, hz.iterrows()):
        if r["failed"]:
            # at the top of the group's column, with the error: a marker floating at some multiple
            # of the bar height would read as a FLOPs value
            err = _num(r.get("error_nats"))
            ax.annotate(f"✗ failed\n{err:.2f} nats" if err is not None else "✗ no\nprediction", (xi, 1),
                        xycoords=("data", "axes fraction"),
                        xytext=(0, -3), textcoords="offset points", ha="center", va="top", fontsize=7,
                        color="tab:red", zorder=5)
    lift = (lift_horizon(observations, fit, hz["truth_flops"].iloc[0], run=(hz["series"].iloc[0], hz["size"].iloc[0]),
                         task=task) if observations is not None else None)
    if lift is not None:
        ax.axhline(lift["ratio_truth"], color="0.35", ls="--", lw=0.9, zorder=3,
                   label=f"truth over the 2nd checkpoint with a finetuned\nrun off the floor ({lift['ratio_truth']:.2g}×)")
        top = max(top, lift["ratio_truth"])
    ax.set_yscale("log")
    ax.set_ylim(min(0.9, bottom * 0.9), top * 2.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 1.5, 2, 3, 5, 7)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.axhline(1.0, color="0.3", lw=0.8)
    ax.set_xticks(xs)

    def tick(r):  # the row's errors beside its reach: reach the trivial forecast matches is no reach
        e, t = _num(r.get("error_nats")), _num(r.get("trivial_error"))
        errs = f"\nlaw {e:.2f}" if e is not None else "\nlaw -"
        errs += f"\ntrivial {t:.2f}" if t is not None else ""
        st = r.get("status")
        return r["ablation"].replace(" Last Checkpoints", "\nlast ckpts") + errs + (f"\n({st})" if st == "weak" else "")

    ax.set_xticklabels([tick(r) for _, r in hz.iterrows()], fontsize=7)
    ax.set_xlabel("most capable pre-emergence checkpoints held out (Table 2 rows; errors in nats)")
    ax.set_ylabel("compute ahead of the last\ncheckpoint used (× FLOPs)")
    ax.grid(axis="x", visible=False)
    ax.set_title(title or f"{task}: how far ahead the prediction is ({hz['size'].iloc[0]} run)")
    h, _ = ax.get_legend_handles_labels()
    h.append(Line2D([], [], marker="$✗$", color="tab:red", lw=0, ms=7,
                    label=f"failed (> {FAIL_NATS:g} nats error, or no prediction)"))
    _legend_right(ax, h)
    return fig



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
                 + ("(through 2 sizes: exact, so no\nuncertainty of its own is shown)" if len(fin) == 2
                    else f"(log-linear: < {min_power_points} sizes)"))
    ax.plot(grid, loss_of_params(lf, grid), color="0.3", lw=1.3, label=form, zorder=2)
    same_t = "tokens" in fin.columns and fin["tokens"].nunique() == 1
    ax.scatter(fin["params"], fin["pretrain_loss"], color="black", s=28, zorder=4,
               label=f"each size at {fin['tokens'].iloc[0]:,.0f} tokens" if same_t else "final checkpoint per size")
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
            lab += f"\n(5th–95th: {_fmt_params(n_band[0])}–{_fmt_params(n_band[1])}, {src} only)"
            # the MLE can sit outside the posterior's 5th-95th band: whiskers never go negative
            ax.errorbar([n_pred], [e0], xerr=[[max(n_pred - max(n_band[0], lo), 0.0)],
                                             [max(min(n_band[1], hi) - n_pred, 0.0)]],
                        fmt="none", ecolor="tab:red", elinewidth=1.5, capsize=4, zorder=5)
        ax.scatter([n_pred], [e0], marker="*", color="tab:red", s=110, zorder=6, label=lab)
        ax.axvline(n_pred, color="tab:red", lw=0.6, ls=":", zorder=1)
    elif not math.isfinite(n_pred):
        ax.text(0.02, 0.96, "prediction below the fitted law's asymptote:\nno finite size reaches it",
                transform=ax.transAxes, fontsize=7, color="tab:red", va="top")
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
# the scorecard: the law beside simpler forecasts on every Table 2 row

SCORE_STYLE = {"law": ("tab:red", "o"), "trivial": ("0.2", "s"), "fewshot_only": ("tab:blue", "^"),
               "two_step": ("tab:green", "D"), "passuntil": ("tab:purple", "v")}


@_styled
def fig_scorecard(holdout: pd.DataFrame, task: str | None = None, title: str = ""):
    """Error of the law and of each baseline (emergence.baselines) on every Table 2 row, on a
    log axis with the 0.1-nat bar; a forecast without a number on a row is left out there
    ("n/a" marks a row that is no ablation of this run's data, e.g. a second draw it never
    made). None without any scored row."""
    from emergence.tables import NOT_APPLICABLE, scorecard

    h = holdout if task is None else holdout[holdout["task"].astype(str) == str(task)]
    if _empty(h):
        return None
    long = scorecard(h)
    long = long[long["error_nats"].notna()]
    if long.empty:
        return None
    rows = list(dict.fromkeys(h["ablation"]))
    fig, ax = plt.subplots(figsize=(WIDTH, 3.2))
    forecasts = list(dict.fromkeys(long["forecast"]))
    for j, f in enumerate(forecasts):
        g = long[long["forecast"] == f]
        x = np.array([rows.index(a) for a in g["ablation"]]) + (j - (len(forecasts) - 1) / 2) * 0.16
        c, m = SCORE_STYLE.get(f, ("0.5", "o"))
        y = np.maximum(g["error_nats"], 1e-4)
        if f == "law":  # hollow where the row's status is weak: a number the data do not pin
            weak = g.merge(h[["task", "ablation", "status"]], on=["task", "ablation"], how="left")["status"].eq("weak")
            weak = weak.to_numpy()
            ax.scatter(x[~weak], y[~weak], color=c, marker=m, s=22, zorder=3, label="law (ok)")
            ax.scatter(x[weak], y[weak], facecolor="white", edgecolor=c, marker=m, s=22, zorder=3, label="law (weak)")
        else:
            ax.scatter(x, y, color=c, marker=m, s=22, zorder=3, label=f)
    # n/a where the row is no ablation for every task shown (scorecard() left it out)
    na = set(h["ablation"]) - set(h.loc[h["status"] != NOT_APPLICABLE, "ablation"]) if "status" in h.columns else set()
    for i, a in enumerate(rows):  # rows where the law gave no number say so; n/a: no ablation of this run's data
        if not ((long["ablation"] == a) & (long["forecast"] == "law")).any():
            ax.annotate("n/a" if a in na else "no law", (i, 0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                        textcoords="offset points",
                        ha="center", va="bottom", fontsize=6, color=SCORE_STYLE.get("law", ("0.3",))[0], rotation=90)
    ax.axhline(FAIL_NATS, color="tab:red", ls="--", lw=1.0, zorder=1, label=f"{FAIL_NATS:g} nats")
    ax.set_yscale("log")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(rows, rotation=60, ha="right", rotation_mode="anchor", fontsize=7)  # label ends at its tick
    ax.set_ylabel("|forecast − true emergence| (nats)")
    ax.set_title(title or f"{task}: the law and simpler forecasts on every Table 2 row")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return fig
