"""Figure style and the helpers every figure shares: palettes, markers, axes, legends, rows."""
from __future__ import annotations

import functools
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from emergence import observations as obs_mod  # noqa: E402
from emergence.observations import task_rows  # noqa: E402
from emergence.values import is_empty as _empty  # noqa: E402
from emergence.values import num as _num  # noqa: E402


STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 7.5,
         "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.title_fontsize": 8,
         "figure.dpi": 150, "savefig.dpi": 200, "savefig.bbox": "tight",
         "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
         "grid.alpha": 0.25, "grid.linewidth": 0.5, "legend.frameon": False}

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




def _task_rows(obs, task, metric=None):
    """One task's rows for drawing (every method), typed; None when there are none."""
    if _empty(obs) or task is None:
        return None
    return task_rows(obs, task, metric)


def _default_metric(df, fit=None):
    if fit and fit.get("metric"):
        return fit["metric"]
    ms = sorted(df["metric"].astype(str).unique())
    return "acc" if "acc" in ms or len(ms) != 1 else ms[0]


def _default_method(df, fit=None):
    if fit and fit.get("method"):
        return fit["method"]
    return obs_mod.default_method(df)


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
        st = (fit or {}).get("status")
        handles.append(_at(Line2D([], [], **PRED, label=f"predicted emergence ({e:.3f}" + (f", {st}" if st else "")),
                           ax, e))
        p = (fit or {}).get("percentiles") or {}
        if band and _num(p.get("p5")) is not None and _num(p.get("p95")) is not None:
            ax.axvspan(p["p5"], p["p95"], color="tab:red", alpha=0.08, lw=0, zorder=0)
            handles.append(Patch(color="tab:red", alpha=0.15, label="posterior 5th-95th pct."))
    t = _num((fit or {}).get("ground_truth"))
    if t is not None:
        ax.axvline(t, **TRUE, zorder=4)
        handles.append(_at(Line2D([], [], **TRUE, label=f"true emergence ({t:.3f}"), ax, t))
    return handles


def _at(handle, ax, x):
    """Remember where a marked loss lies, so that the legend can close its label (_close_marks)."""
    handle.mark = (ax, x)
    return handle


def _close_marks(handles):
    """Close the labels of marked losses, naming those outside their panel's loss axis: a line
    drawn off the axis is not seen, and a legend naming it reads as if it were (a run-off
    prediction at 12 nats beside elbows at 3.5)."""
    for h in handles:
        if getattr(h, "mark", None) is None:
            continue
        (ax, x), h.mark = h.mark, None
        lo, hi = sorted(ax.get_xlim())
        side = "" if lo <= x <= hi else "; off the axis, " + ("left" if (x > hi) == ax.xaxis_inverted() else "right")
        h.set_label(h.get_label() + side + ")")
    return handles


def _chance_line(ax, chance, label="chance"):
    c = _num(chance)
    if c is None:
        return []
    ax.axhline(c, **CHANCE, zorder=1)
    return [Line2D([], [], **CHANCE, label=label)]


def zoom_loss_axis(ax, df, ft_losses, marks=()):
    """The loss axis on the finetuned checkpoints' stretch, where the elbows are: few-shot rows
    far weaker than any finetuned checkpoint only repeat the floor, and an axis that keeps
    them squeezes the elbows into a sliver (a dense toy series: 6.5-2.7 nats for elbows in
    3.3-2.8). The marked losses (a prediction, a truth, a level crossing) stay in view where
    they lie among the checkpoints, or within half the checkpoints' span of them; one further
    off (a run-off prediction at 12 nats beside elbows at 3.5) would squeeze every curve into a
    sliver, so it is left off the axis and the legend says so (_close_marks)."""
    lo, hi = float(df["pretrain_loss"].min()), float(df["pretrain_loss"].max())
    near = (lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo))
    if len(ft_losses) and float(ft_losses.max()) - lo < 0.5 * (hi - lo):
        near = (lo, hi)
        hi = float(ft_losses.max())
    marks = [v for v in marks if v is not None and near[0] <= v <= near[1]]
    top, bottom = max([hi] + marks), min([lo] + marks)
    pad = 0.15 * (top - bottom)
    ax.set_xlim(top + pad, bottom - pad)  # inverted, as _loss_axis sets it


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
    return ax.legend(handles=_close_marks(handles), title=title, loc="upper left", bbox_to_anchor=(1.02, y),
                     borderaxespad=0.0, alignment="left")


def _legend_below(fig, handles, ncol=4):
    """Legend under the panels, one centred legend per row, stacked downwards so every row
    gets its own column widths. `handles` is a flat list (cut into rows of `ncol`) or a list
    of rows (lists); long rows are cut at `ncol` = 6 at most."""
    rows = handles if handles and isinstance(handles[0], (list, tuple)) else \
        [handles[i:i + ncol] for i in range(0, len(handles), ncol)]
    rows = [_close_marks(r[i:i + 6]) for r in rows for i in range(0, len(r), 6) if r]
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


def log_axis_ticks(ax, which: str = "x", max_ticks: int = 6):
    """A log axis labelled at round values as "3e11": the finest of the mantissa sets 1, 1.5,
    2, ... 8 down to 1 alone that gives at most max_ticks. Runs that span less than a decade
    otherwise get colliding scientific labels, or none at all."""
    import math

    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")  # first: limits in log space
    lo, hi = ax.get_xlim() if which == "x" else ax.get_ylim()
    (ax.set_xlim if which == "x" else ax.set_ylim)(lo, hi)  # fixed: ticks are chosen for them
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    for mantissas in ((1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8), (1, 2, 3, 4, 5, 6, 8), (1, 2, 3, 5, 7), (1, 2, 5), (1,)):
        ticks = [t for t in (m * 10.0 ** k for k in decades for m in mantissas) if lo <= t <= hi]
        if len(ticks) <= max_ticks:
            break
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 10 ** math.floor(math.log10(v)):g}e{math.floor(math.log10(v))}"))
