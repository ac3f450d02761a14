"""Fig. 11: which adaptations move the emergence point, and which do not.

The paper's left panel compares finetuning with prefix tuning at one data amount (prefix
tuning improves post-emergence models but barely moves emergence); its right panel
compares 0-shot with k-shot prompting (the number of shots does not move it either). Each
curve is labelled with the loss at which it leaves the floor, i.e. first reaches the few-shot
floor plus 10 % of the few-shot rise, and its shift from few-shot, so the shift is read as a
number, not judged by eye. A level crossing rather than each curve's own ReLU elbow:
recipes run on fewer checkpoints than few-shot, and an elbow fitted to a curve cut short
moves with the cut (measured on the default toy: the finetuned elbows all landed 0.1 nats
before the last finetuned checkpoint, prefix tuning's too).
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from emergence import law as _law  # noqa: E402
ZERO_SHOT = "#8e44ad"  # purple: apart from the recipes' colorblind palette

from emergence.figures.style import (  # noqa: E402
    CHANCE, FEWSHOT_COLOR, WIDTH, _chance_line, _chance_of, _default_metric, _fmt_D, _legend_below, _loss_axis,
    _metric_label, _per_ckpt, _plot_runs, _recipe_label, _styled, _task_rows, size_markers, zoom_loss_axis)


def level(fewshot: pd.DataFrame, share: float = 0.1) -> float | None:
    """The accuracy that marks "has left the floor": the few-shot floor (its values at
    checkpoints weaker than its ReLU elbow) plus `share` of its rise to its best value.
    None when the few-shot curve has no bracketed elbow."""
    g = _per_ckpt(fewshot)
    if g["loss"].nunique() < 4:
        return None
    r = _law.fit_relu(g["loss"].to_numpy(), g["mean"].to_numpy())
    floor = g.loc[g["loss"] > r["E"], "mean"]
    if r["reason"] is not None or r["A"] <= 0 or floor.empty:
        return None
    return float(floor.mean() + share * (g["mean"].max() - floor.mean()))


def crossing(rows: pd.DataFrame, at: float) -> tuple[float | None, float]:
    """Where one curve first reaches accuracy `at`, walking from weak to capable checkpoints
    (linear in loss between the two that straddle it), and the loss of its most capable
    checkpoint. A level crossing, unlike a fitted elbow, does not move when a curve is cut
    short (the recipes run on fewer checkpoints than few-shot)."""
    g = _per_ckpt(rows).sort_values("loss", ascending=False)
    L, y = g["loss"].to_numpy(), g["mean"].to_numpy()
    for i in range(len(y)):
        if y[i] >= at:
            if i == 0:
                return float(L[0]), float(L[-1])
            f = (at - y[i - 1]) / (y[i] - y[i - 1])
            return float(L[i - 1] + f * (L[i] - L[i - 1])), float(L[-1])
    return None, float(L[-1]) if len(L) else float("nan")


def _label(name: str, cross: tuple, ref: float | None) -> str:
    e, last = cross
    if e is None:
        bound = f"; shift < {last - ref:+.2f}" if ref is not None and last > ref else ""
        return f"{name}: not reached by loss {last:.2f}{bound}"
    shift = f" ({e - ref:+.2f} vs few-shot)" if ref is not None else ""
    return f"{name}: {e:.2f}{shift}"


def shift_points(obs: pd.DataFrame, task: str, metric: str, kinds: dict[str, str]) -> dict:
    """The numbers Fig. 11 shows: the loss at which few-shot, 0-shot and each recipe (at the D
    where a prefix-tuning recipe ran) first reach `level` (crossing: (loss or None, most
    capable loss)). kinds: recipe name -> kind (emergence.recipe). Empty without a few-shot
    elbow to define the level."""
    df = _task_rows(obs, task, metric)
    if df is None:
        return {}
    fs = df[(df["method"] == "fewshot") & (df["data_amount"] == 0)]
    if fs.empty:
        return {}
    n = int(fs["num_fewshot"].max())
    kshot = fs[fs["num_fewshot"] == n]
    at = level(kshot)
    if at is None:
        return {}
    out = {"num_fewshot": n, "level": at, "fewshot": crossing(kshot, at)}
    zero = fs[fs["num_fewshot"] == 0] if n else fs.iloc[:0]
    if len(zero):
        out["zero_shot"] = crossing(zero, at)
    prefix = [m for m, k in kinds.items() if k == "prefix" and (df["method"] == m).any()]
    if prefix:
        d = int(df.loc[df["method"] == prefix[0], "data_amount"].max())
        ft = df[(df["method"] != "fewshot") & (df["data_amount"] == d)]
        out["data_amount"] = d
        out["methods"] = {m: crossing(g, at) for m, g in ft.groupby(ft["method"].astype(str))}
    return out


@_styled
def fig11(obs: pd.DataFrame, task: str, kinds: dict[str, str], fit: dict | None = None,
          chance: float | None = None, title: str = ""):
    """Left: every recipe at the data amount where prefix tuning ran, beside few-shot. Right:
    0-shot against k-shot prompting (evaluate.zero_shot). A panel without data is left out;
    None when neither has any."""
    df = _task_rows(obs, task)
    if df is None:
        return None
    metric = _default_metric(df, fit)
    df = _task_rows(df, task, metric)
    pts = shift_points(df, task, metric, kinds)
    if not pts:
        return None
    n = pts["num_fewshot"]
    fs = df[(df["method"] == "fewshot") & (df["data_amount"] == 0)]
    kshot, zero = fs[fs["num_fewshot"] == n], (fs[fs["num_fewshot"] == 0] if n else fs.iloc[:0])
    panels = (["recipes"] if "methods" in pts else []) + (["shots"] if "zero_shot" in pts else [])
    if not panels:
        return None
    markers = size_markers(df["size"])
    fig, axes = plt.subplots(1, len(panels), figsize=(min(WIDTH, 3.4 * len(panels)), 3.0), sharey=True, squeeze=False)
    ref = pts["fewshot"][0]
    # as in Fig. 3: the finetuned stretch and every crossing, not a long run of early checkpoints at the floor
    d = pts.get("data_amount")
    ft = df.loc[(df["method"] != "fewshot") & ((df["data_amount"] == d) if d is not None else (df["data_amount"] > 0)),
                "pretrain_loss"]
    crossings = [c[0] for c in (pts["fewshot"], pts.get("zero_shot", (None,)), *pts.get("methods", {}).values())]
    handles = []
    for ax, panel in zip(axes[0], panels):
        _plot_runs(ax, kshot, FEWSHOT_COLOR, markers, ms=3.5, lw=1.2, band=False, zorder=5)
        if panel == "recipes":
            d = pts["data_amount"]
            names = sorted(pts["methods"], key=lambda m: (kinds.get(m) != "prefix", m))
            cols = dict(zip(names, sns.color_palette("colorblind", len(names))))
            for m in names:
                _plot_runs(ax, df[(df["method"] == m) & (df["data_amount"] == d)], cols[m], markers, ms=3.5)
                name = _recipe_label(m)
                name += " (prefix tuning)" if kinds.get(m) == "prefix" and "prefix" not in name.lower() else ""
                handles.append(Line2D([], [], color=cols[m], lw=2, label=_label(name, pts["methods"][m], ref)))
            ax.set_title(f"finetuning vs prefix tuning at {_fmt_D(d)}")
        else:
            _plot_runs(ax, zero, ZERO_SHOT, markers, ms=3.5, lw=1.2, band=False, zorder=4)
            handles.append(Line2D([], [], color=ZERO_SHOT, lw=1.5, label=_label("0-shot", pts["zero_shot"], ref)))
            ax.set_title(f"0-shot vs {n}-shot prompting")
        ax.axhline(pts["level"], color="grey", lw=0.8, ls="--", zorder=1)
        _chance_line(ax, _chance_of(fit, chance))
        _loss_axis(ax)
        zoom_loss_axis(ax, df, ft, crossings)
    # the 0-shot panel is not in the k-shot format: name the metric alone where it is drawn
    axes[0][0].set_ylabel(_metric_label(metric, n if panels == ["recipes"] else None))
    first = [Line2D([], [], color=FEWSHOT_COLOR, lw=1.2, label=_label(f"few-shot ({n}-shot)", pts["fewshot"], None)),
             Line2D([], [], color="grey", lw=0.8, ls="--", label=f"level {pts['level']:.3f}: floor + 10 % of the rise")]
    extra = [Line2D([], [], **CHANCE, label="chance")]
    if len(markers) > 1:
        extra += [Line2D([], [], color="grey", marker=m, lw=0, ms=5, label=f"size {s}") for s, m in markers.items()]
    fig.suptitle(title or f"{task}: what moves emergence")
    fig.tight_layout()
    _legend_below(fig, [first, *[handles[i:i + 2] for i in range(0, len(handles), 2)], extra])
    return fig
