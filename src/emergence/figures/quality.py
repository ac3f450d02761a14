"""Figs. 8-9 analogue: two series pretrained on corpora of different quality (emergence.quality).

Left: few-shot accuracy of one model size of each series against training FLOPs, with each
series' predicted (dashed) and observed (dash-dotted) emergence. Right: the predictions with
their 90 % intervals in FLOPs, the observed points as crosses."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from emergence.figures.style import (  # noqa: E402
    WIDTH, _chance_line, _legend_below, _metric_label, _styled, log_axis_ticks)


@_styled
def fig_quality(result: dict, observations: dict[str, pd.DataFrame], task: str, size: str, metric: str,
                chance: float | None = None, title: str = ""):
    """result: emergence.quality.compare; observations: run name -> its observations table."""
    runs = result["runs"]
    cols = dict(zip([r["run"] for r in runs], sns.color_palette("colorblind", len(runs))))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(WIDTH, 3.0), gridspec_kw={"width_ratios": [3, 2]})
    n = None
    for r in runs:
        obs = observations[r["run"]]
        fs = obs[(obs["task"].astype(str) == task) & (obs["metric"] == metric) & (obs["method"] == "fewshot")
                 & (obs["size"].astype(str) == str(size))]
        if fs.empty:
            continue
        n = int(fs["num_fewshot"].max())
        fs = fs[fs["num_fewshot"] == n].sort_values("flops")
        ax.plot(fs["flops"], fs["value"], marker="o", ms=3.5, color=cols[r["run"]], lw=1.2)
        for key, ls in (("flops_pred", "--"), ("flops_true", "-.")):
            if r[key]:
                ax.axvline(r[key], color=cols[r["run"]], ls=ls, lw=1.1)
    log_axis_ticks(ax)
    ax.set_xlabel(f"training FLOPs (size {size})")
    ax.set_ylabel(_metric_label(metric, n))
    _chance_line(ax, chance)
    ax.set_title("few-shot accuracy of each series")
    finite = [v for r in runs for v in (r["flops_pred"], r["flops_lo"], r["flops_hi"], r["flops_true"]) if v]
    right = 1.5 * max(finite) if finite else None  # where an open interval's arrow ends
    for i, r in enumerate(runs):
        c = cols[r["run"]]
        if r["flops_pred"] and not r.get("flops_interval", True):
            bx.annotate("no 90 % interval", (r["flops_pred"], i), xytext=(0, 5), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7, color=c)
        elif r["flops_pred"]:
            # the interval drawn as a bar and the MLE as a point: a posterior interval need not
            # contain the MLE (an error bar would need it to); an end past the loss law's
            # asymptote (None: never, at this size) runs off the axis as an arrow
            lo, hi = r["flops_lo"] or r["flops_pred"], r["flops_hi"] or right
            bx.plot([lo, hi], [i, i], color=c, lw=2, solid_capstyle="butt")
            if not r["flops_hi"]:
                bx.plot([hi], [i], ">", color=c, ms=6)
                bx.annotate("never at this size", (hi, i), xytext=(0, 5), textcoords="offset points", ha="right",
                            va="bottom", fontsize=7, color=c)
        if r["flops_pred"]:
            bx.plot([r["flops_pred"]], [i], "o", color=c)
        if r["flops_true"]:
            bx.plot([r["flops_true"]], [i], "x", color="black", ms=7, mew=1.5)
    if finite:
        bx.set_xlim(0.85 * min(finite), 1.6 * max(finite))
    log_axis_ticks(bx, max_ticks=4)
    bx.set_yticks(range(len(runs)), [r["run"] for r in runs])
    bx.set_ylim(-0.6, len(runs) - 0.4)
    bx.set_xlabel("emergence, training FLOPs")
    bx.set_title("predicted (90 %) vs observed")
    h = [Line2D([], [], color=cols[r["run"]], lw=2, label=r["run"]) for r in runs]
    h += [Line2D([], [], color="grey", ls="--", label="predicted"), Line2D([], [], color="grey", ls="-.", label="observed"),
          Line2D([], [], color="black", marker="x", lw=0, label="observed (right)")]
    fig.suptitle(title or f"{task}: data quality")
    fig.tight_layout()
    _legend_below(fig, h, ncol=5)
    return fig
