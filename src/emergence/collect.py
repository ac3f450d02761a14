"""The observations table: one row per (checkpoint, task, method, D, draw, metric) result."""
from __future__ import annotations

import pandas as pd

from emergence.values import PASS_RATE

COLUMNS = ["task", "ckpt", "series", "size", "step", "params", "tokens", "flops", "pretrain_loss",
           "method", "data_amount", "subset_sample", "num_fewshot", "metric", "value", "stderr"]


def passuntil_rows(table: pd.DataFrame, task: str, num_fewshot: int) -> pd.DataFrame:
    """PassUntil's per-checkpoint table (passuntil_fit: ckpt, pu, se, ...) as evaluation rows
    of `task`: metric pass_rate, few-shot, so a fit can score PassUntil beside the law."""
    return pd.DataFrame({"task": task, "ckpt": table["ckpt"], "method": "fewshot", "data_amount": 0,
                         "subset_sample": 0, "num_fewshot": num_fewshot, "metric": PASS_RATE,
                         "value": table["pu"], "stderr": table["se"]})


def observations(checkpoints: pd.DataFrame, evals: list[pd.DataFrame]) -> pd.DataFrame:
    ev = pd.concat(evals, ignore_index=True)
    if "stderr" not in ev:  # tables from before the standard error was kept
        ev["stderr"] = float("nan")
    ck = checkpoints[["ckpt", "series", "size", "step", "params", "tokens", "flops", "pretrain_loss"]]
    df = ev.merge(ck, on="ckpt", how="left", validate="many_to_one")
    missing = df[df["pretrain_loss"].isna()]["ckpt"].unique()
    if len(missing):
        raise ValueError(f"checkpoints without a pretraining loss: {list(missing)}")
    # a stable order makes reruns byte-identical
    keys = ["task", "series", "size", "step", "method", "data_amount", "subset_sample", "metric"]
    return df[COLUMNS].sort_values(keys, kind="mergesort").reset_index(drop=True)
