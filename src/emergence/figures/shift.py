"""Fig. 11: which adaptations move the emergence point, and which do not.

The paper's left panel compares finetuning with prefix tuning at one data amount (prefix
tuning improves post-emergence models but barely moves emergence); its right panel
compares 0-shot with k-shot prompting (the number of shots does not move it either). Each
curve here is labelled with its own emergence point, the elbow of a ReLU fitted to its
per-checkpoint means (emergence.law.fit_relu; SPEC's ground-truth rule), so the shift is
read as a number, not judged by eye.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from emergence import law as _law  # noqa: E402
from emergence.figures.style import (  # noqa: E402
    CHANCE, FEWSHOT_COLOR, WIDTH, _chance_line, _chance_of, _default_metric, _fmt_D, _legend_below, _loss_axis,
    _metric_label, _per_ckpt, _plot_runs, _recipe_label, _styled, _task_rows, size_markers)


def elbow(rows: pd.DataFrame) -> float | None:
    """Emergence point of one curve: the ReLU elbow of its per-checkpoint means, None when
    the rows do not bracket it (too few checkpoints past it or at the floor)."""
    g = _per_ckpt(rows)
    if g["loss"].nunique() < 4:
        return None
    r = _law.fit_relu(g["loss"].to_numpy(), g["mean"].to_numpy())
    return float(r["E"]) if r["reason"] is None and r["A"] > 0 else None


def _label(name: str, e: float | None, ref: float | None) -> str:
    if e is None:
        return f"{name}: emergence not bracketed"
    shift = f", {e - ref:+.2f} vs few-shot" if ref is not None and name != "few-shot" else ""
    return f"{name}: emergence {e:.2f}{shift}"


def shift_points(obs: pd.DataFrame, task: str, metric: str, kinds: dict[str, str]) -> dict:
    """The numbers Fig. 11 shows: emergence of few-shot, 0-shot, and each recipe at the D where
    a prefix-tuning recipe ran. kinds: recipe name -> kind (emergence.recipe)."""
    df = _task_rows(obs, task, metric)
    if df is None:
        return {}
    fs = df[(df["method"] == "fewshot") & (df["data_amount"] == 0)]
    n = int(fs["num_fewshot"].max()) if len(fs) else None
    out = {"num_fewshot": n, "fewshot": elbow(fs[fs["num_fewshot"] == n]) if n is not None else None}
    zero = fs[fs["num_fewshot"] == 0] if n else fs.iloc[:0]
    out["zero_shot"] = elbow(zero) if len(zero) else None
    prefix = [m for m, k in kinds.items() if k == "prefix" and (df["method"] == m).any()]
    if prefix:
        d = int(df.loc[df["method"] == prefix[0], "data_amount"].max())
        out["data_amount"] = d
        ft = df[(df["method"] != "fewshot") & (df["data_amount"] == d)]
        out["methods"] = {m: elbow(g) for m, g in ft.groupby(ft["method"].astype(str))}
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
    fs = df[(df["method"] == "fewshot") & (df["data_amount"] == 0)]
    n = pts.get("num_fewshot")
    kshot, zero = fs[fs["num_fewshot"] == n], (fs[fs["num_fewshot"] == 0] if n else fs.iloc[:0])
    panels = (["recipes"] if "methods" in pts else []) + (["shots"] if len(zero) else [])
    if not panels:
        return None
    markers = size_markers(df["size"])
    fig, axes = plt.subplots(1, len(panels), figsize=(min(WIDTH, 3.4 * len(panels)), 3.0), sharey=True, squeeze=False)
    ref = pts["fewshot"]
    handles = []
    for ax, panel in zip(axes[0], panels):
        _plot_runs(ax, kshot, FEWSHOT_COLOR, markers, ms=3.5, lw=1.2, band=False, zorder=5)
        if panel == "recipes":
            d = pts["data_amount"]
            names = sorted(pts["methods"], key=lambda m: (kinds.get(m) != "prefix", m))
            cols = dict(zip(names, sns.color_palette("colorblind", len(names))))
            for m in names:
                _plot_runs(ax, df[(df["method"] == m) & (df["data_amount"] == d)], cols[m], markers, ms=3.5)
                handles.append(Line2D([], [], color=cols[m], lw=2,
                                      label=_label(f"{_recipe_label(m)} ({kinds.get(m, '?')}), {_fmt_D(d)}",
                                                   pts["methods"][m], ref)))
            ax.set_title(f"finetuning vs prefix tuning, {_fmt_D(d)}")
        else:
            _plot_runs(ax, zero, "tab:orange", markers, ms=3.5, lw=1.2, band=False, zorder=4)
            handles.append(Line2D([], [], color="tab:orange", lw=1.5, label=_label("0-shot", pts["zero_shot"], ref)))
            ax.set_title(f"0-shot vs {n}-shot prompting")
        _chance_line(ax, _chance_of(fit, chance))
        _loss_axis(ax)
    axes[0][0].set_ylabel(_metric_label(metric, n))
    first = [Line2D([], [], color=FEWSHOT_COLOR, lw=1.2, label=_label(f"few-shot ({n}-shot)", ref, None))]
    extra = [Line2D([], [], **CHANCE, label="chance")]
    if len(markers) > 1:
        extra += [Line2D([], [], color="grey", marker=m, lw=0, ms=5, label=f"size {s}") for s, m in markers.items()]
    fig.suptitle(title or f"{task}: what moves emergence")
    fig.tight_layout()
    _legend_below(fig, [first + handles[:1], *[[h] for h in handles[1:]], extra])
    return fig
