"""Saving figures (with a placeholder when data are missing) and the report's HTML tables."""
from __future__ import annotations

import html
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
