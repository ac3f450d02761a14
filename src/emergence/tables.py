"""The paper's tables as functions from an observations DataFrame to tidy DataFrames.

Table 2 (hold-out ablation), Table 3 (MCMC vs bootstrap uncertainty), and the Figure 6
ablations (functional form, D0). Every fit goes through fit.fit_task; a hold-out row is a
filter applied to the pre-emergence rows only, so the ground truth always comes from every
few-shot row.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from emergence.fit import fit_task

DEFAULT_MCMC = dict(nwalkers=48, nsteps=1000)


# ---------------------------------------------------------------------------------------------
# Table 2 row definitions. Each filter maps the pre-emergence fit rows to the rows kept.

def _ft(df):
    return df["data_amount"] > 0


def _drop_D(k, largest):
    def f(df):
        Ds = np.sort(df.loc[_ft(df), "data_amount"].unique())
        drop = Ds[-k:] if largest else Ds[:k]
        return df[~df["data_amount"].isin(drop)]
    return f


def _only_sample(s):
    # samples are numbered from 1 in the finetuned rows; few-shot rows (sample 0) stay
    return lambda df: df[~_ft(df) | (df["subset_sample"] == s)]


def _by_capability(df):
    """Checkpoint ids, most capable (lowest loss) first."""
    return df.groupby("ckpt_id")["pretrain_loss"].mean().sort_values(kind="stable").index.tolist()


def _last(k):
    return lambda df: df[df["ckpt_id"].isin(_by_capability(df)[:k])]


def _last6_every_other(parity):
    # of the 6 most capable, most capable first: Even keeps positions 0, 2, 4; Odd 1, 3, 5
    return lambda df: df[df["ckpt_id"].isin(_by_capability(df)[:6][parity::2])]


def _drop_last(k):
    return lambda df: df[~df["ckpt_id"].isin(_by_capability(df)[:k])]


def holdout_rows() -> dict:
    """Every SPEC Table 2 row, in the paper's order: name -> filter(pre-emergence rows)."""
    rows = {"Full Data": lambda df: df}
    for k in (1, 2, 3):
        rows[f"-{k} Smallest Subset"] = _drop_D(k, largest=False)
    for k in (1, 2, 3):
        rows[f"-{k} Largest Subset"] = _drop_D(k, largest=True)
    for s in (1, 2):
        rows[f"Only Subset Sample {s}"] = _only_sample(s)
    for k in (6, 5, 4, 3):
        rows[f"Last {k} Checkpoints"] = _last(k)
    rows["Last 6, Every Other Even"] = _last6_every_other(0)
    rows["Last 6, Every Other Odd"] = _last6_every_other(1)
    for k in (1, 2, 3, 4):
        rows[f"-{k} Last Checkpoints"] = _drop_last(k)
    return rows


def _tasks(obs, task):
    if task is None:
        return sorted(obs["task"].astype(str).unique())
    return [task] if isinstance(task, str) else list(task)


def _err_row(r):
    ep = r["error_percentiles"] or {}
    return dict(emergence_point_mle=r["emergence_point_mle"], ground_truth=r["ground_truth"],
                error_nats=r["error_nats"], err_p5=ep.get("p5"), err_p95=ep.get("p95"),
                failed=r["failed"], status=r["status"])


def holdout_ablation(obs, task=None, mcmc=DEFAULT_MCMC, rows=None, **fit_kw) -> pd.DataFrame:
    """Table 2: one row per (task, hold-out). err_p5/err_p95 are percentiles of the MCMC
    posterior errors |E_sample - truth|. fit_kw go to fit_task (metric, chance, seed, ...)."""
    out = []
    for t in _tasks(obs, task):
        for name, select in (rows or holdout_rows()).items():
            r = fit_task(obs, t, mcmc=mcmc, select=select, **fit_kw)
            out.append(dict(task=t, ablation=name, n_ckpts=r["n_ckpts"], n_rows=r["n_rows"], **_err_row(r),
                            ess=r["ess"], mcmc_converged=r["mcmc_converged"],
                            reason=r["reason"] or r["percentiles_reason"]))
    return pd.DataFrame(out)


def uncertainty_table(obs, task=None, mcmc=DEFAULT_MCMC, bootstrap=dict(n=100), **fit_kw) -> pd.DataFrame:
    """Table 3: per task, percentiles of E(D0) from the MCMC posterior and from the bootstrap."""
    out = []
    for t in _tasks(obs, task):
        r = fit_task(obs, t, mcmc=mcmc, bootstrap=bootstrap, **fit_kw)
        row = dict(task=t, emergence_point_mle=r["emergence_point_mle"], ground_truth=r["ground_truth"])
        for src, key in (("mcmc", "percentiles"), ("boot", "bootstrap_percentiles")):
            for p, v in (r[key] or {}).items():
                row[f"{src}_{p}"] = v
        out.append(dict(row, status=r["status"], reason=r["reason"] or r["percentiles_reason"]))
    return pd.DataFrame(out)


def functional_form_table(obs, task=None, variants=("log_power", "power", "no_fewshot"),
                          mcmc=dict(DEFAULT_MCMC, nsteps=2000), **fit_kw) -> pd.DataFrame:
    """Figure 6 (left): MLE error and posterior error percentiles per law variant. The power
    law mixes more slowly (tau ~ 25 steps vs ~ 14), hence the longer default chain."""
    return pd.DataFrame([dict(task=t, variant=v, **_err_row(fit_task(obs, t, variant=v, mcmc=mcmc, **fit_kw)))
                         for t in _tasks(obs, task) for v in variants])


def d0_sweep_table(obs, task=None, multiples=(1, 2, 5, 10, 20, 50), mcmc=DEFAULT_MCMC, **fit_kw) -> pd.DataFrame:
    """Figure 6 (right): the prediction at D0 = m*N (N = 0 counts as 1)."""
    out = []
    for t in _tasks(obs, task):
        N = int(obs.loc[(obs["task"].astype(str) == t) & (obs["method"] == "fewshot"), "num_fewshot"].max())
        for m in multiples:
            r = fit_task(obs, t, d0=m * max(N, 1), mcmc=mcmc, **fit_kw)
            out.append(dict(task=t, d0_multiple=m, d0=r["d0"], **_err_row(r)))
    return pd.DataFrame(out)


def to_markdown(df: pd.DataFrame, digits=3) -> str:
    """A GitHub markdown table; missing values print as '-'."""
    def cell(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "-"
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return str(v).replace("|", "\\|")

    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


PREDICTION_COLUMNS = ["task", "metric", "variant", "d0", "n_ckpts", "emergence_point_mle", "ground_truth",
                      "error_nats", "failed", "status", "reason"]


def predictions_table(fits: list[dict]) -> pd.DataFrame:
    """One row per task: the fitted prediction against the ground truth."""
    return pd.DataFrame([{c: f.get(c) for c in PREDICTION_COLUMNS} for f in fits], columns=PREDICTION_COLUMNS)
