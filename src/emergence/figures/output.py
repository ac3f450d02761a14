"""Saving figures (with a placeholder when data are missing) and the report's HTML tables."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from emergence.values import truthy as _truthy  # noqa: E402
from emergence.figures.style import (  # noqa: E402
    STYLE, _styled,
)


# ---------------------------------------------------------------------------------------------
# tables and saving



TABLE_STYLES = [
    {"selector": "", "props": "border-collapse: collapse; font-size: 85%; font-family: sans-serif;"},
    {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold; padding: 4px 0;"},
    {"selector": "th", "props": "border-bottom: 1px solid #444; padding: 2px 8px; text-align: left;"},
    {"selector": "td", "props": "padding: 2px 8px; border-bottom: 1px solid #eee;"},
]


def table_html(df: pd.DataFrame, failed_col: str = "failed", digits: int = 3, caption: str | None = None,
               columns: list[str] | None = None) -> str:
    """An HTML table for the report through pandas' Styler: floats to `digits` decimals,
    missing as '–', booleans as yes/no, rows whose `failed_col` is true in red. columns:
    the ones to show (a wide table such as Table 2 keeps its essentials; the CSV has all)."""
    shown = df[[c for c in columns if c in df.columns]] if columns else df
    fails = df[failed_col].map(_truthy) if failed_col in df.columns else pd.Series(False, index=df.index)

    def fmt(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return "–"
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return str(v)

    # a fixed id, not Styler's random one: reruns write byte-identical files
    uid = "".join(ch for ch in (caption or "table").lower() if ch.isalnum())[:24] or "table"
    classes = pd.DataFrame([["failed" if f else ""] * len(shown.columns) for f in fails],
                           index=shown.index, columns=shown.columns)
    sty = (shown.style.set_uuid(uid).format(fmt, escape="html").hide(axis="index").set_td_classes(classes)
           .apply(lambda r: ["color: #b00020; background: #fdecec" if fails.loc[r.name] else ""] * len(r), axis=1)
           .set_table_styles(TABLE_STYLES).set_table_attributes('class="emergence-table"'))
    num = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])]
    if num:
        sty = sty.set_properties(subset=num, **{"text-align": "right"})
    if caption:
        sty = sty.set_caption(caption)
    return sty.to_html() + "\n"


@_styled
def placeholder(message: str):
    """A small figure saying why a figure could not be drawn (so workflow outputs exist)."""
    fig, ax = plt.subplots(figsize=(4, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=9, color="0.3")
    return fig


def missing_reason(name: str, obs, fit: dict, task: str) -> str:
    """Why a task's paper figure has no data, in the words of what is absent."""
    rows = obs[obs["task"].astype(str) == str(task)]
    methods = set(rows["method"].astype(str)) - {"fewshot"}
    if name in ("fig11", "fig12") and len(methods) < 2:
        return f"{name}: only one finetuning recipe ran for {task} (finetune.compare.tasks lists the compared ones)"
    if name == "fig13" and "logprob_norm" not in set(rows["metric"].astype(str)):
        return f"{name}: no continuous metric (logprob_norm) for {task}: lm-eval reports it for multiple choice only"
    if name == "fig7" and fit.get("ground_truth") is None:
        return f"{name}: no ground truth ({fit.get('ground_truth_reason') or 'none'}), so no distance to it"
    return f"{name}: not enough data in this run ({fit.get('reason')})"


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
