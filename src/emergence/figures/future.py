"""Fig. 18 analogue (emergence.future): few-shot accuracy of one size against training FLOPs,
the short run that was fitted (black) and the longer run that checks it (grey); the forecast
in FLOPs (dashed red, its 90 % band shaded) and where the longer run emerged (dash-dotted)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from emergence.figures.style import (  # noqa: E402
    PRED, TRUE, WIDTH, _chance_line, _legend_below, _metric_label, _styled, log_axis_ticks)


def _fewshot(obs, task, metric, size):
    fs = obs[(obs["task"].astype(str) == task) & (obs["metric"] == metric) & (obs["method"] == "fewshot")
             & (obs["size"].astype(str) == str(size))]
    return fs[fs["num_fewshot"] == fs["num_fewshot"].max()].sort_values("flops") if len(fs) else fs


@_styled
def fig_future(check: dict, obs: pd.DataFrame, longer_obs: pd.DataFrame, task: str, metric: str,
               chance: float | None = None, title: str = ""):
    size = check["size"]
    short, long_ = _fewshot(obs, task, metric, size), _fewshot(longer_obs, task, metric, size)
    if short.empty:
        return None
    fig, ax = plt.subplots(figsize=(WIDTH * 0.7, 3.0))
    if len(long_):
        ax.plot(long_["flops"], long_["value"], color="0.6", marker="o", ms=3, lw=1.0, zorder=2)
    ax.plot(short["flops"], short["value"], color="black", marker="o", ms=3.5, lw=1.2, zorder=3)
    h = [Line2D([], [], color="black", marker="o", lw=1.2, label="fitted run (stopped early)"),
         Line2D([], [], color="0.6", marker="o", lw=1.0, label="longer run (the check)")]
    if check.get("flops_pred"):
        ax.axvline(check["flops_pred"], **PRED)
        lo = check.get("flops_lo") or check["flops_pred"]
        hi = check.get("flops_hi") or ax.get_xlim()[1]  # None: beyond the run's loss asymptote
        # the MLE is the joint peak, the band a marginal's equal tails: it may lie outside
        out = "; outside the band" if not lo <= check["flops_pred"] <= hi else ""
        h.append(Line2D([], [], **PRED, label=f"forecast, MLE ({check['flops_pred']:.3g} FLOPs{out})"))
        if check.get("flops_interval", True):
            ax.axvspan(lo, hi, color="tab:red", alpha=0.08, lw=0)
            h.append(Patch(color="tab:red", alpha=0.15, label="forecast 90 % (posterior" +
                           ("; open: never at this size)" if not check.get("flops_hi") else ")")))
        else:
            h.append(Patch(color="white", label="no 90 % interval (no posterior percentiles)"))
    if check.get("flops_true"):
        ax.axvline(check["flops_true"], **TRUE)
        h.append(Line2D([], [], **TRUE, label=f"emerged ({check['flops_true']:.3g} FLOPs)"))
    _chance_line(ax, chance)
    log_axis_ticks(ax)
    ax.set_xlabel(f"training FLOPs (size {size})")
    ax.set_ylabel(_metric_label(metric, int(short["num_fewshot"].max())))
    ax.set_title(title or f"{task}: a forecast before emergence")
    fig.tight_layout()
    _legend_below(fig, h, ncol=3)
    return fig
