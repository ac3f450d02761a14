"""Small tables assembled from fit JSONs (the statistics live in fit/law/tables)."""
from __future__ import annotations

import pandas as pd

PREDICTION_COLUMNS = ["task", "metric", "variant", "d0", "n_ckpts", "emergence_point_mle", "ground_truth",
                      "error_nats", "failed", "status", "reason"]


def predictions_table(fits: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{c: f.get(c) for c in PREDICTION_COLUMNS} for f in fits], columns=PREDICTION_COLUMNS)


def markdown(df: pd.DataFrame, digits: int = 3) -> str:
    def cell(v):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"
